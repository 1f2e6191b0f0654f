//! Round trips rebuilt from the fill list: a trade opens when a symbol's position leaves zero
//! and closes when it returns to zero. Adding to or trimming a position stays inside the same
//! trade (its entry and exit prices are volume-weighted averages); a fill that crosses zero
//! closes one trade and opens the next.
//!
//! Each trade says why it ended (the kind of its closing fill) and how far the price went for
//! and against it while it was held: its excursions, from the bars' highs and lows. On the
//! entry bar only what followed the fill counts (the whole bar after an open, nothing but the
//! price after a close); on the exit bar only what preceded it (nothing but the exit price,
//! except that a fill at the close follows the whole bar), since the order of the prices
//! inside a daily bar is unknown.

use serde::Serialize;

use crate::Date;
use crate::data::Universe;
use crate::engine::{Fill, FillKind, FillMode, Run, Side};

/// One round trip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trade {
    /// Strategy symbol index.
    #[serde(skip)]
    pub symbol: usize,
    /// Date of the first fill.
    pub entry_date: Date,
    /// Average price of the fills that built the position.
    pub entry_price: f64,
    /// Date of the fill that brought the position back to zero; `None` while open.
    pub exit_date: Option<Date>,
    /// Average price of the fills that reduced the position; `None` while open.
    pub exit_price: Option<f64>,
    /// Largest position held, in units (negative for a short).
    pub units: f64,
    /// Profit after costs; an open trade is marked to the last close.
    pub pnl: f64,
    /// `pnl` over the value paid to enter.
    #[serde(rename = "return")]
    pub return_: f64,
    /// Why it ended.
    pub exit_reason: ExitReason,
    /// Bars from the entry fill to the exit fill (0: closed on the bar it opened), or to the
    /// last bar while open.
    pub bars_held: usize,
    /// Maximum adverse excursion: the worst price reached while held, as a return from the
    /// (average) entry price: a fraction, at most 0.
    pub mae: f64,
    /// Maximum favourable excursion: the best price reached while held, as a return from
    /// the entry price: at least 0.
    pub mfe: f64,
}

/// Why a trade ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// The strategy's targets closed it.
    Signal,
    /// Its stop-loss.
    StopLoss,
    /// Its take-profit.
    TakeProfit,
    /// Its trailing stop.
    TrailingStop,
    /// A stop order the strategy placed.
    StopOrder,
    /// A limit order the strategy placed.
    LimitOrder,
    /// Equity reached zero and every position was closed.
    Ruin,
    /// Still open at the last bar, marked to its close.
    End,
}

impl ExitReason {
    /// The name in `trades.csv`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::Signal => "signal",
            ExitReason::StopLoss => "stop_loss",
            ExitReason::TakeProfit => "take_profit",
            ExitReason::TrailingStop => "trailing_stop",
            ExitReason::StopOrder => "stop_order",
            ExitReason::LimitOrder => "limit_order",
            ExitReason::Ruin => "ruin",
            ExitReason::End => "end",
        }
    }

    fn of(kind: FillKind) -> Self {
        match kind {
            FillKind::Market | FillKind::Rebalance => ExitReason::Signal,
            FillKind::Stop => ExitReason::StopOrder,
            FillKind::Limit => ExitReason::LimitOrder,
            FillKind::StopLoss => ExitReason::StopLoss,
            FillKind::TakeProfit => ExitReason::TakeProfit,
            FillKind::TrailingStop => ExitReason::TrailingStop,
            FillKind::Ruin => ExitReason::Ruin,
        }
    }
}

/// How many trades ended for each reason (`metrics.exits` of `summary.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ExitCounts {
    /// Closed by the strategy's targets.
    pub signal: usize,
    /// By a stop-loss.
    pub stop_loss: usize,
    /// By a take-profit.
    pub take_profit: usize,
    /// By a trailing stop.
    pub trailing_stop: usize,
    /// By a stop order of the strategy's.
    pub stop_order: usize,
    /// By a limit order of the strategy's.
    pub limit_order: usize,
    /// By the ruin.
    pub ruin: usize,
    /// Still open at the end.
    pub end: usize,
}

impl ExitCounts {
    /// Every trade counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.signal
            + self.stop_loss
            + self.take_profit
            + self.trailing_stop
            + self.stop_order
            + self.limit_order
            + self.ruin
            + self.end
    }

    /// The counts of `trades`.
    #[must_use]
    pub fn of(trades: &[Trade]) -> Self {
        let mut counts = ExitCounts::default();
        for trade in trades {
            *match trade.exit_reason {
                ExitReason::Signal => &mut counts.signal,
                ExitReason::StopLoss => &mut counts.stop_loss,
                ExitReason::TakeProfit => &mut counts.take_profit,
                ExitReason::TrailingStop => &mut counts.trailing_stop,
                ExitReason::StopOrder => &mut counts.stop_order,
                ExitReason::LimitOrder => &mut counts.limit_order,
                ExitReason::Ruin => &mut counts.ruin,
                ExitReason::End => &mut counts.end,
            } += 1;
        }
        counts
    }
}

impl Trade {
    /// True once the position is back to zero.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.exit_date.is_some()
    }
}

/// A trade being built.
struct Open {
    entry_bar: usize,
    direction: f64,
    units: f64,
    peak_units: f64,
    entry_units: f64,
    entry_value: f64,
    exit_units: f64,
    exit_value: f64,
    costs: f64,
    /// The lowest and highest prices seen while held, up to the latest fill.
    low: f64,
    high: f64,
}

