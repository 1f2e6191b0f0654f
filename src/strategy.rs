//! What a strategy is, what it may see, and how it is described and configured.
//!
//! A strategy is called once per bar, in order, after the bar has closed. It sees the history
//! up to and including that bar through [`History`], whose slices end at the current bar, and
//! its account at that close: the next bar is unreachable through this API. It answers with
//! target weights or nothing (hold).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::calendar::Period;
use crate::data::Universe;
use crate::engine::{Account, Orders, Session};
use crate::indicators::{Line, Lines};
use crate::{Date, Error, Result};

/// Target portfolio weights, one per symbol of the strategy (fractions of equity; negative is
/// short).
pub type Targets = Vec<f64>;

/// A trading rule.
pub trait Strategy {
    /// The symbols it trades; its targets use this order.
    fn symbols(&self) -> &[String];

    /// Called after bar `history.bar()` has closed. Returns new target weights, or `None` to
    /// keep the portfolio as it is (the engine rebalances only on new targets). The simple
    /// path: a strategy that places orders implements [`Strategy::on_close`] instead.
    fn on_bar(&mut self, _history: &History<'_>) -> Option<Targets> {
        None
    }

    /// Called after bar `history.bar()` has closed, with a pad for the answer: target weights
    /// (`orders.set_targets`), or orders at the market, at a limit or on a stop, for a time,
    /// with their own exits (`orders.place`), or cancellations. Nothing placed: hold. The
    /// default answers what [`Strategy::on_bar`] returns.
    #[inline]
    fn on_close(&mut self, history: &History<'_>, orders: &mut Orders) {
        if let Some(targets) = self.on_bar(history) {
            orders.set_targets(targets);
        }
    }

    /// Series the strategy reads without trading them (a yield such as `^TNX`, gold as the
    /// signal of a miners-only book), usually named by its parameters: the universe holds them
    /// after the traded symbols, and [`History::signal`] reads them.
    fn signals(&self) -> &[String] {
        &[]
    }

    /// True for a strategy whose answers rebalance a portfolio to weights (rather than open
    /// and close positions on signals): its fills are of kind `rebalance`, and reports count
    /// its rebalances beside its trades.
    fn rebalances(&self) -> bool {
        false
    }

    /// The bars at whose close the strategy's signal began, for an event study of what the
    /// traded asset (its first symbol) did afterwards; `None` for strategies without a
    /// discrete signal.
    fn signal_bars(&self) -> Option<&[usize]> {
        None
    }

    /// Shows the strategy every bar of `session` in order through [`Strategy::on_close`],
    /// passing its answers back: the session fills them at the next open (or this close, or
    /// inside later bars for resting orders) and shows the next bar with the account after
    /// those fills.
    ///
    /// The engine calls this once per run. Being a provided method, it is compiled for each
    /// strategy, where `on_bar` is a direct call the compiler can inline, instead of one call
    /// through the strategy object per bar. Its last parameter's type cannot be named outside
    /// this crate, so no strategy can replace it: each bar is shown once, in order, as
    /// `on_close` promises.
    fn decide(&mut self, session: &mut Session<'_>, _: seal::Sealed) {
        let mut orders = Orders::default();
        while let Some(history) = session.next_bar() {
            self.on_close(&history, &mut orders);
            session.answer(&mut orders);
        }
    }
}

pub(crate) mod seal {
    /// The token that keeps [`super::Strategy::decide`] from being replaced outside this
    /// crate: it is public, so that it can appear in the trait, but cannot be named outside
    /// the crate.
    #[derive(Debug, Clone, Copy)]
    pub struct Sealed(pub(crate) ());
}

/// The market as a strategy sees it after the close of bar `t`: bars `0..=t` and nothing
/// later, and its own account at that close.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    lines: &'a Lines<'a>,
    bar: usize,
    account: Account<'a>,
}

impl<'a> History<'a> {
    /// The view after the close of `bar` of the universe of `lines`, holding `account`.
    ///
    /// # Panics
    /// `bar` is past the end of the universe (a bug in the engine, never input-driven).
    #[must_use]
    #[inline]
    pub(crate) fn new(lines: &'a Lines<'a>, bar: usize, account: Account<'a>) -> Self {
        assert!(
            bar < lines.universe().len(),
            "bar {bar} beyond the calendar"
        );
        History {
            lines,
            bar,
            account,
        }
    }

