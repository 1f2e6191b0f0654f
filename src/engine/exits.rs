//! Exits the engine manages for every position a strategy opens: a stop-loss, a take-profit
//! and a trailing stop, together a bracket (whichever is hit first closes the position and
//! cancels the others).
//!
//! The fill rules on daily bars, the engine's contract (`docs/ORDERS.md`):
//!
//! - A bracket is set when a position opens (from flat, or on a flip to the other side), at
//!   fractions of that fill's price `P`: for a long, the stop-loss at `P × (1 − f)`, the
//!   take-profit at `P × (1 + f)`, the trailing stop at `P − f × P`; mirrored for a short.
//!   Resizing a position keeps its levels; closing it removes them.
//! - The levels are live from the entry bar itself: a position bought at an open can be
//!   stopped out later in the same bar.
//! - A market order decided at the previous close fills at the open first; the levels are
//!   then checked only for the position it leaves.
//! - A long is stopped out when the bar's low reaches the stop, at the stop or at the open if
//!   the bar opened below it; it takes profit when the high reaches the target, at the target
//!   or at the open if it opened above. When both are inside one bar the stop is taken (the
//!   order of the prices within a daily bar is unknown, so the pessimistic one). Mirrored for
//!   a short (its stop is above, its target below).
//! - The trailing stop follows closes by default, as the reference engines do: after every bar
//!   that ends with the position open (the entry bar included) it moves to `c − f × c` of that
//!   bar's close `c` if that is higher, used from the next bar on. With `TrailOn::High` it
//!   follows the highs (the lows for a short). It never moves against the position.
//! - Where a stop-loss and a trailing stop are both set, the one nearer the price is the stop.

use serde::Serialize;

/// Why a fill happened, as `fills.csv` and `trades.csv` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FillKind {
    /// A strategy's target, at the bar's price (open or close).
    Market,
    /// A rebalancing strategy's target weights (see [`crate::strategy::Strategy::rebalances`]).
    Rebalance,
    /// A limit order (see `orders.rs`).
    Limit,
    /// A stop order entering or changing a position (not an exit of it).
    Stop,
    /// The position's stop-loss was hit.
    StopLoss,
    /// The position's take-profit was hit.
    TakeProfit,
    /// The position's trailing stop was hit.
    TrailingStop,
    /// Equity reached zero: every position was closed at that close (`solvency.rs`).
    Ruin,
}

impl FillKind {
    /// True for the exits the engine manages: a stop-loss, take-profit or trailing stop.
    #[must_use]
    pub fn is_exit(self) -> bool {
        matches!(
            self,
            FillKind::StopLoss | FillKind::TakeProfit | FillKind::TrailingStop
        )
    }

    /// True for fills at the bar's open or close (a strategy's targets and market orders),
    /// rather than at a level inside the bar.
    #[must_use]
    pub fn is_answer(self) -> bool {
        matches!(self, FillKind::Market | FillKind::Rebalance)
    }

    /// The name in `fills.csv`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FillKind::Market => "market",
            FillKind::Rebalance => "rebalance",
            FillKind::Limit => "limit",
            FillKind::Stop => "stop",
            FillKind::StopLoss => "stop_loss",
            FillKind::TakeProfit => "take_profit",
            FillKind::TrailingStop => "trailing_stop",
            FillKind::Ruin => "ruin",
        }
    }
}

/// What a trailing stop follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TrailOn {
    /// Each bar's close: what the reference engines do.
    #[default]
    Close,
    /// Each bar's high (low, for a short): tighter, as a trader watching the tape would trail.
    High,
}

/// The exits attached to every position a strategy opens, as fractions of the entry fill's
/// price; `None` where not used.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Exits {
    /// Stop-loss distance: a long is closed `stop_loss × P` below its entry price `P`.
    pub stop_loss: Option<f64>,
    /// Take-profit distance: a long is closed `take_profit × P` above its entry price.
    pub take_profit: Option<f64>,
    /// Trailing-stop distance from the best close (or high) since entry.
    pub trailing_stop: Option<f64>,
    /// What the trailing stop follows.
    pub trail_on: TrailOn,
}

impl Exits {
    /// True when some exit is set, so the engine must watch every bar of an open position.
    #[must_use]
    pub fn any(&self) -> bool {
        self.stop_loss.is_some() || self.take_profit.is_some() || self.trailing_stop.is_some()
    }

    /// The bracket of a position opened at `price`, long or short; `None` without exits.
    pub(super) fn attach(&self, long: bool, price: f64) -> Option<Bracket> {
        if !self.any() {
            return None;
        }
        // Away from the price on the losing side, towards it on the winning side.
        let (against, towards) = if long { (-1.0, 1.0) } else { (1.0, -1.0) };
        Some(Bracket {
            long,
            stop_loss: self.stop_loss.map(|f| price * (1.0 + against * f)),
            take_profit: self.take_profit.map(|f| price * (1.0 + towards * f)),
            trail: self
                .trailing_stop
                .map(|f| (f, trailed(long, price, f), self.trail_on)),
        })
    }
}

/// `x − f × x` below a long, `x + f × x` above a short: the reference's arithmetic, whose
/// rounding differs from `x × (1 − f)` in the last bit.
fn trailed(long: bool, x: f64, f: f64) -> f64 {
    if long { x - f * x } else { x + f * x }
}

/// The live exit levels of one open position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bracket {
    long: bool,
    stop_loss: Option<f64>,
    take_profit: Option<f64>,
    /// The trailing stop: its distance, its level now, and what it follows.
    trail: Option<(f64, f64, TrailOn)>,
}

