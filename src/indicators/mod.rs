//! Indicators that strategies update one bar at a time, so each costs O(1) per bar (amortised)
//! and reads only values up to the current bar; and indicator lines computed once per universe
//! and shared by every run on it, so that a sweep of 174 moving-average pairs computes 25
//! averages, not 348.
//!
//! Every indicator has one shape: `X::new(parameters)`, then `push(the newest inputs)` once per
//! bar, which answers `Option<value>`: `None` while it warms up (each type says for how long),
//! the value at the current bar after. Nothing but the inputs pushed so far is seen, so no
//! indicator can look ahead. The one difference: [`RollingMean::push`] takes the series ending
//! at the newest value (what `History::close` gives) rather than the value alone, as it re-sums
//! its window from the series instead of keeping a copy of it.
//!
//! | indicator | `new` | `push` | value |
//! | --- | --- | --- | --- |
//! | [`RollingMean`] | window | series | simple moving average |
//! | [`Ema`] | span | value | exponential moving average (pandas' `ewm(span, adjust=False)`) |
//! | [`RollingMax`], [`RollingMin`] | window | value | largest, smallest |
//! | [`RollingStats`] | window | value | [`Stats`]: mean and sample standard deviation |
//! | [`RollingBeta`] | window | return, benchmark's return | cov / var |
//! | [`Rsi`] | period | close | Wilder's relative strength index, 0 to 100 |
//! | [`Atr`] | period | high, low, close | Wilder's average true range |
//! | [`Parabola`] | window, history, k | close | whether the bar ends a parabolic rally |

mod extreme;
mod mean;
mod parabola;
mod smoothing;
mod stats;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

pub use extreme::{RollingExtreme, RollingMax, RollingMin};
pub use mean::RollingMean;
pub use parabola::Parabola;
pub use smoothing::{Atr, Ema, Rsi};
pub use stats::{RollingBeta, RollingStats, Stats};

use crate::data::Universe;
use crate::strategy::History;

/// What a shared line holds: one symbol's indicator, identified by its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LineKey {
    /// Simple moving average of the close of series `symbol` over `window` bars.
    CloseMean { symbol: usize, window: usize },
}

/// A universe and the indicator lines computed on it so far. The lines borrow the universe, so
/// it cannot change while they exist: a line is always the indicator of the prices runs see.
#[derive(Debug)]
pub struct Lines<'u> {
    universe: &'u Universe,
    computed: Mutex<HashMap<LineKey, Line>>,
}

impl<'u> Lines<'u> {
    /// No line computed yet on `universe`.
    #[must_use]
    pub fn new(universe: &'u Universe) -> Self {
        Lines {
            universe,
            computed: Mutex::new(HashMap::new()),
        }
    }

    /// The universe the lines are computed on.
    #[must_use]
    #[inline]
    pub fn universe(&self) -> &'u Universe {
        self.universe
    }

    /// The simple moving average of series `symbol`'s close over `window` bars: computed on
    /// first use by [`RollingMean`] over the whole calendar, so that its value at every bar is
    /// exactly what a strategy pushing bar by bar would get.
    pub(crate) fn close_mean(&self, symbol: usize, window: usize) -> Line {
        let key = LineKey::CloseMean { symbol, window };
        let mut computed = self.computed.lock().unwrap_or_else(PoisonError::into_inner);
        computed
            .entry(key)
            .or_insert_with(|| Line {
                values: RollingMean::new(window).line(&self.universe.series[symbol].close),
            })
            .clone()
    }
}

/// An indicator's values on every bar of a universe. It is read only through [`Line::at`],
/// which gives the value at the bar a strategy is shown and never a later one.
#[derive(Debug, Clone)]
pub struct Line {
    /// One value per bar; NaN until the indicator is defined.
    values: Arc<[f64]>,
}

impl Line {
    /// The value after the close of `history.bar()`; `None` until the indicator is defined.
    #[must_use]
    #[inline]
    pub fn at(&self, history: &History<'_>) -> Option<f64> {
        let value = self.values[history.bar()];
        (!value.is_nan()).then_some(value)
    }
}

/// What the indicators' tests are checked on and with.
#[cfg(test)]
pub(crate) mod testing {
    use crate::rng::Rng;

    /// Asserts that `got` is `want` to 1e-9, relative to `want` where it exceeds 1.
    pub(crate) fn assert_close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{what}: {got} vs {want}"
        );
    }

    /// A wandering series with jumps, long enough to cross many re-summations.
    pub(crate) fn series(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let mut level = 100.0;
        (0..n)
            .map(|_| {
                level *= 1.0 + 0.02 * rng.normal();
                if rng.below(50) == 0 {
                    level *= 1.5;
                }
                level
            })
            .collect()
    }
}
