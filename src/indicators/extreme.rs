//! The largest of a window of values.

/// The largest of the last `window` values, updated one value at a time in amortised O(1) (a
/// monotonic queue of the values that can still become the maximum).
#[derive(Debug, Clone)]
pub struct RollingMax {
    window: usize,
    /// Index of the next value.
    count: usize,
    /// (index, value) of the candidates, values strictly decreasing from front to back; never
    /// longer than `window`, so its first allocation is its last.
    candidates: std::collections::VecDeque<(usize, f64)>,
}

impl RollingMax {
    /// A maximum over the last `window` values (`window` ≥ 1).
    #[must_use]
    pub fn new(window: usize) -> Self {
        let window = window.max(1);
        RollingMax {
            window,
            count: 0,
            candidates: std::collections::VecDeque::with_capacity(window),
        }
    }

    /// Adds the newest value and returns the maximum of the last `window` values once there are
    /// that many.
    #[inline]
    pub fn push(&mut self, value: f64) -> Option<f64> {
        let index = self.count;
        self.count += 1;
        while self
            .candidates
            .front()
            .is_some_and(|(i, _)| i + self.window <= index)
        {
            self.candidates.pop_front();
        }
        while self.candidates.back().is_some_and(|(_, v)| *v <= value) {
            self.candidates.pop_back();
        }
        self.candidates.push_back((index, value));
        (self.count >= self.window).then(|| self.candidates[0].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::testing::series;

    #[test]
    fn rolling_max_matches_the_naive_max_of_each_window() {
        let mut values = series(2, 500);
        // Ties and a falling stretch, where a careless queue keeps stale or drops live values.
        values[100..110].fill(500.0);
        for (i, v) in values[200..260].iter_mut().enumerate() {
            *v = 1000.0 - i as f64;
        }
        for window in [1, 2, 5, 30, 252] {
            let mut max = RollingMax::new(window);
            for t in 0..values.len() {
                let got = max.push(values[t]);
                if t + 1 < window {
                    assert_eq!(got, None, "window {window}, bar {t}");
                } else {
                    let want = values[t + 1 - window..=t]
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, f64::max);
                    assert_eq!(got, Some(want), "window {window}, bar {t}");
                }
            }
        }
    }
}
