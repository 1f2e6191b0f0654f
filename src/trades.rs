//! Round trips rebuilt from the fill list: a trade opens when a symbol's position leaves zero
//! and closes when it returns to zero. Adding to or trimming a position stays inside the same
//! trade (its entry and exit prices are volume-weighted averages); a fill that crosses zero
//! closes one trade and opens the next.

use serde::Serialize;

use crate::Date;
use crate::engine::{Fill, Run, Side};

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
        }
    }

    /// Closes the trade, the remaining units valued at `mark` when it is still open.
    fn finish(self, symbol: usize, dates: &[Date], exit_bar: Option<usize>, mark: f64) -> Trade {
        let exit_value = self.exit_value + self.units * mark;
        let pnl = self.direction * (exit_value - self.entry_value) - self.costs;
        Trade {
            symbol,
            entry_date: dates[self.entry_bar],
            entry_price: self.entry_value / self.entry_units,
            exit_date: exit_bar.map(|b| dates[b]),
            exit_price: exit_bar.map(|_| self.exit_value / self.exit_units),
            units: self.direction * self.peak_units,
            pnl,
            return_: pnl / self.entry_value,
        }
    }
}

/// The round trips of a run, ordered by entry, then symbol. `last_close[s]` marks trades still
/// open at the end.
#[must_use]
pub fn round_trips(run: &Run, dates: &[Date], last_close: &[f64]) -> Vec<Trade> {
    let mut open: Vec<Option<Open>> = (0..run.symbols).map(|_| None).collect();
    let mut trades = Vec::new();
    for fill in &run.fills {
        let signed = match fill.side {
            Side::Buy => fill.units,
            Side::Sell => -fill.units,
        };
        let slot = &mut open[fill.symbol];
        let held = slot.as_ref().map_or(0.0, |o| o.direction * o.units);
        let crosses = held != 0.0 && (held + signed) * held < 0.0;
        let closing_units = if crosses { held.abs() } else { fill.units };
        let share = closing_units / fill.units;
        add(slot, fill, closing_units, fill.cost * share);
        if let Some(done) = slot.take_if(|o| o.units <= 1e-9 * o.peak_units) {
            trades.push(done.finish(fill.symbol, dates, Some(fill.bar), 0.0));
        }
        if crosses {
            add(
                slot,
                fill,
                fill.units - closing_units,
                fill.cost * (1.0 - share),
            );
        }
    }
    for (s, slot) in open.into_iter().enumerate() {
        if let Some(o) = slot {
            trades.push(o.finish(s, dates, None, last_close[s]));
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
