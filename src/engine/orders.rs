//! Orders beyond target weights: a position size for one symbol, reached at the market, at a
//! limit or on a stop, for a time in force, with its own exits.
//!
//! A strategy places them at the close of bar t through [`Orders`] (see
//! [`crate::strategy::Strategy::on_close`]); they are live from bar t+1. Each symbol has at most
//! one order resting: a new order for it, or new target weights, replace it. Fill rules on
//! daily bars (`docs/ORDERS.md`), on each bar in this order: target weights and market orders
//! at the open; then resting limit and stop orders inside the bar; then the exits of open
//! positions (those of a position entered inside this bar too: the order of prices within a
//! daily bar is unknown, so its stop counts, the pessimistic choice).
//!
//! - A buy limit fills when the low reaches the limit, at the limit or at the open if the bar
//!   opened below it; a sell limit when the high reaches it, at it or at an open above it.
//! - A buy stop fills when the high reaches the stop, at the stop or at an open above it; a
//!   sell stop when the low reaches it, at it or at an open below it.
//! - Whether an order buys or sells is fixed when it is placed, from the position then and the
//!   size it asks for at its own level (the close, for a market order).
//! - An order good for N bars that has not filled by the close of its N-th live bar is
//!   cancelled there (the strategy sees it at that close in [`crate::engine::Account::expired`]).

use super::Exits;

/// The position an order asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// A fraction of equity at the fill (negative: short).
    Weight(f64),
    /// A number of units (negative: short).
    Units(f64),
    /// A value in currency at the fill price (negative: short).
    Value(f64),
}

/// When an order fills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// At the next open (at this close, with fills at the close).
    Market,
    /// At this price or better.
    Limit(f64),
    /// Once the price trades through this level, at it or worse.
    Stop(f64),
}

/// How long an order rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeInForce {
    /// Until it fills or is replaced.
    #[default]
    GoodTillCancelled,
    /// For this many bars after it is placed (at least 1); then cancelled.
    Bars(usize),
}

/// One order: go to `size` in symbol `symbol`, when `trigger` says, for `time_in_force`; the
/// position it opens gets `exits` (or the run's, when `None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Order {
    /// The strategy's symbol index.
    pub symbol: usize,
    /// The position asked for.
    pub size: Size,
    /// When it fills.
    pub trigger: Trigger,
    /// How long it rests.
    pub time_in_force: TimeInForce,
    /// The exits of the position it opens; `None`: the run's (`--stop-loss`...).
    pub exits: Option<Exits>,
}

impl Order {
    /// A market order to hold `size` of symbol `symbol`, good till cancelled, with the run's
    /// exits; refine it with the methods below.
    #[must_use]
    pub fn new(symbol: usize, size: Size) -> Self {
        Order {
            symbol,
            size,
            trigger: Trigger::Market,
            time_in_force: TimeInForce::GoodTillCancelled,
            exits: None,
        }
    }

    /// Fills at `price` or better.
    #[must_use]
    pub fn limit(self, price: f64) -> Self {
        Order {
            trigger: Trigger::Limit(price),
            ..self
        }
    }

    /// Fills once the price trades through `price`.
    #[must_use]
    pub fn stop(self, price: f64) -> Self {
        Order {
            trigger: Trigger::Stop(price),
            ..self
        }
    }

    /// Cancelled if not filled within `bars` bars.
    #[must_use]
    pub fn good_for(self, bars: usize) -> Self {
        Order {
            time_in_force: TimeInForce::Bars(bars),
            ..self
        }
    }

    /// The position it opens gets these exits instead of the run's.
    #[must_use]
    pub fn with_exits(self, exits: Exits) -> Self {
        Order {
            exits: Some(exits),
            ..self
        }
    }

    /// What is wrong with it, if anything: a problem for the engine's error.
    pub(super) fn problem(&self, symbols: usize, max_leverage: f64) -> Option<String> {
        let amount = match self.size {
            Size::Weight(x) | Size::Units(x) | Size::Value(x) => x,
        };
        let level = match self.trigger {
            Trigger::Market => 1.0,
            Trigger::Limit(p) | Trigger::Stop(p) => p,
        };
        if self.symbol >= symbols {
            Some(format!(
                "placed an order for symbol {} of {symbols}",
                self.symbol
            ))
        } else if !amount.is_finite() {
            Some(format!("placed an order of size {amount}"))
        } else if matches!(self.size, Size::Weight(w) if w.abs() > max_leverage + 1e-9) {
            Some(format!(
                "placed an order for a weight of {amount}, beyond the leverage cap {max_leverage}"
            ))
        } else if !(level.is_finite() && level > 0.0) {
            Some(format!("placed an order at a level of {level}"))
        } else if self.time_in_force == TimeInForce::Bars(0) {
            Some("placed an order good for 0 bars".into())
        } else {
            None
        }
    }
}

