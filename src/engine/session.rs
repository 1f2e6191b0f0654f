//! One simulation, bar by bar: at each bar the open's fills and the exits inside the bar
//! happen, then the strategy is shown the close (the market to that close, and its account
//! after those fills), then its answer becomes the orders of the next open (or of this close,
//! when fills are at the close).
//!
//! The strategy drives the loop through [`crate::strategy::Strategy::decide`], a provided
//! method compiled for each strategy, so `on_bar` is a direct call; the session does the rest.
//! Bars without an answer, a pending order or a position with exits cost a comparison each.

use super::account::Account;
use super::portfolio::Portfolio;
use super::{EngineOptions, FillKind, FillMode, Orders, Run, check_targets};
use crate::Error;
use crate::data::Series;
use crate::indicators::Lines;
use crate::strategy::History;

/// The simulation a strategy is being shown, one bar at a time.
#[derive(Debug)]
pub struct Session<'a> {
    name: &'a str,
    lines: &'a Lines<'a>,
    /// The strategy's series (the universe's first ones).
    series: &'a [Series],
    /// Bars in the universe.
    bars: usize,
    at_open: bool,
    max_leverage: f64,
    portfolio: Portfolio,
    /// Fills and answers so far; the marks are made once the loop is over.
    run: Run,
    /// The bar from which cash accrues.
    first: usize,
    /// The calendar.
    dates: &'a [crate::Date],
    /// The bar shown now, or about to be.
    bar: usize,
    /// Whether `bar` has been traded and shown (its answer not yet taken).
    shown: bool,
    /// Where the current bar's fills start in `run.fills`.
    bar_fills: usize,
    /// The first answer the engine refused: the session ends there.
    refused: Option<Error>,
}

impl<'a> Session<'a> {
    /// A session over every bar of the universe of `lines` for a strategy of the first `k`
    /// series, whose targets fill as `answer_kind`, its cash accruing from bar `first` (a
    /// warm-up holds nothing before it, and starts it with the starting cash).
    pub(super) fn new(
        name: &'a str,
        lines: &'a Lines<'a>,
        k: usize,
        options: &EngineOptions,
        answer_kind: FillKind,
        first: usize,
    ) -> Self {
        let universe = lines.universe();
        let n = universe.len();
        Session {
            name,
            lines,
            series: &universe.series[..k],
            bars: n,
            at_open: options.fill == FillMode::NextOpen,
            max_leverage: options.max_leverage,
            portfolio: Portfolio::new(options, k, answer_kind),
            run: Run {
                equity: Vec::with_capacity(n),
                cash: Vec::with_capacity(n),
                holdings: Vec::with_capacity(n * k),
                symbols: k,
                fills: Vec::new(),
                decisions: Vec::new(),
                postponed_fills: 0,
                interest: 0.0,
                borrow_costs: 0.0,
                ruin: None,
            },
            first,
            dates: &universe.dates,
            bar: 0,
            shown: false,
            bar_fills: 0,
            refused: None,
        }
    }

    /// Trades the next bar's open and the exits inside it, and shows its close; `None` once
    /// every bar has been shown or an answer was refused.
    #[inline]
    pub fn next_bar(&mut self) -> Option<History<'_>> {
        if self.shown {
            // The previous bar's answer was not taken: it held.
            self.close_bar(&mut Orders::default());
        }
        if self.bar >= self.bars || self.refused.is_some() {
            return None;
        }
        let t = self.bar;
        self.bar_fills = self.run.fills.len();
        if self.portfolio.is_busy() {
            self.open_bar(t);
        }
        self.shown = true;
        Some(History::new(self.lines, t, self.account()))
    }

    /// What happens at bar `t` before its close: interest, the open's fills, resting orders
    /// and exits inside the bar. Out of line: most bars of most runs have none of it.
    #[inline(never)]
    fn open_bar(&mut self, t: usize) {
        self.portfolio.start_bar();
        if t > self.first {
            self.portfolio
                .accrue(t, self.series, self.dates, &mut self.run);
        }
        if self.at_open {
            if self.portfolio.has_pending() {
                self.portfolio
                    .execute(t, self.series, |s| s.open[t], &mut self.run);
            }
            self.portfolio
                .fill_market_orders(t, self.series, |s| s.open[t], &mut self.run);
        }
        self.portfolio.fill_resting(t, self.series, &mut self.run);
        self.portfolio.exit_intrabar(t, self.series, &mut self.run);
    }

    /// The account at the close of the bar shown.
    fn account(&self) -> Account<'_> {
        Account {
            portfolio: &self.portfolio,
            series: self.series,
            dates: self.dates,
            bar: self.bar,
            fills: &self.run.fills[self.bar_fills..],
        }
    }

    /// The strategy's answer at the close of the bar shown, taken out of `orders`: new target
    /// weights, orders, or nothing (hold).
    #[inline]
    pub fn answer(&mut self, orders: &mut Orders) {
        if !self.shown {
            return;
        }
        if orders.is_empty() && (self.at_open || !self.portfolio.is_active()) {
            // Nothing answered and nothing to fill at this close: the common bar.
            self.shown = false;
            self.bar += 1;
        } else {
            self.close_bar(orders);
        }
    }

    /// Takes the answer at the close of the bar shown, fills what fills at that close, and
    /// moves to the next bar.
    fn close_bar(&mut self, orders: &mut Orders) {
        let t = self.bar;
        self.shown = false;
        self.bar += 1;
        if !orders.is_empty()
            && let Err(error) = self.take(t, orders)
        {
            self.refused = Some(error);
            return;
        }
        if !self.at_open {
            if self.portfolio.has_pending() {
                self.portfolio
                    .execute(t, self.series, |s| s.close[t], &mut self.run);
            }
            self.portfolio
                .fill_market_orders(t, self.series, |s| s.close[t], &mut self.run);
        }
    }

    /// Books an answer at the close of bar `t`: targets first (they replace resting orders),
    /// then cancellations, then new orders.
    fn take(&mut self, t: usize, orders: &mut Orders) -> crate::Result<()> {
        let date = self.dates[t];
        let k = self.series.len();
        if let Some(targets) = orders.targets.take() {
            check_targets(self.name, date, &targets, k, self.max_leverage)?;
            self.portfolio.set_targets(&targets);
            self.run.decisions.push((t, targets));
        }
        for s in orders.cancelled.drain(..) {
            if s < k {
                self.portfolio.cancel(s);
            }
        }
        for order in orders.placed.drain(..) {
            if let Some(problem) = order.problem(k, self.max_leverage) {
                return Err(Error::Strategy {
                    strategy: self.name.to_string(),
                    date,
                    problem,
                });
            }
            self.portfolio.place(order, t, self.series);
        }
        Ok(())
    }

    /// The bar shown last (for the report of a panic in the strategy's code).
    pub(super) fn bar(&self) -> usize {
        if self.shown {
            self.bar
        } else {
            self.bar.saturating_sub(1)
        }
    }

    /// The run, every bar marked to its close; or the answer the engine refused.
    pub(super) fn finish(mut self) -> crate::Result<Run> {
        if let Some(error) = self.refused {
            return Err(error);
        }
        if self.shown {
            self.close_bar(&mut Orders::default());
        }
        self.portfolio.mark(self.series, self.bars, &mut self.run);
        Ok(self.run)
    }
}
