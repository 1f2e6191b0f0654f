//! Cash, units and the orders waiting to fill. Sizing rules live here and only here.

use serde::Serialize;

use super::exits::{Bracket, Exits, FillKind};
use super::financing::Financing;
use super::orders::{Book, Order, Size, Trigger};
use super::{EngineOptions, Run};
use crate::data::Series;

/// Direction of a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Units bought.
    Buy,
    /// Units sold.
    Sell,
}

impl Side {
    /// `buy` or `sell`, as in `fills.csv`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

/// One execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    /// The bar it filled on.
    pub bar: usize,
    /// The strategy's symbol index.
    pub symbol: usize,
    /// Buy or sell.
    pub side: Side,
    /// Units traded (positive).
    pub units: f64,
    /// The bar's price it filled at (open or close), before slippage.
    pub price: f64,
    /// Commission plus slippage paid, in currency.
    pub cost: f64,
    /// What made it: a strategy's target, or an exit the engine manages.
    pub kind: FillKind,
}

impl Fill {
    /// Traded value at the bar's price: units × price.
    #[must_use]
    pub fn value(&self) -> f64 {
        self.units * self.price
    }
}

/// Cash, units and pending targets during a simulation, and the record of how they changed.
#[derive(Debug)]
pub(super) struct Portfolio {
    cash: f64,
    units: Vec<f64>,
    /// Every state the portfolio has been in, from the bar it took effect: between two fills
    /// nothing changes, so the bars are marked afterwards, a stretch at a time, in
    /// [`Portfolio::mark`] instead of one at a time inside the simulation loop.
    states: Vec<State>,
    /// Target weights not yet filled; `None` where nothing is waiting.
    pending: Vec<Option<f64>>,
    /// How many of `pending` are `Some`: checked on every bar, counted only on changes.
    pending_count: usize,
    whole_units: bool,
    /// Commission and slippage together, as a fraction of traded value.
    cost_rate: f64,
    /// The exits attached to every position opened.
    exits: Exits,
    /// What cash and borrowing earn and cost.
    financing: Financing,
    /// Whether anything accrues (checked every bar).
    accrues: bool,
    /// The largest sum of absolute weights: above 1, buys may borrow cash.
    max_leverage: f64,
    /// The kind of the fills of the strategy's targets.
    answer_kind: FillKind,
    /// The orders resting.
    book: Book,
    /// Each open position's live exit levels.
    brackets: Vec<Option<Bracket>>,
    /// How many of `brackets` are `Some`: while any is, every bar is visited.
    live: usize,
    /// The latest target weight the strategy set for each symbol; `None` once an order has
    /// traded it since (the position is then the order's, not the target's).
    targets: Vec<Option<f64>>,
    /// Per symbol, the target of a position an exit closed: the symbol stays flat while the
    /// strategy repeats it, and trades again on any other target.
    exited: Vec<Option<f64>>,
    /// Each open position's entry: the bar and price of the fill that opened it.
    entries: Vec<Option<(usize, f64)>>,
}

impl Portfolio {
    /// A portfolio of `options.cash` for `symbols` symbols whose targets fill as `answer_kind`.
    pub(super) fn new(options: &EngineOptions, symbols: usize, answer_kind: FillKind) -> Self {
        Portfolio {
            cash: options.cash,
            units: vec![0.0; symbols],
            states: vec![State {
                from: 0,
                cash: options.cash,
                units: vec![0.0; symbols],
            }],
            pending: vec![None; symbols],
            pending_count: 0,
            whole_units: options.whole_units,
            cost_rate: options.cost_rate(),
            exits: options.exits,
            financing: options.financing.clone(),
            accrues: options.financing.accrues(),
            max_leverage: options.max_leverage,
            answer_kind,
            book: Book::new(symbols),
            brackets: vec![None; symbols],
            live: 0,
            targets: vec![None; symbols],
            exited: vec![None; symbols],
            entries: vec![None; symbols],
        }
    }