    /// What the strategy holds at this close: cash, units, weights, entries, and this bar's
    /// fills (a stop that took a position out among them).
    #[must_use]
    #[inline]
    pub fn account(&self) -> &Account<'a> {
        &self.account
    }

    /// The market this view shows.
    #[inline]
    fn universe(&self) -> &'a Universe {
        self.lines.universe()
    }

    /// The simple moving average of symbol `s`'s close over `window` bars, as a line to read
    /// with [`Line::at`] on every later bar. It is computed once per universe and shared by
    /// every run on it (the runs of a sweep), and equals [`crate::indicators::RollingMean`]
    /// pushed bar by bar.
    #[must_use]
    pub fn close_mean(&self, s: usize, window: usize) -> Line {
        self.lines.close_mean(s, window)
    }

    /// Index of the bar that has just closed (0-based).
    #[must_use]
    #[inline]
    pub fn bar(&self) -> usize {
        self.bar
    }

    /// Date of the bar that has just closed.
    #[must_use]
    #[inline]
    pub fn date(&self) -> Date {
        self.universe().dates[self.bar]
    }

    /// Whether this bar is the first of its `period` (a week, month, quarter or year of the
    /// calendar, or a run of bars from the first).
    #[must_use]
    pub fn first_of(&self, period: Period) -> bool {
        period.begins(&self.universe().dates, self.bar)
    }

    /// Whether this bar is the last of its `period`: the next bar of the calendar begins
    /// another (its date is known, its prices are not; see [`crate::calendar`]). An answer
    /// here fills at the open of the next period's first bar.
    #[must_use]
    pub fn last_of(&self, period: Period) -> bool {
        period.ends(&self.universe().dates, self.bar)
    }

    /// The date of the next bar of the calendar, `None` on the last: calendar knowledge, never
    /// the next bar's prices (see [`crate::calendar`]), for answers dated between two bars.
    #[must_use]
    pub fn next_date(&self) -> Option<Date> {
        self.universe().dates.get(self.bar + 1).copied()
    }

    /// Closes of the strategy's signal `j` (the `j`-th of [`Strategy::signals`]) up to and
    /// including this bar: a series it reads but does not trade.
    #[must_use]
    #[inline]
    pub fn signal(&self, j: usize) -> &'a [f64] {
        &self.universe().series[self.account.traded() + j].close[..=self.bar]
    }

    /// Closes of symbol `s` (the strategy's own index) up to and including this bar.
    #[must_use]
    #[inline]
    pub fn close(&self, s: usize) -> &'a [f64] {
        &self.universe().series[s].close[..=self.bar]
    }

    /// Opens of symbol `s` up to and including this bar.
    #[must_use]
    #[inline]
    pub fn open(&self, s: usize) -> &'a [f64] {
        &self.universe().series[s].open[..=self.bar]
    }

    /// Highs of symbol `s` up to and including this bar.
    #[must_use]
    #[inline]
    pub fn high(&self, s: usize) -> &'a [f64] {
        &self.universe().series[s].high[..=self.bar]
    }

    /// Lows of symbol `s` up to and including this bar.
    #[must_use]
    #[inline]
    pub fn low(&self, s: usize) -> &'a [f64] {
        &self.universe().series[s].low[..=self.bar]
    }

    /// Whether symbol `s` had a bar on each date (false where the last close was carried).
    #[must_use]
    #[inline]
    pub fn present(&self, s: usize) -> &'a [bool] {
        &self.universe().series[s].present[..=self.bar]
    }
}

/// The series a strategy reads: what it trades, then its signals (see [`Strategy::signals`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reads {
    /// The symbols it trades, in the order of its targets.
    pub traded: Vec<String>,
    /// The series it reads without trading them.
    pub signals: Vec<String>,
}

impl Reads {
    /// What `strategy` reads.
    #[must_use]
    pub fn of(strategy: &dyn Strategy) -> Self {
        Reads {
            traded: strategy.symbols().to_vec(),
            signals: strategy.signals().to_vec(),
        }
    }
}

/// One parameter a strategy accepts.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Its key in `--param key=value`.
    pub name: &'static str,
    /// Its default, as it would be typed.
    pub default: &'static str,
    /// One line on what it does.
    pub help: &'static str,
}

/// A registered strategy: its name, what it does, its parameters and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct StrategySpec {
    /// The name used on the command line (`sma-cross`); the file is the same with `_`.
    pub name: &'static str,
    /// One line for `backtest list`.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    /// Builds it from parameters and the symbols the user asked for (all the dataset's symbols
    /// when none were named).
    pub build: Builder,
}

/// Builds a strategy from its parameters and the symbols the user asked for.
pub type Builder = fn(&Params, &[String]) -> Result<Box<dyn Strategy>>;

/// Parameter values of one run: every declared parameter, from `--param` or its default.
#[derive(Debug, Clone)]
pub struct Params {
    strategy: &'static str,
    specs: &'static [ParamSpec],
    values: BTreeMap<&'static str, String>,
}

