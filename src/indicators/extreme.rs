//! The largest or the smallest of a window of values.

use std::collections::VecDeque;

/// The largest of the last `window` values: [`RollingExtreme`] keeping the maximum.
pub type RollingMax = RollingExtreme<true>;

/// The smallest of the last `window` values: [`RollingExtreme`] keeping the minimum.
pub type RollingMin = RollingExtreme<false>;

/// The largest (`LARGEST`) or smallest of the last `window` values, updated one value at a time
/// in amortised O(1): a monotonic queue of the values that can still become the extreme, each
/// pushed and dropped once. Used as [`RollingMax`] and [`RollingMin`], one code for both so the
/// two cannot drift apart.
///
/// Of equal values the newest is kept, as it stays in the window longest. `max` of a window:
/// `pandas.Series.rolling(window).max()`, `None` where pandas gives NaN (fewer than `window`
/// values).
#[derive(Debug, Clone)]
pub struct RollingExtreme<const LARGEST: bool> {
    window: usize,
    /// Index of the next value.
    count: usize,
    /// (index, value) of the candidates, values strictly decreasing (for the largest; strictly
    /// increasing for the smallest) from front to back; never longer than `window`, so its
    /// first allocation is its last.
    candidates: VecDeque<(usize, f64)>,
}

impl<const LARGEST: bool> RollingExtreme<LARGEST> {
    /// The extreme of the last `window` values (`window` ≥ 1).
    #[must_use]
    pub fn new(window: usize) -> Self {
        let window = window.max(1);
        RollingExtreme {
            window,
            count: 0,
            candidates: VecDeque::with_capacity(window),
        }
    }

    /// Adds the newest value and returns the extreme of the last `window` values once there are
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
        // A candidate the new value equals or beats can never be the extreme again.
        while self
            .candidates
            .back()
            .is_some_and(|(_, v)| if LARGEST { *v <= value } else { *v >= value })
        {
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

    /// The series with ties and a falling and a rising stretch, where a careless queue keeps
    /// stale values or drops live ones.
    fn awkward() -> Vec<f64> {
        let mut values = series(2, 500);
        values[100..110].fill(500.0);
        for (i, v) in values[200..260].iter_mut().enumerate() {
            *v = 1000.0 - i as f64;
        }
        for (i, v) in values[300..360].iter_mut().enumerate() {
            *v = i as f64;
        }
        values
    }

    /// Checks `push` of a fresh extreme against `naive` of each whole window, for several
    /// windows.
    fn check<const LARGEST: bool>(naive: fn(&[f64]) -> f64) {
        let values = awkward();
        for window in [1, 2, 5, 30, 252] {
            let mut extreme = RollingExtreme::<LARGEST>::new(window);
            for t in 0..values.len() {
                let got = extreme.push(values[t]);
                let want = (t + 1 >= window).then(|| naive(&values[t + 1 - window..=t]));
                assert_eq!(got, want, "window {window}, bar {t}");
            }
        }
    }

    #[test]
    fn rolling_max_matches_the_naive_max_of_each_window() {
        check::<true>(|w| w.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    }

    #[test]
    fn rolling_min_matches_the_naive_min_of_each_window() {
        check::<false>(|w| w.iter().copied().fold(f64::INFINITY, f64::min));
    }

    #[test]
    fn a_window_of_one_is_the_value_itself() {
        let mut min = RollingMin::new(0);
        assert_eq!(min.push(3.0), Some(3.0), "a window of 0 is taken as 1");
        assert_eq!(min.push(7.0), Some(7.0));
    }
}