    /// Cash now.
    pub(super) fn cash(&self) -> f64 {
        self.cash
    }

    /// Units of each symbol now.
    pub(super) fn units(&self) -> &[f64] {
        &self.units
    }

    /// The bar and price at which symbol `s`'s open position was entered.
    pub(super) fn entry(&self, s: usize) -> Option<(usize, f64)> {
        self.entries[s]
    }

    /// Cash plus every position valued at `price(s)`.
    fn equity(&self, price: impl Fn(usize) -> f64) -> f64 {
        value(self.cash, &self.units, price)
    }

    /// Equity, cash and units at the close of each of the `bars` bars, from the states the
    /// portfolio went through: each stretch between two fills is marked in passes over plain
    /// columns, one symbol at a time.
    pub(super) fn mark(&self, series: &[Series], bars: usize, run: &mut Run) {
        let ends = self.states.iter().skip(1).map(|s| s.from).chain([bars]);
        for (state, end) in self.states.iter().zip(ends) {
            let from = state.from;
            // The same sums, in the same order, as `value` on each bar.
            run.equity.resize(end, 0.0);
            let equity = &mut run.equity[from..end];
            for (u, series) in state.units.iter().zip(series) {
                for (e, close) in equity.iter_mut().zip(&series.close[from..end]) {
                    *e += u * close;
                }
            }
            for e in equity {
                *e += state.cash;
            }
            run.cash.resize(end, state.cash);
            match state.units.as_slice() {
                [units] => run.holdings.resize(end, *units),
                units => (from..end).for_each(|_| run.holdings.extend_from_slice(units)),
            }
        }
    }

    /// True while some target waits to be filled.
    pub(super) fn has_pending(&self) -> bool {
        self.pending_count > 0
    }

    /// True while some target waits, some order rests or some position has live exits: the
    /// bars a simulation must visit.
    pub(super) fn is_active(&self) -> bool {
        self.pending_count > 0 || self.live > 0 || self.book.is_active()
    }

    /// True when a bar has something to do before its close: what [`Portfolio::is_active`]
    /// says, interest to accrue, or expiries of the last bar to forget.
    #[inline]
    pub(super) fn is_busy(&self) -> bool {
        self.is_active() || self.accrues || !self.book.expired().is_empty()
    }

    /// New targets replace whatever was waiting (resting orders included), except that a
    /// symbol an exit closed stays flat while its target is the one it was closed out of.
    pub(super) fn set_targets(&mut self, targets: &[f64]) {
        for (s, &w) in targets.iter().enumerate() {
            self.book.remove(s);
            self.targets[s] = Some(w);
            if self.exited[s] == Some(w) {
                self.pending[s] = None;
            } else {
                self.exited[s] = None;
                self.pending[s] = Some(w);
            }
        }
        self.pending_count = self.pending.iter().filter(|p| p.is_some()).count();
    }

    /// Books what accrued from the close of bar `t - 1` to bar `t`: interest on cash (or on
    /// borrowed cash) and the shorts' borrow fees (see `financing.rs`).
    pub(super) fn accrue(
        &mut self,
        t: usize,
        series: &[Series],
        dates: &[crate::Date],
        run: &mut Run,
    ) {
        if !self.accrues {
            return;
        }
        let days = (dates[t] - dates[t - 1]).num_days();
        let shorts: f64 = self
            .units
            .iter()
            .zip(series)
            .filter(|(u, _)| **u < 0.0)
            .map(|(u, s)| -u * s.close[t - 1])
            .sum();
        let (interest, fee) = self.financing.accrual(t - 1, days, self.cash, shorts);
        if interest != 0.0 || fee != 0.0 {
            self.cash += interest - fee;
            run.interest += interest;
            run.borrow_costs += fee;
            self.record(t);
        }
    }