impl Params {
    /// Reads `key=value` pairs against the strategy's declared parameters.
    ///
    /// # Errors
    /// A pair without `=`, or an unknown key; the message lists the valid keys.
    pub fn parse(spec: &StrategySpec, pairs: &[String]) -> Result<Params> {
        let mut values: BTreeMap<&'static str, String> = spec
            .params
            .iter()
            .map(|p| (p.name, p.default.to_string()))
            .collect();
        for pair in pairs {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(Error::Usage(format!(
                    "--param {pair:?} is not key=value; {}",
                    describe(spec)
                )));
            };
            let Some(param) = spec.params.iter().find(|p| p.name == key.trim()) else {
                return Err(Error::Usage(format!(
                    "strategy {} has no parameter {:?}; {}",
                    spec.name,
                    key.trim(),
                    describe(spec)
                )));
            };
            values.insert(param.name, value.trim().to_string());
        }
        Ok(Params {
            strategy: spec.name,
            specs: spec.params,
            values,
        })
    }

    /// The raw text of a parameter.
    ///
    /// # Panics
    /// `name` is not declared by the strategy (a bug in the strategy, not an input).
    #[must_use]
    pub fn text(&self, name: &str) -> &str {
        self.values
            .get(name)
            .unwrap_or_else(|| panic!("parameter {name} is not declared by {}", self.strategy))
    }

    /// A parameter as a whole number of at least `min`.
    ///
    /// # Errors
    /// The value is not such a number; the message names the parameter and its valid form.
    pub fn whole(&self, name: &str, min: usize) -> Result<usize> {
        self.text(name)
            .parse::<usize>()
            .ok()
            .filter(|v| *v >= min)
            .ok_or_else(|| self.invalid(name, &format!("a whole number of at least {min}")))
    }

    /// A parameter as a finite number.
    ///
    /// # Errors
    /// The value is not a finite number.
    pub fn number(&self, name: &str) -> Result<f64> {
        self.text(name)
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.invalid(name, "a number"))
    }

    /// A parameter naming a symbol (not empty).
    ///
    /// # Errors
    /// The value is empty.
    pub fn symbol(&self, name: &str) -> Result<String> {
        let text = self.text(name);
        if text.is_empty() {
            return Err(self.invalid(name, "a symbol"));
        }
        Ok(text.to_string())
    }

    /// Two symbol parameters that must name different symbols (case aside).
    ///
    /// # Errors
    /// Either is empty, or they are the same symbol.
    pub fn symbol_pair(&self, first: &str, second: &str) -> Result<(String, String)> {
        let (a, b) = (self.symbol(first)?, self.symbol(second)?);
        if a.eq_ignore_ascii_case(&b) {
            return Err(self.invalid(second, &format!("a symbol other than {first} ({a})")));
        }
        Ok((a, b))
    }

    /// A parameter that must be one of `choices`.
    ///
    /// # Errors
    /// The value is not one of them; the message lists them.
    pub fn choice(&self, name: &str, choices: &[&'static str]) -> Result<&'static str> {
        let text = self.text(name);
        choices
            .iter()
            .find(|c| **c == text)
            .copied()
            .ok_or_else(|| self.invalid(name, &format!("one of {}", choices.join(", "))))
    }

    /// A parameter as a number within `range`.
    ///
    /// # Errors
    /// The value is not a number inside the range.
    pub fn number_in(&self, name: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64> {
        self.number(name)
            .ok()
            .filter(|v| range.contains(v))
            .ok_or_else(|| {
                self.invalid(
                    name,
                    &format!("a number from {} to {}", range.start(), range.end()),
                )
            })
    }

    /// An error saying that `name`'s value is not `expected`, listing every parameter.
    #[must_use]
    pub fn invalid(&self, name: &str, expected: &str) -> Error {
        Error::Usage(format!(
            "strategy {}: parameter {name} = {:?} is not {expected}",
            self.strategy,
            self.text(name)
        ))
    }

    /// Every parameter with its value, numbers as JSON numbers, for the summary.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        self.specs
            .iter()
            .map(|p| {
                let text = self.text(p.name);
                let value = text
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .or_else(|_| text.parse::<f64>().map(serde_json::Value::from))
                    .unwrap_or_else(|_| serde_json::Value::from(text));
                (p.name.to_string(), value)
            })
            .collect()
    }
}

/// "parameters: fast (default 20): ..., slow (default 50): ..."
fn describe(spec: &StrategySpec) -> String {
    if spec.params.is_empty() {
        return format!("strategy {} takes no parameters", spec.name);
    }
    let mut text = String::from("valid parameters:");
    for p in spec.params {
        let _ = write!(text, " {} (default {}: {});", p.name, p.default, p.help);
    }
    text.pop();
    text
}