impl Bracket {
    /// The stop in force: the stop-loss or the trailing stop, whichever is nearer the price
    /// (the stop-loss on a tie), with its kind.
    fn stop(&self) -> Option<(f64, FillKind)> {
        let fixed = self.stop_loss.map(|level| (level, FillKind::StopLoss));
        let trail = self
            .trail
            .map(|(_, level, _)| (level, FillKind::TrailingStop));
        match (fixed, trail) {
            (Some(a), Some(b)) => {
                let trail_nearer = if self.long { b.0 > a.0 } else { b.0 < a.0 };
                Some(if trail_nearer { b } else { a })
            }
            (a, b) => a.or(b),
        }
    }

    /// The exit this bar triggers, if any: its fill price and kind. The stop is looked at
    /// before the take-profit, and a bar that opens beyond a level fills at its open.
    pub(super) fn triggered(&self, open: f64, high: f64, low: f64) -> Option<(f64, FillKind)> {
        if self.long {
            if let Some((level, kind)) = self.stop().filter(|(level, _)| low <= *level) {
                return Some((open.min(level), kind));
            }
            let level = self.take_profit.filter(|level| high >= *level)?;
            Some((open.max(level), FillKind::TakeProfit))
        } else {
            if let Some((level, kind)) = self.stop().filter(|(level, _)| high >= *level) {
                return Some((open.max(level), kind));
            }
            let level = self.take_profit.filter(|level| low <= *level)?;
            Some((open.min(level), FillKind::TakeProfit))
        }
    }

    /// Moves the trailing stop after a bar that ended with the position open.
    pub(super) fn follow(&mut self, high: f64, low: f64, close: f64) {
        let long = self.long;
        if let Some((f, level, on)) = &mut self.trail {
            let x = match on {
                TrailOn::Close => close,
                TrailOn::High if long => high,
                TrailOn::High => low,
            };
            let moved = trailed(long, x, *f);
            *level = if long {
                level.max(moved)
            } else {
                level.min(moved)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exits(stop_loss: Option<f64>, take_profit: Option<f64>, trail: Option<f64>) -> Exits {
        Exits {
            stop_loss,
            take_profit,
            trailing_stop: trail,
            trail_on: TrailOn::Close,
        }
    }

    #[test]
    fn a_long_bracket_fills_at_its_level_or_at_an_open_beyond_it() {
        let b = exits(Some(0.05), Some(0.10), None)
            .attach(true, 100.0)
            .unwrap();
        assert_eq!(b.triggered(99.0, 101.0, 96.0), None, "inside both");
        assert_eq!(
            b.triggered(99.0, 101.0, 94.0),
            Some((95.0, FillKind::StopLoss))
        );
        assert_eq!(
            b.triggered(93.0, 96.0, 90.0),
            Some((93.0, FillKind::StopLoss)),
            "gap down"
        );
        let take = 100.0 * 1.1;
        assert_eq!(
            b.triggered(105.0, 111.0, 104.0),
            Some((take, FillKind::TakeProfit))
        );
        assert_eq!(
            b.triggered(112.0, 115.0, 111.0),
            Some((112.0, FillKind::TakeProfit))
        );
        // Both levels in one bar: the stop, even when the bar opened above the target.
        assert_eq!(
            b.triggered(112.0, 115.0, 90.0),
            Some((95.0, FillKind::StopLoss))
        );
    }

    #[test]
    fn a_short_bracket_is_the_mirror() {
        let b = exits(Some(0.05), Some(0.10), None)
            .attach(false, 100.0)
            .unwrap();
        assert_eq!(b.triggered(101.0, 104.0, 95.0), None);
        assert_eq!(
            b.triggered(101.0, 106.0, 95.0),
            Some((105.0, FillKind::StopLoss))
        );
        assert_eq!(
            b.triggered(108.0, 109.0, 107.0),
            Some((108.0, FillKind::StopLoss))
        );
        assert_eq!(
            b.triggered(95.0, 96.0, 89.0),
            Some((90.0, FillKind::TakeProfit))
        );
        assert_eq!(
            b.triggered(88.0, 89.0, 85.0),
            Some((88.0, FillKind::TakeProfit))
        );
    }

    #[test]
    fn a_trailing_stop_follows_closes_or_highs_and_never_moves_back() {
        let trail = exits(None, None, Some(0.10));
        let mut b = trail.attach(true, 100.0).unwrap();
        b.follow(130.0, 100.0, 120.0);
        assert_eq!(
            b.stop(),
            Some((108.0, FillKind::TrailingStop)),
            "0.9 × the close"
        );
        b.follow(125.0, 90.0, 110.0);
        assert_eq!(b.stop().unwrap().0, 108.0, "a lower close leaves it");
        let mut highs = Exits {
            trail_on: TrailOn::High,
            ..trail
        }
        .attach(true, 100.0)
        .unwrap();
        highs.follow(130.0, 100.0, 120.0);
        assert_eq!(highs.stop().unwrap().0, 130.0 - 0.1 * 130.0);
        let mut short = trail.attach(false, 100.0).unwrap();
        short.follow(95.0, 80.0, 90.0);
        assert_eq!(short.stop().unwrap().0, 90.0 + 0.1 * 90.0);
    }

    #[test]
    fn of_a_stop_loss_and_a_trailing_stop_the_nearer_is_in_force() {
        let mut b = exits(Some(0.05), None, Some(0.10))
            .attach(true, 100.0)
            .unwrap();
        assert_eq!(b.stop(), Some((95.0, FillKind::StopLoss)));
        b.follow(120.0, 100.0, 120.0);
        assert_eq!(b.stop(), Some((108.0, FillKind::TrailingStop)));
    }
}