    /// Closes every position whose exit bar `t` triggers, at the level (or the open beyond
    /// it), then moves the trailing stops of those still open to this bar's close or
    /// extreme. Symbols without a bar at `t` are left as they are.
    pub(super) fn exit_intrabar(&mut self, t: usize, series: &[Series], run: &mut Run) {
        if self.live == 0 {
            return;
        }
        let filled_before = run.fills.len();
        for (s, series) in series.iter().enumerate() {
            let Some(bracket) = self.brackets[s].filter(|_| series.present[t]) else {
                continue;
            };
            let (open, high, low) = (series.open[t], series.high[t], series.low[t]);
            if let Some((price, kind)) = bracket.triggered(open, high, low) {
                let side = if self.units[s] > 0.0 {
                    Side::Sell
                } else {
                    Side::Buy
                };
                let fill = self.fill(t, s, side, self.units[s].abs(), price, kind);
                self.apply(&fill);
                self.exited[s] = self.targets[s];
                run.fills.push(fill);
            } else if let Some(bracket) = &mut self.brackets[s] {
                bracket.follow(high, low, series.close[t]);
            }
        }
        if run.fills.len() > filled_before {
            self.record(t);
        }
    }

    /// The portfolio as it is now holds from the close of bar `t` (one state per bar).
    fn record(&mut self, t: usize) {
        let state = State {
            from: t,
            cash: self.cash,
            units: self.units.clone(),
        };
        match self.states.last_mut() {
            Some(last) if last.from == t => *last = state,
            _ => self.states.push(state),
        }
    }

    /// Trades every pending target whose symbol has a bar at `t`, at `price` of that bar.
    /// Targets are sized against equity at those prices; sells go first so that buys can use
    /// their cash, and no buy spends more cash than there is. A symbol without a bar keeps its
    /// target pending until its next bar.
    pub(super) fn execute(
        &mut self,
        t: usize,
        series: &[Series],
        price: impl Fn(&Series) -> f64,
        run: &mut Run,
    ) {
        let filled_before = run.fills.len();
        let prices: Vec<f64> = series.iter().map(&price).collect();
        let equity = self.equity(|s| prices[s]);
        if equity.is_nan() || equity <= 0.0 {
            // Nothing is sized against equity at or below zero: the targets wait, and the
            // close decides whether the run is ruined (`solvency.rs`).
            return;
        }
        // Each symbol trades at most once: its side is fixed before anything fills, so a sell
        // that overshoots by a rounding error is never followed by a dust buy.
        let sides: Vec<Option<Side>> = (0..self.units.len())
            .map(|s| {
                let weight = self.pending[s].filter(|_| series[s].present[t])?;
                self.side(s, weight, prices[s], equity)
            })
            .collect();
        for pass in [Side::Sell, Side::Buy] {
            for s in 0..self.units.len() {
                let Some(weight) = self.pending[s].filter(|_| series[s].present[t]) else {
                    continue;
                };
                if sides[s] == Some(pass)
                    && let Some(fill) = self.order(t, s, weight, prices[s], equity, pass)
                {
                    self.apply(&fill);
                    run.fills.push(fill);
                }
                if pass == Side::Buy {
                    self.pending[s] = None;
                }
            }
        }
        self.pending_count = self.pending.iter().filter(|p| p.is_some()).count();
        run.postponed_fills += self.pending_count;
        if run.fills.len() > filled_before {
            self.record(t);
        }
    }

    /// Which way symbol `s` must trade to reach `weight` of `equity`; `None` when it is there
    /// already (within a billionth of equity).
    fn side(&self, s: usize, weight: f64, price: f64, equity: f64) -> Option<Side> {
        let gap = weight * equity - self.units[s] * price;
        if gap.abs() <= 1e-9 * equity.abs() {
            None
        } else if gap < 0.0 {
            Some(Side::Sell)
        } else {
            Some(Side::Buy)
        }
    }

