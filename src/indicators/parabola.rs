//! A parabolic rally: a move that is both extreme for the series and accelerating.

use std::collections::VecDeque;

use super::RollingStats;

/// Whether the newest close ends a parabolic rally. With `N = window`, `h = N / 2` (integer
/// division) and the N-bar return `R[t] = close[t] / close[t−N] − 1`, bar `t` is parabolic when
/// both hold:
///
/// - the move is extreme: `R[t] > mean + k · std`, the mean and sample standard deviation
///   (ddof 1) being those of the `history` previous N-bar returns `R[t−history] ..= R[t−1]`;
/// - it accelerates: the later half of the window rose faster than the first,
///   `close[t] / close[t−h] > close[t−h] / close[t−N]`.
///
/// Warm-up: `None` until the first bar with `history` returns before it, `t = N + history`
/// (the `N + history + 1`-th close); `Some(false)` or `Some(true)` from then on. O(1) per bar:
/// the last `N + 1` closes are kept in a queue allocated once, the returns' statistics in a
/// [`RollingStats`]. `parabolic-reversion` trades on it.
#[derive(Debug, Clone)]
pub struct Parabola {
    window: usize,
    k: f64,
    /// The last `window + 1` closes, oldest first.
    closes: VecDeque<f64>,
    /// The last `history` N-bar returns.
    returns: RollingStats,
}

impl Parabola {
    /// A detector of rallies over `window` bars (≥ 2) against `history` earlier returns (≥ 2),
    /// extreme beyond `k` standard deviations.
    #[must_use]
    pub fn new(window: usize, history: usize, k: f64) -> Self {
        let window = window.max(2);
        Parabola {
            window,
            k,
            closes: VecDeque::with_capacity(window + 1),
            returns: RollingStats::new(history),
        }
    }

    /// Adds the newest close and says whether its bar is parabolic, once that can be told.
    #[inline]
    pub fn push(&mut self, close: f64) -> Option<bool> {
        if self.closes.len() > self.window {
            self.closes.pop_front();
        }
        self.closes.push_back(close);
        if self.closes.len() <= self.window {
            return None;
        }
        let rally = close / self.closes[0] - 1.0;
        let before = self.returns.stats();
        self.returns.push(rally);
        let before = before?;
        Some(rally > before.mean + self.k * before.std && self.accelerates())
    }

    /// Whether the later half of the last `window` bars rose faster than the first (with a
    /// full queue of closes).
    fn accelerates(&self) -> bool {
        let newest = self.window;
        let mid = self.closes[newest - self.window / 2];
        self.closes[newest] / mid > mid / self.closes[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::testing::series;

    /// The definition at bar `t` of `close`, from whole slices: `None` before `window + history`.
    fn naive(close: &[f64], window: usize, history: usize, k: f64, t: usize) -> Option<bool> {
        if t < window + history {
            return None;
        }
        let rally = |t: usize| close[t] / close[t - window] - 1.0;
        let before: Vec<f64> = (t - history..t).map(rally).collect();
        let n = history as f64;
        let mean = before.iter().sum::<f64>() / n;
        let std = (before.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let mid = close[t - window / 2];
        let accelerates = close[t] / mid > mid / close[t - window];
        Some(rally(t) > mean + k * std && accelerates)
    }

    #[test]
    fn parabola_matches_its_definition_on_whole_slices() {
        let close = series(9, 600);
        for (window, history, k) in [(2, 2, 0.5), (5, 20, 1.0), (10, 40, 1.5), (20, 252, 2.0)] {
            let mut parabola = Parabola::new(window, history, k);
            let got: Vec<Option<bool>> = close.iter().map(|&c| parabola.push(c)).collect();
            let want: Vec<Option<bool>> = (0..close.len())
                .map(|t| naive(&close, window, history, k, t))
                .collect();
            assert_eq!(got, want, "window {window}, history {history}, k {k}");
            assert_eq!(got.iter().position(Option::is_some), Some(window + history));
            assert!(
                got.contains(&Some(true)),
                "some bar is parabolic: a test that tells"
            );
        }
    }

    /// Whether the last `window + 1` of `closes` accelerate, as the detector reads them.
    fn accelerating(window: usize, closes: &[f64]) -> bool {
        let mut parabola = Parabola::new(window, 2, 1.0);
        for &close in closes {
            parabola.push(close);
        }
        parabola.accelerates()
    }

    #[test]
    fn acceleration_compares_the_later_half_with_the_first() {
        assert!(accelerating(2, &[100.0, 101.0, 103.0]));
        assert!(
            !accelerating(2, &[100.0, 102.0, 104.0]),
            "linear decelerates"
        );
        assert!(
            !accelerating(2, &[100.0, 110.0, 121.0]),
            "geometric is a tie"
        );
        // Only the last window + 1 closes count: the 9 is outside.
        assert!(accelerating(4, &[9.0, 100.0, 100.0, 100.0, 101.0, 103.0]));
        assert!(
            !accelerating(5, &[100.0, 100.0, 100.0, 102.0, 102.5, 103.0]),
            "h = 5 / 2 = 2"
        );
    }
}
