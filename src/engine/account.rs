//! What a strategy holds, as it may read it at the close of the bar it is shown: cash, units,
//! weights, each position's entry, and the fills of that bar (with why they happened: a stop
//! that took the position out). Read-only, and nothing in it comes from a later bar: the fills
//! of bar t happened at its open or within it, and the marks are its close.

use super::portfolio::{Portfolio, value};
use super::{Fill, FillKind, Order};
use crate::Date;
use crate::data::Series;

/// The open position's entry: the fill that opened it (from flat, or on a flip).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// The bar it filled on.
    pub bar: usize,
    /// Its date.
    pub date: Date,
    /// Its price, before costs: what the engine's exits are measured from.
    pub price: f64,
}

/// The strategy's account at the close of the bar it is shown (see [`crate::strategy::History::account`]).
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    pub(super) portfolio: &'a Portfolio,
    pub(super) series: &'a [Series],
    pub(super) dates: &'a [Date],
    pub(super) bar: usize,
    /// The fills of this bar.
    pub(super) fills: &'a [Fill],
}

impl<'a> Account<'a> {
    /// How many symbols the strategy trades (the universe's first series).
    pub(crate) fn traded(&self) -> usize {
        self.series.len()
    }

    /// Cash: negative when borrowed (a short's proceeds are cash).
    #[must_use]
    pub fn cash(&self) -> f64 {
        self.portfolio.cash()
    }

    /// Units of symbol `s` held (negative for a short).
    #[must_use]
    pub fn units(&self, s: usize) -> f64 {
        self.portfolio.units()[s]
    }

    /// Cash plus every position at this close: what the weights are fractions of.
    #[must_use]
    pub fn equity(&self) -> f64 {
        value(self.cash(), self.portfolio.units(), |s| {
            self.series[s].close[self.bar]
        })
    }

    /// Symbol `s`'s position at this close over equity (negative for a short; 0 where equity
    /// is not above zero).
    #[must_use]
    pub fn weight(&self, s: usize) -> f64 {
        let equity = self.equity();
        if equity > 0.0 {
            self.units(s) * self.series[s].close[self.bar] / equity
        } else {
            0.0
        }
    }

    /// The entry of symbol `s`'s open position; `None` while flat.
    #[must_use]
    pub fn entry(&self, s: usize) -> Option<Entry> {
        self.portfolio.entry(s).map(|(bar, price)| Entry {
            bar,
            date: self.dates[bar],
            price,
        })
    }

    /// Every fill of this bar, in the order they happened (the open's, then the exits inside
    /// the bar); with fills at the close, the close's are seen on the next bar.
    #[must_use]
    pub fn fills(&self) -> &'a [Fill] {
        self.fills
    }

    /// The strategy's resting orders that expired unfilled on this bar (their time in force
    /// ran out).
    #[must_use]
    pub fn expired(&self) -> &'a [Order] {
        self.portfolio.expired()
    }

    /// Whether an exit the engine manages (a stop-loss, take-profit or trailing stop) closed
    /// symbol `s`'s position on this bar, and which.
    #[must_use]
    pub fn exited(&self, s: usize) -> Option<FillKind> {
        self.fills
            .iter()
            .find(|f| f.symbol == s && f.kind.is_exit())
            .map(|f| f.kind)
    }
}