    /// The fill that moves symbol `s` towards `weight` of `equity` on `side`: a weight of zero
    /// closes the position exactly; buys are sized so that cost included they spend the gap,
    /// and never more than the cash there is, except that covering a short is never cut short
    /// for want of cash (a short left open by a capped cover would keep losing while the
    /// books said it was closed; cash below zero is then equity's problem, `solvency.rs`).
    fn order(
        &self,
        t: usize,
        s: usize,
        weight: f64,
        price: f64,
        equity: f64,
        side: Side,
    ) -> Option<Fill> {
        let current = self.units[s];
        let gap = weight * equity - current * price;
        let units = match side {
            _ if weight == 0.0 => current.abs(),
            Side::Sell => -gap / price,
            Side::Buy => self.buyable(s, gap / (price * (1.0 + self.cost_rate)), price, equity),
        };
        let units = if self.whole_units && weight != 0.0 {
            units.floor()
        } else {
            units
        };
        (units > 0.0).then(|| self.fill(t, s, side, units, price, self.answer_kind))
    }

    /// A fill of `units` of symbol `s` at `price` on bar `t`, its costs charged at the run's
    /// rate.
    fn fill(&self, t: usize, s: usize, side: Side, units: f64, price: f64, kind: FillKind) -> Fill {
        Fill {
            bar: t,
            symbol: s,
            side,
            units,
            price,
            cost: units * price * self.cost_rate,
            kind,
        }
    }

    /// Of `wanted` units of symbol `s` to buy at `price`, what may be bought: no more than the
    /// cash and, above a leverage of 1, what may be borrowed against `equity` (the targets were
    /// checked against the cap), except that covering a short is never cut short.
    fn buyable(&self, s: usize, wanted: f64, price: f64, equity: f64) -> f64 {
        let credit = (self.max_leverage - 1.0).max(0.0) * equity;
        let affordable = (self.cash + credit).max(0.0) / (price * (1.0 + self.cost_rate));
        let cover = wanted.min((-self.units[s]).max(0.0));
        wanted.min(affordable).max(cover)
    }

    /// Rests `order`, placed at the close of bar `t`; whether it buys is fixed now, from the
    /// position it asks for at its own level (the close, for a market order).
    pub(super) fn place(&mut self, order: Order, t: usize, series: &[Series]) {
        let s = order.symbol;
        let level = match order.trigger {
            Trigger::Market => series[s].close[t],
            Trigger::Limit(level) | Trigger::Stop(level) => level,
        };
        let equity = self.equity(|j| if j == s { level } else { series[j].close[t] });
        let buys = self.units_for(order.size, level, equity) > self.units[s];
        self.book.place(order, t, buys);
    }

    /// A new bar: what expired on the last one is forgotten.
    pub(super) fn start_bar(&mut self) {
        self.book.start_bar();
    }

    /// Cancels symbol `s`'s resting order.
    pub(super) fn cancel(&mut self, s: usize) {
        self.book.remove(s);
    }

    /// The orders that expired on this bar.
    pub(super) fn expired(&self) -> &[Order] {
        self.book.expired()
    }

    /// Fills the resting market orders of symbols with a bar at `t`, at `price` of that bar.
    pub(super) fn fill_market_orders(
        &mut self,
        t: usize,
        series: &[Series],
        price: impl Fn(&Series) -> f64,
        run: &mut Run,
    ) {
        if !self.book.is_active() {
            return;
        }
        for order in self.book.take_market(|s| series[s].present[t]) {
            let s = order.symbol;
            let fill_price = price(&series[s]);
            self.fill_order(
                t,
                order,
                fill_price,
                FillKind::Market,
                |j| price(&series[j]),
                run,
            );
        }
    }

    /// Fills the resting limit and stop orders bar `t` reaches, each at its level or the open
    /// beyond it, and expires those whose time ran out.
    pub(super) fn fill_resting(&mut self, t: usize, series: &[Series], run: &mut Run) {
        if !self.book.is_active() {
            return;
        }
        let bar = |s: usize| {
            let x = &series[s];
            x.present[t].then(|| (x.open[t], x.high[t], x.low[t]))
        };
        for (order, price, kind) in self.book.triggered(t, bar) {
            self.fill_order(t, order, price, kind, |j| series[j].open[t], run);
        }
    }