impl Open {
    fn new(bar: usize, direction: f64) -> Self {
        Open {
            entry_bar: bar,
            direction,
            units: 0.0,
            peak_units: 0.0,
            entry_units: 0.0,
            entry_value: 0.0,
            exit_units: 0.0,
            exit_value: 0.0,
            costs: 0.0,
            low: f64::INFINITY,
            high: f64::NEG_INFINITY,
        }
    }

    /// Widens the range seen while held by `low..=high`.
    fn saw(&mut self, low: f64, high: f64) {
        self.low = self.low.min(low);
        self.high = self.high.max(high);
    }

    /// Closes the trade at `exit` (its bar and the kind of the fill), or marks the remaining
    /// units at `mark` on bar `last` when it is still open.
    fn finish(
        self,
        symbol: usize,
        dates: &[Date],
        exit: Option<(usize, FillKind)>,
        last: usize,
        mark: f64,
    ) -> Trade {
        let exit_value = self.exit_value + self.units * mark;
        let pnl = self.direction * (exit_value - self.entry_value) - self.costs;
        let entry_price = self.entry_value / self.entry_units;
        let excursion = |price: f64| self.direction * (price / entry_price - 1.0);
        let (worst, best) = if self.direction > 0.0 {
            (self.low, self.high)
        } else {
            (self.high, self.low)
        };
        Trade {
            symbol,
            entry_date: dates[self.entry_bar],
            entry_price,
            exit_date: exit.map(|(b, _)| dates[b]),
            exit_price: exit.map(|_| self.exit_value / self.exit_units),
            units: self.direction * self.peak_units,
            pnl,
            return_: pnl / self.entry_value,
            exit_reason: exit.map_or(ExitReason::End, |(_, kind)| ExitReason::of(kind)),
            bars_held: exit.map_or(last, |(b, _)| b) - self.entry_bar,
            mae: excursion(worst).min(0.0),
            mfe: excursion(best).max(0.0),
        }
    }
}

/// The round trips of a run that traded `universe` from bar `first` (its bar 0), filling
/// market orders as `fill` says; ordered by entry, then symbol. Trades still open at the end
/// are marked to the last close.
#[must_use]
pub fn round_trips(
    run: &Run,
    universe: &Universe,
    first: usize,
    fill_mode: FillMode,
) -> Vec<Trade> {
    let dates = &universe.dates[first..];
    let series = &universe.series[..run.symbols];
    let last = dates.len() - 1;
    // The range of bar `t` of series `s`, in the run's numbering.
    let range = |s: usize, t: usize| (series[s].low[first + t], series[s].high[first + t]);
    let whole_bar_after_fill = fill_mode == FillMode::NextOpen;
    let mut open: Vec<Option<Open>> = (0..run.symbols).map(|_| None).collect();
    // Per symbol, the bar up to which the range seen is counted.
    let mut seen: Vec<usize> = vec![0; run.symbols];
    let mut trades = Vec::new();
    for fill in &run.fills {
        let signed = match fill.side {
            Side::Buy => fill.units,
            Side::Sell => -fill.units,
        };
        let slot = &mut open[fill.symbol];
        if let Some(trade) = slot.as_mut() {
            // The whole bars between the latest fill and this one, then this fill's price;
            // a market fill at a close follows its whole bar.
            for t in seen[fill.symbol]..fill.bar {
                let (low, high) = range(fill.symbol, t);
                trade.saw(low, high);
            }
            if fill.kind.is_answer() && !whole_bar_after_fill {
                let (low, high) = range(fill.symbol, fill.bar);
                trade.saw(low, high);
            }
            trade.saw(fill.price, fill.price);
        }
        let held = slot.as_ref().map_or(0.0, |o| o.direction * o.units);
        let crosses = held != 0.0 && (held + signed) * held < 0.0;
        let closing_units = if crosses { held.abs() } else { fill.units };
        let share = closing_units / fill.units;
        add(slot, fill, closing_units, fill.cost * share);
        if let Some(done) = slot.take_if(|o| o.units <= 1e-9 * o.peak_units) {
            trades.push(done.finish(fill.symbol, dates, Some((fill.bar, fill.kind)), last, 0.0));
        }
        if crosses {
            add(
                slot,
                fill,
                fill.units - closing_units,
                fill.cost * (1.0 - share),
            );
        }
        // What follows the fill on its bar: the whole bar after an open, nothing after a
        // close (the next bar is then the first whole one).
        if let Some(trade) = slot.as_mut() {
            trade.saw(fill.price, fill.price);
            seen[fill.symbol] = if whole_bar_after_fill && fill.kind.is_answer() {
                fill.bar
            } else {
                fill.bar + 1
            };
        }
    }
    for (s, slot) in open.into_iter().enumerate() {
        if let Some(mut o) = slot {
            for t in seen[s]..=last {
                let (low, high) = range(s, t);
                o.saw(low, high);
            }
            trades.push(o.finish(s, dates, None, last, series[s].close[first + last]));
        }
    }
    trades.sort_by_key(|t| (t.entry_date, t.symbol));
    trades
}

/// Applies `units` of `fill` to the symbol's open trade, opening one if there is none.
fn add(slot: &mut Option<Open>, fill: &Fill, units: f64, cost: f64) {
    let direction = if fill.side == Side::Buy { 1.0 } else { -1.0 };
    let trade = slot.get_or_insert_with(|| Open::new(fill.bar, direction));
    trade.costs += cost;
    if direction == trade.direction {
        trade.units += units;
        trade.peak_units = trade.peak_units.max(trade.units);
        trade.entry_units += units;
        trade.entry_value += units * fill.price;
    } else {
        trade.units -= units;
        trade.exit_units += units;
        trade.exit_value += units * fill.price;
    }
}