/// What a strategy answers at a close: new target weights, orders, or nothing (hold).
#[derive(Debug, Default)]
pub struct Orders {
    pub(super) targets: Option<Vec<f64>>,
    pub(super) placed: Vec<Order>,
    pub(super) cancelled: Vec<usize>,
}

impl Orders {
    /// New target weights for every symbol, at the next open (the simple path; they replace
    /// any resting order).
    pub fn set_targets(&mut self, targets: Vec<f64>) {
        self.targets = Some(targets);
    }

    /// Places `order`, replacing the symbol's resting order, if any.
    pub fn place(&mut self, order: Order) {
        self.placed.push(order);
    }

    /// Cancels symbol `symbol`'s resting order, if any.
    pub fn cancel(&mut self, symbol: usize) {
        self.cancelled.push(symbol);
    }

    /// True when nothing was answered.
    pub(super) fn is_empty(&self) -> bool {
        self.targets.is_none() && self.placed.is_empty() && self.cancelled.is_empty()
    }
}

/// A resting order, with the bar it was placed at and which way it trades.
#[derive(Debug, Clone, Copy)]
struct Resting {
    order: Order,
    placed: usize,
    buys: bool,
}

/// The resting orders, at most one per symbol, and those that expired on the current bar.
#[derive(Debug)]
pub(super) struct Book {
    resting: Vec<Option<Resting>>,
    count: usize,
    expired: Vec<Order>,
}

impl Book {
    /// No order resting, for `symbols` symbols.
    pub(super) fn new(symbols: usize) -> Self {
        Book {
            resting: vec![None; symbols],
            count: 0,
            expired: Vec::new(),
        }
    }

    /// True while some order rests.
    pub(super) fn is_active(&self) -> bool {
        self.count > 0
    }

    /// Rests `order`, placed at the close of `bar`, buying or selling; it replaces the
    /// symbol's resting order.
    pub(super) fn place(&mut self, order: Order, bar: usize, buys: bool) {
        self.remove(order.symbol);
        self.resting[order.symbol] = Some(Resting {
            order,
            placed: bar,
            buys,
        });
        self.count += 1;
    }

    /// Removes symbol `s`'s resting order, if any.
    pub(super) fn remove(&mut self, s: usize) -> Option<Order> {
        let removed = self.resting[s].take()?;
        self.count -= 1;
        Some(removed.order)
    }

    /// The orders that expired on the current bar.
    pub(super) fn expired(&self) -> &[Order] {
        &self.expired
    }

    /// A new bar: the previous bar's expiries are forgotten.
    pub(super) fn start_bar(&mut self) {
        self.expired.clear();
    }

    /// The market orders resting for symbols with a bar (`present`), taken out of the book:
    /// they fill at the price of the phase (the open, or the close with fills at the close).
    pub(super) fn take_market(&mut self, present: impl Fn(usize) -> bool) -> Vec<Order> {
        let market: Vec<usize> = (0..self.resting.len())
            .filter(|&s| {
                present(s) && self.resting[s].is_some_and(|r| r.order.trigger == Trigger::Market)
            })
            .collect();
        market.into_iter().filter_map(|s| self.remove(s)).collect()
    }

    /// The limit and stop orders bar `t` (`open`, `high`, `low` of each symbol, `None` where
    /// it has no bar) fills, with their fill prices, taken out of the book; then the orders
    /// whose last live bar this was, expired.
    pub(super) fn triggered(
        &mut self,
        t: usize,
        bar: impl Fn(usize) -> Option<(f64, f64, f64)>,
    ) -> Vec<(Order, f64, super::FillKind)> {
        let mut filled = Vec::new();
        for s in 0..self.resting.len() {
            let Some(resting) = self.resting[s] else {
                continue;
            };
            if let Some((open, high, low)) = bar(s)
                && let Some(fill) = resting.fill(open, high, low)
            {
                self.remove(s);
                filled.push(fill);
                continue;
            }
            if let TimeInForce::Bars(n) = resting.order.time_in_force
                && t >= resting.placed + n
            {
                self.remove(s);
                self.expired.push(resting.order);
            }
        }
        filled
    }
}

impl Resting {
    /// The fill price and kind of this order on a bar of `open`, `high`, `low`, if it fills.
    fn fill(&self, open: f64, high: f64, low: f64) -> Option<(Order, f64, super::FillKind)> {
        use super::FillKind;
        let (price, kind) = match (self.order.trigger, self.buys) {
            (Trigger::Market, _) => return None,
            (Trigger::Limit(level), true) => {
                ((low <= level).then(|| open.min(level))?, FillKind::Limit)
            }
            (Trigger::Limit(level), false) => {
                ((high >= level).then(|| open.max(level))?, FillKind::Limit)
            }
            (Trigger::Stop(level), true) => {
                ((high >= level).then(|| open.max(level))?, FillKind::Stop)
            }
            (Trigger::Stop(level), false) => {
                ((low <= level).then(|| open.min(level))?, FillKind::Stop)
            }
        };
        Some((self.order, price, kind))
    }
}