    /// The units `size` asks for at `price`, with `equity`.
    fn units_for(&self, size: Size, price: f64, equity: f64) -> f64 {
        let units = match size {
            Size::Weight(w) => w * equity / price,
            Size::Units(u) => u,
            Size::Value(v) => v / price,
        };
        if self.whole_units {
            units.trunc()
        } else {
            units
        }
    }

    /// Trades symbol `order.symbol` to the position `order` asks for, at `price` (the other
    /// symbols valued at `others` for its equity).
    fn fill_order(
        &mut self,
        t: usize,
        order: Order,
        price: f64,
        kind: FillKind,
        others: impl Fn(usize) -> f64,
        run: &mut Run,
    ) {
        let s = order.symbol;
        let equity = self.equity(|j| if j == s { price } else { others(j) });
        if equity.is_nan() || equity <= 0.0 {
            return; // nothing is sized against equity at or below zero (see `execute`)
        }
        let delta = self.units_for(order.size, price, equity) - self.units[s];
        let (side, units) = if delta > 0.0 {
            // A weight is of equity, costs included (as targets are); units and values are
            // what they say, costs on top.
            let wanted = match order.size {
                Size::Weight(_) => delta / (1.0 + self.cost_rate),
                Size::Units(_) | Size::Value(_) => delta,
            };
            (Side::Buy, self.buyable(s, wanted, price, equity))
        } else {
            (Side::Sell, -delta)
        };
        if units <= 1e-12 * self.units[s].abs().max(1.0) {
            return;
        }
        let fill = self.fill(t, s, side, units, price, kind);
        self.apply_with(&fill, order.exits);
        self.targets[s] = None;
        self.exited[s] = None;
        run.fills.push(fill);
        self.record(t);
    }

    /// Books `fill` with the run's exits.
    fn apply(&mut self, fill: &Fill) {
        self.apply_with(fill, None);
    }

    /// Books `fill`: units and cash, and the position's exits (`exits`, or the run's when
    /// `None`), set when it opens or flips (at this fill's price), kept when it is resized,
    /// removed when it closes.
    fn apply_with(&mut self, fill: &Fill, exits: Option<Exits>) {
        let s = fill.symbol;
        let before = self.units[s];
        let value = fill.value();
        match fill.side {
            Side::Buy => {
                self.units[s] += fill.units;
                self.cash -= value + fill.cost;
            }
            Side::Sell => {
                self.units[s] -= fill.units;
                self.cash += value - fill.cost;
            }
        }
        let after = self.units[s];
        let opened = after != 0.0 && (before == 0.0 || (before > 0.0) != (after > 0.0));
        let bracket = if after == 0.0 {
            self.entries[s] = None;
            None
        } else if opened {
            self.entries[s] = Some((fill.bar, fill.price));
            exits.unwrap_or(self.exits).attach(after > 0.0, fill.price)
        } else {
            self.brackets[s]
        };
        self.live =
            self.live + usize::from(bracket.is_some()) - usize::from(self.brackets[s].is_some());
        self.brackets[s] = bracket;
    }
}

/// Cash and units held from the close of bar `from` until the next state.
#[derive(Debug)]
struct State {
    from: usize,
    cash: f64,
    units: Vec<f64>,
}

/// Cash plus `units` of each symbol valued at `price(s)`, the positions summed first and in
/// symbol order: the valuation used to size fills, and the one [`Portfolio::mark`] repeats.
pub(super) fn value(cash: f64, units: &[f64], price: impl Fn(usize) -> f64) -> f64 {
    let positions = (0..units.len()).fold(0.0, |sum, s| sum + units[s] * price(s));
    positions + cash
}
