//! The simulation loop: a strategy's targets, decided at the close of bar t, become fills at
//! the open of bar t+1 (or, when asked for explicitly, at the close of t); exits attached to a
//! position fill inside a later bar, or the entry bar itself (`exits.rs`); equity is marked to
//! the close of every bar.
//!
//! The strategy is shown one bar at a time (`session.rs`), with its account after that bar's
//! fills; nothing is allocated per bar except the targets a strategy chooses to emit, and
//! every bar is marked to its close after the loop, a stretch between two fills at a time.
//!
//! What a run publishes is settled last (`solvency.rs`): every number is finite or the run is
//! refused naming the first bar where one would not be, and a run whose equity reaches zero
//! ends there as ruined, its shortfall written off, so equity never reads below zero.

mod account;
mod exits;
mod financing;
mod orders;
mod portfolio;
mod session;
mod solvency;

pub use account::{Account, Entry};
pub use exits::{Exits, FillKind, TrailOn};
pub use financing::{CashRate, Financing};
pub use orders::{Order, Orders, Size, TimeInForce, Trigger};
pub use portfolio::{Fill, Side};
pub use session::Session;
pub use solvency::Ruin;

use serde::Serialize;

use crate::data::{Series, Universe};
use crate::indicators::Lines;
use crate::strategy::{History, Strategy, Targets, seal};
use crate::{Error, Result};

/// When orders fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum FillMode {
    /// At the open of the bar after the signal: the only mode free of same-bar look-ahead.
    #[default]
    NextOpen,
    /// At the close of the signal bar: optimistic (the close is known only once it is too late
    /// to trade it); for comparison with close-to-close studies.
    Close,
}

/// How the engine trades.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineOptions {
    /// Starting cash.
    pub cash: f64,
    /// When orders fill.
    pub fill: FillMode,
    /// Trade whole units only (floor; leftover cash kept).
    pub whole_units: bool,
    /// Commission in basis points of traded value.
    pub commission_bps: f64,
    /// Slippage in basis points of traded value, against the trader.
    pub slippage_bps: f64,
    /// The largest sum of absolute target weights a strategy may ask for.
    pub max_leverage: f64,
    /// Exits attached to every position the strategy opens.
    pub exits: Exits,
    /// What cash earns and borrowing costs.
    pub financing: Financing,
}

impl EngineOptions {
    /// Commission and slippage together, as a fraction of traded value.
    #[must_use]
    pub fn cost_rate(&self) -> f64 {
        (self.commission_bps + self.slippage_bps) / 10_000.0
    }
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            cash: 100_000.0,
            fill: FillMode::NextOpen,
            whole_units: false,
            commission_bps: 0.0,
            slippage_bps: 0.0,
            max_leverage: 1.0,
            exits: Exits::default(),
            financing: Financing::default(),
        }
    }
}

/// Everything a simulation produced, bar by bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Equity at each bar's close.
    pub equity: Vec<f64>,
    /// Cash at each bar's close.
    pub cash: Vec<f64>,
    /// Units held at each bar's close: `holdings[t * symbols + s]`.
    pub holdings: Vec<f64>,
    /// Number of symbols the strategy trades.
    pub symbols: usize,
    /// Every fill, in time order.
    pub fills: Vec<Fill>,
    /// Every answer of the strategy, with the bar at whose close it came (the bars it held
    /// are absent): the record the look-ahead test compares.
    pub decisions: Vec<(usize, Targets)>,
    /// Fills postponed because the symbol had no bar on the fill date.
    pub postponed_fills: usize,
    /// Interest on cash over the run: earned on cash above zero, less what borrowed cash paid.
    pub interest: f64,
    /// What short positions paid to borrow their shares.
    pub borrow_costs: f64,
    /// Where equity reached zero, if it did: the run ended at that close, every position
    /// closed there, and cash and equity are 0 from that bar on (what was owed beyond zero is
    /// the ruin's shortfall, written off; see [`Ruin`]).
    pub ruin: Option<Ruin>,
}

impl Run {
    /// Units of symbol `s` held at the close of bar `t`.
    #[must_use]
    pub fn units(&self, t: usize, s: usize) -> f64 {
        self.holdings[t * self.symbols + s]
    }

    /// The weight of symbol `s` at the close of bar `t`, its position's value at `close` over
    /// equity: negative for a short, and 0 where equity is 0 (a ruined run holds nothing).
    #[must_use]
    pub fn weight(&self, t: usize, s: usize, close: f64) -> f64 {
        let equity = self.equity[t];
        if equity == 0.0 {
            0.0
        } else {
            self.units(t, s) * close / equity
        }
    }

    /// The run from bar `first` on, renumbered so that `first` is bar 0. Nothing may have
    /// traded or been decided before `first` (the warm-up of [`simulate_on`]).
    fn since(mut self, first: usize) -> Run {
        debug_assert!(self.fills.iter().all(|f| f.bar >= first));
        debug_assert!(self.decisions.iter().all(|(bar, _)| *bar >= first));
        self.equity.drain(..first);
        self.cash.drain(..first);
        self.holdings.drain(..first * self.symbols);
        for fill in &mut self.fills {
            fill.bar -= first;
        }
        for (bar, _) in &mut self.decisions {
            *bar -= first;
        }
        if let Some(ruin) = &mut self.ruin {
            // Only a run without cash is ruined before trading starts: at its first bar.
            ruin.bar = ruin.bar.saturating_sub(first);
        }
        self
    }
}

/// Runs `strategy` over `universe`. The strategy's symbols must be the first series of the
/// universe, in its order (the benchmark may follow).
///
/// A run whose equity reaches zero ends there as ruined ([`Run::ruin`]).
///
/// # Errors
/// The strategy's symbols do not match the universe, or it answers targets that cannot be
/// traded (wrong length, not finite, beyond the leverage cap); the error names the strategy,
/// the date and the value. Or the prices make a fill or the equity not a finite number; the
/// error names the first such bar and the symbol.
pub fn simulate(
    name: &str,
    strategy: &mut dyn Strategy,
    universe: &Universe,
    options: &EngineOptions,
) -> Result<Run> {
    simulate_on(name, strategy, &Lines::new(universe), options, 0)
}

/// [`simulate`] on the universe of `lines`, sharing the indicator lines already computed on it
/// (by earlier runs of a sweep), trading only from bar `first`: the strategy is shown every
/// bar, so its indicators are warm, and at the close of `first` its latest answer becomes its
/// opening order, so it starts holding what it would have held. The run returned covers bars
/// `first..` (its bar 0 is `first`, where equity is still the starting cash).
///
/// # Errors
/// As [`simulate`], or `first` is not a bar of the universe.
pub fn simulate_on(
    name: &str,
    strategy: &mut dyn Strategy,
    lines: &Lines<'_>,
    options: &EngineOptions,
    first: usize,
) -> Result<Run> {
    if first == 0 {
        return simulate_all(name, strategy, lines, options, 0);
    }
    if first >= lines.universe().len() {
        return Err(Error::Usage(format!(
            "trading would start at bar {first} of {}: no bar left to trade",
            lines.universe().len()
        )));
    }
    let mut warm = WarmUp {
        strategy,
        first,
        latest: None,
    };
    Ok(simulate_all(name, &mut warm, lines, options, first)?.since(first))
}

/// A strategy shown every bar but kept from trading before bar `first`; see [`simulate_on`].
struct WarmUp<'s> {
    strategy: &'s mut dyn Strategy,
    first: usize,
    /// Its latest answer before `first`.
    latest: Option<Targets>,
}

impl Strategy for WarmUp<'_> {
    fn symbols(&self) -> &[String] {
        self.strategy.symbols()
    }

    fn rebalances(&self) -> bool {
        self.strategy.rebalances()
    }

    /// The strategy's answer, except before `first`: its targets are kept as its latest (and
    /// answered at `first` unless it answers anew there), its orders dropped (nothing trades
    /// before `first`).
    fn on_close(&mut self, history: &History<'_>, orders: &mut Orders) {
        self.strategy.on_close(history, orders);
        match history.bar().cmp(&self.first) {
            std::cmp::Ordering::Less => {
                if let Some(targets) = orders.targets.take() {
                    self.latest = Some(targets);
                }
                orders.placed.clear();
                orders.cancelled.clear();
            }
            std::cmp::Ordering::Equal => {
                if orders.targets.is_none() {
                    orders.targets = self.latest.take();
                }
            }
            std::cmp::Ordering::Greater => {}
        }
    }
}

/// The simulation over every bar of the universe of `lines`, cash accruing from bar `first`.
fn simulate_all(
    name: &str,
    strategy: &mut dyn Strategy,
    lines: &Lines<'_>,
    options: &EngineOptions,
    first: usize,
) -> Result<Run> {
    let universe = lines.universe();
    let k = strategy.symbols().len();
    let matches = universe.series.len() >= k
        && strategy
            .symbols()
            .iter()
            .zip(&universe.series)
            .all(|(a, b)| *a == b.symbol);
    if !matches {
        return Err(Error::Usage(format!(
            "strategy {name} trades {:?} but the universe holds {:?}",
            strategy.symbols(),
            universe
                .series
                .iter()
                .map(|s| &s.symbol)
                .collect::<Vec<_>>()
        )));
    }
    let answer_kind = if strategy.rebalances() {
        FillKind::Rebalance
    } else {
        FillKind::Market
    };
    let mut session = Session::new(name, lines, k, options, answer_kind, first);
    IN_STRATEGY.with(|flag| flag.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        strategy.decide(&mut session, seal::Sealed(()));
    }));
    IN_STRATEGY.with(|flag| flag.set(false));
    if let Err(panic) = outcome {
        return Err(panicked(name, universe.dates[session.bar()], &*panic));
    }
    let mut run = session.finish()?;
    let series = &universe.series[..k];
    solvency::settle(
        &mut run,
        series,
        &universe.dates,
        options.cash,
        options.cost_rate(),
    )?;
    Ok(run)
}

thread_local! {
    /// True while this thread runs a strategy's code, so the panic hook stays quiet: the
    /// engine turns that panic into one error naming the strategy and the date.
    static IN_STRATEGY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The error for a panic in strategy code: [`Error::Strategy`] with the panic's message.
fn panicked(name: &str, date: crate::Date, payload: &(dyn std::any::Any + Send)) -> Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Error::Strategy {
        strategy: name.to_string(),
        date,
        problem: format!("its code panicked: {message}"),
    }
}

/// Installs a panic hook that stays silent for panics inside strategy code (the engine
/// reports those as one error line) and keeps the default report for every other panic, which
/// would be a bug. Called once by the binary.
pub fn quiet_strategy_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_STRATEGY.with(std::cell::Cell::get) {
            default(info);
        }
    }));
}

/// Refuses targets that cannot be traded: not one per symbol, not finite, or beyond the
/// leverage cap; the error names the strategy and the date.
fn check_targets(
    name: &str,
    date: crate::Date,
    targets: &[f64],
    k: usize,
    max_leverage: f64,
) -> Result<()> {
    let fail = |problem: String| {
        Err(Error::Strategy {
            strategy: name.to_string(),
            date,
            problem,
        })
    };
    if targets.len() != k {
        return fail(format!(
            "answered {} target weights for {k} symbols",
            targets.len()
        ));
    }
    if let Some(w) = targets.iter().find(|w| !w.is_finite()) {
        return fail(format!("target weight {w} is not a finite number"));
    }
    let gross: f64 = targets.iter().map(|w| w.abs()).sum();
    if gross > max_leverage + 1e-9 {
        return fail(format!(
            "gross target weight {gross} exceeds the leverage cap {max_leverage}"
        ));
    }
    Ok(())
}

/// Buy and hold of `series` (on the calendar `dates`), bought at the close of the first bar
/// without costs: the benchmark curve every run is compared with.
///
/// # Errors
/// A close makes the curve not a finite number (the rule every run's numbers obey, see
/// `solvency.rs`); the error names the first such date and the symbol.
pub fn buy_and_hold_curve(series: &Series, dates: &[crate::Date], cash: f64) -> Result<Vec<f64>> {
    let close = &series.close;
    let curve: Vec<f64> = close.iter().map(|c| cash * c / close[0]).collect();
    solvency::check_benchmark(&curve, series, dates)?;
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Series;
    use crate::strategy::History;

    /// A universe of one or more symbols with the given opens and closes (high/low around them).
    fn universe(prices: &[(&[f64], &[f64])]) -> Universe {
        let n = prices[0].0.len();
        let start = crate::Date::from_ymd_opt(2024, 1, 1).unwrap();
        Universe {
            dates: (0..n)
                .map(|i| start + chrono::Days::new(i as u64))
                .collect(),
            series: prices
                .iter()
                .enumerate()
                .map(|(k, (open, close))| Series {
                    symbol: format!("S{k}"),
                    open: open.to_vec(),
                    high: open.iter().zip(*close).map(|(o, c)| o.max(*c)).collect(),
                    low: open.iter().zip(*close).map(|(o, c)| o.min(*c)).collect(),
                    close: close.to_vec(),
                    present: vec![true; n],
                    close_only: false,
                    adjusted: false,
                })
                .collect(),
        }
    }

    /// Emits scripted targets at given bars.
    struct Script {
        symbols: Vec<String>,
        at: Vec<(usize, Vec<f64>)>,
    }

    impl Strategy for Script {
        fn symbols(&self) -> &[String] {
            &self.symbols
        }
        fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
            self.at
                .iter()
                .find(|(bar, _)| *bar == history.bar())
                .map(|(_, w)| w.clone())
        }
    }

    fn script(symbols: usize, at: &[(usize, &[f64])]) -> Script {
        Script {
            symbols: (0..symbols).map(|k| format!("S{k}")).collect(),
            at: at.iter().map(|(b, w)| (*b, w.to_vec())).collect(),
        }
    }

    fn simulate_script(u: &Universe, s: &mut Script, options: &EngineOptions) -> Run {
        simulate("script", s, u, options).unwrap()
    }

    #[test]
    fn signal_at_close_fills_at_next_open() {
        let u = universe(&[(&[10.0, 11.0, 12.0, 13.0], &[10.5, 11.5, 12.5, 13.5])]);
        let run = simulate_script(
            &u,
            &mut script(1, &[(1, &[1.0])]),
            &EngineOptions::default(),
        );
        assert_eq!(run.fills.len(), 1);
        assert_eq!((run.fills[0].bar, run.fills[0].price), (2, 12.0));
        assert_eq!(run.equity[1], 100_000.0, "nothing held before the fill");
        let units = 100_000.0 / 12.0;
        assert!((run.equity[3] - units * 13.5).abs() < 1e-9);
    }

    #[test]
    fn close_mode_fills_at_the_signal_bars_close() {
        let u = universe(&[(&[10.0, 11.0, 12.0], &[10.5, 11.5, 12.5])]);
        let options = EngineOptions {
            fill: FillMode::Close,
            ..EngineOptions::default()
        };
        let run = simulate_script(&u, &mut script(1, &[(1, &[1.0])]), &options);
        assert_eq!((run.fills[0].bar, run.fills[0].price), (1, 11.5));
        assert!((run.equity[1] - 100_000.0).abs() < 1e-9);
    }

    #[test]
    fn a_signal_on_the_last_bar_never_fills() {
        let u = universe(&[(&[10.0, 11.0], &[10.0, 11.0])]);
        let run = simulate_script(
            &u,
            &mut script(1, &[(1, &[1.0])]),
            &EngineOptions::default(),
        );
        assert!(run.fills.is_empty());
        assert_eq!(run.equity, vec![100_000.0, 100_000.0]);
    }

    #[test]
    fn a_warm_up_trades_nothing_then_opens_the_position_the_strategy_last_chose() {
        let p: &[f64] = &[10.0, 11.0, 12.0, 13.0, 14.0, 15.0];
        let u = universe(&[(p, p)]);
        let warmed = |at: &[(usize, &[f64])]| {
            let options = EngineOptions::default();
            simulate_on("script", &mut script(1, at), &Lines::new(&u), &options, 3).unwrap()
        };
        let run = warmed(&[(1, &[1.0])]);
        assert_eq!(run.equity.len(), 3, "bars 3, 4 and 5");
        assert_eq!(run.equity[0], 100_000.0, "cash at the first bar's close");
        assert_eq!(run.decisions, vec![(0, vec![1.0])], "the warm-up's choice");
        assert_eq!(
            (run.fills[0].bar, run.fills[0].price),
            (1, 14.0),
            "bar 4's open"
        );
        // A choice made at the first traded bar itself wins over the warm-up's.
        assert!(warmed(&[(1, &[1.0]), (3, &[0.0])]).fills.is_empty());
    }

    #[test]
    fn whole_units_floor_and_keep_leftover_cash() {
        let u = universe(&[(&[30.0, 30.0, 30.0], &[30.0, 30.0, 31.0])]);
        let options = EngineOptions {
            whole_units: true,
            cash: 1000.0,
            ..EngineOptions::default()
        };
        let run = simulate_script(&u, &mut script(1, &[(0, &[1.0])]), &options);
        assert_eq!(run.fills[0].units, 33.0);
        assert_eq!(run.cash[2], 10.0);
        assert_eq!(run.equity[2], 10.0 + 33.0 * 31.0);
    }

    #[test]
    fn cash_plus_positions_is_equity_and_costs_are_charged_on_every_fill() {
        let a: &[f64] = &[10.0, 10.2, 9.8, 10.5, 11.0, 10.0, 9.5];
        let b: &[f64] = &[50.0, 49.0, 51.0, 52.0, 50.0, 48.0, 49.0];
        let u = universe(&[(a, a), (b, b)]);
        let options = EngineOptions {
            commission_bps: 10.0,
            slippage_bps: 5.0,
            ..EngineOptions::default()
        };
        let at: &[(usize, &[f64])] = &[(0, &[0.5, 0.5]), (2, &[0.8, 0.0]), (4, &[0.0, 1.0])];
        let run = simulate_script(&u, &mut script(2, at), &options);
        let mut cash = options.cash;
        for t in 0..u.len() {
            for f in run.fills.iter().filter(|f| f.bar == t) {
                assert!((f.cost - f.value() * 15e-4).abs() < 1e-9);
                cash += match f.side {
                    Side::Buy => -(f.value() + f.cost),
                    Side::Sell => f.value() - f.cost,
                };
            }
            let positions: f64 = (0..2).map(|s| run.units(t, s) * u.series[s].close[t]).sum();
            assert!(
                (run.cash[t] - cash).abs() < 1e-6,
                "bar {t}: cash replays from fills"
            );
            assert!((run.cash[t] + positions - run.equity[t]).abs() < 1e-6);
            assert!(run.cash[t] >= -1e-6, "bar {t}: no borrowing");
        }
        let free = simulate_script(&u, &mut script(2, at), &EngineOptions::default());
        assert!(run.equity[6] < free.equity[6], "costs reduce equity");
    }

    #[test]
    fn flipping_between_long_and_short_is_one_fill_per_flip() {
        // Prices with awkward decimals, a flip at every close: rounding must never leave a
        // dust fill beside the real one.
        let p: Vec<f64> = (0..40)
            .map(|i| 29.1 + 0.37 * f64::from(i % 7) - 0.011 * f64::from(i))
            .collect();
        let u = universe(&[(&p, &p)]);
        let flips: Vec<(usize, Vec<f64>)> = (0..39)
            .map(|t| (t, vec![if t % 2 == 0 { 1.0 } else { -1.0 }]))
            .collect();
        let mut strategy = Script {
            symbols: vec!["S0".into()],
            at: flips,
        };
        let options = EngineOptions {
            cash: 1e9, // large equity, large rounding errors
            ..EngineOptions::default()
        };
        let run = simulate_script(&u, &mut strategy, &options);
        assert_eq!(run.fills.len(), 39, "one fill per flip");
        for (t, price) in p.iter().enumerate().skip(1) {
            let weight = run.units(t, 0) * price / run.equity[t];
            let expected = if t % 2 == 1 { 1.0 } else { -1.0 };
            assert!((weight - expected).abs() < 1e-9, "bar {t}: weight {weight}");
        }
    }

    #[test]
    fn a_missing_bar_postpones_the_fill_to_the_symbols_next_bar() {
        let mut u = universe(&[(&[10.0, 11.0, 12.0, 13.0], &[10.0, 11.0, 12.0, 13.0])]);
        u.series[0].present[2] = false;
        let run = simulate_script(
            &u,
            &mut script(1, &[(1, &[1.0])]),
            &EngineOptions::default(),
        );
        assert_eq!(run.fills[0].bar, 3);
        assert_eq!(run.postponed_fills, 1);
    }

    #[test]
    fn a_short_that_runs_away_ends_the_run_as_ruined_at_the_first_close_below_zero() {
        // Short at bar 1's open at 10 (10,000 units, cash 200,000); the close of bar 3 at 30
        // leaves equity at -100,000. A later answer must never fill.
        let p: &[f64] = &[10.0, 10.0, 10.0, 30.0, 40.0, 50.0];
        let u = universe(&[(p, p)]);
        let at: &[(usize, &[f64])] = &[(0, &[-1.0]), (4, &[1.0])];
        let run = simulate_script(&u, &mut script(1, at), &EngineOptions::default());
        let ruined = run.ruin.expect("ruined");
        assert_eq!(ruined.bar, 3);
        assert!((ruined.shortfall - 100_000.0).abs() < 1e-6, "{ruined:?}");
        assert!(
            (run.weight(2, 0, 10.0) + 1.0).abs() < 1e-12,
            "a short weighs -1"
        );
        assert_eq!(run.equity[3..], [0.0; 3]);
        assert_eq!(run.cash[3..], [0.0; 3]);
        assert_eq!(run.holdings[3..], [0.0; 3]);
        assert_eq!(run.weight(4, 0, 40.0), 0.0);
        let last = run.fills.last().expect("the cover");
        assert_eq!(
            (last.bar, last.side, last.units, last.price),
            (3, Side::Buy, 10_000.0, 30.0)
        );
        assert_eq!(run.fills.len(), 2, "nothing after the ruin");
    }

    #[test]
    fn a_cover_is_never_cut_short_for_want_of_cash() {
        // Short 10,000 at 10 (cash 199,000 after 1% costs), then at 19.8 equity is 1,000 and
        // covering costs more than the cash: the cover used to be capped by cash and leave 49
        // units short.
        let p: &[f64] = &[10.0, 10.0, 19.8, 19.8, 19.8];
        let u = universe(&[(p, p)]);
        let options = EngineOptions {
            commission_bps: 100.0,
            max_leverage: 2.0,
            ..EngineOptions::default()
        };
        let at: &[(usize, &[f64])] = &[(0, &[-1.0]), (2, &[2.0])];
        let run = simulate_script(&u, &mut script(1, at), &options);
        let short = run.fills[0].units;
        let cover = run
            .fills
            .iter()
            .find(|f| f.side == Side::Buy)
            .expect("a cover");
        assert_eq!(cover.bar, 3);
        assert!(cover.units >= short, "covered {} of {short}", cover.units);
        assert!(run.units(3, 0) >= 0.0, "no short left open");
    }

    #[test]
    fn a_price_that_overflows_a_position_stops_the_run_naming_the_date_and_symbol() {
        let u = universe(&[(&[10.0, 10.0, 10.0], &[10.0, 1e308, 10.0])]);
        let err = simulate_script_err(&u, &[(0, &[1.0])]);
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.starts_with("2024-01-02: equity inf"), "{text}");
        assert!(text.contains("of S0 at its close 1e308"), "{text}");
        let tiny = universe(&[(&[1e-308, 1e-308], &[1e-308, 1e-308])]);
        let text = simulate_script_err(&tiny, &[(0, &[1.0])]).to_string();
        assert!(
            text.starts_with("2024-01-02: buying S0 at 1e-308 would trade inf units"),
            "{text}"
        );
    }

    #[test]
    fn a_run_that_starts_with_no_cash_is_ruined_at_once_and_trades_nothing() {
        // A walk-forward window after a ruined one starts from the ruin's zero.
        let p: &[f64] = &[10.0, 11.0, 12.0];
        let u = universe(&[(p, p)]);
        let options = EngineOptions {
            cash: 0.0,
            ..EngineOptions::default()
        };
        let run = simulate_script(&u, &mut script(1, &[(0, &[1.0])]), &options);
        assert_eq!(run.ruin.map(|r| (r.bar, r.shortfall)), Some((0, 0.0)));
        assert!(run.fills.is_empty());
        let performance =
            crate::metrics::performance(&u.dates, &run.equity, 0.0, crate::data::BarLength::Daily);
        assert_eq!(
            (performance.total_return, performance.max_drawdown),
            (0.0, 0.0)
        );
        let lines = Lines::new(&u);
        let warmed = simulate_on(
            "script",
            &mut script(1, &[(0, &[1.0])]),
            &lines,
            &options,
            1,
        );
        assert_eq!(warmed.unwrap().ruin.map(|r| r.bar), Some(0));
    }

    /// One symbol with the given bars, each `[open, high, low, close]`.
    fn bars(ohlc: &[[f64; 4]]) -> Universe {
        let mut u = universe(&[(&vec![0.0; ohlc.len()], &vec![0.0; ohlc.len()])]);
        let s = &mut u.series[0];
        for (t, [o, h, l, c]) in ohlc.iter().enumerate() {
            (s.open[t], s.high[t], s.low[t], s.close[t]) = (*o, *h, *l, *c);
        }
        u
    }

    fn with_exits(stop_loss: Option<f64>, take_profit: Option<f64>) -> EngineOptions {
        EngineOptions {
            exits: Exits {
                stop_loss,
                take_profit,
                ..Exits::default()
            },
            ..EngineOptions::default()
        }
    }

    /// (bar, side, price, kind) of every fill.
    fn fills_of(run: &Run) -> Vec<(usize, Side, f64, FillKind)> {
        run.fills
            .iter()
            .map(|f| (f.bar, f.side, f.price, f.kind))
            .collect()
    }

    const FLAT: [f64; 4] = [100.0, 101.0, 99.0, 100.0];

    #[test]
    fn a_stop_is_live_on_the_entry_bar_and_a_gap_through_it_fills_at_the_open() {
        // Bought at bar 1's open (100); its low of 94 is below the 95 stop: out at 95 that bar.
        let u = bars(&[FLAT, [100.0, 101.0, 94.0, 96.0], FLAT]);
        let run = simulate_script(
            &u,
            &mut script(1, &[(0, &[1.0])]),
            &with_exits(Some(0.05), None),
        );
        let expected = vec![
            (1, Side::Buy, 100.0, FillKind::Market),
            (1, Side::Sell, 95.0, FillKind::StopLoss),
        ];
        assert_eq!(fills_of(&run), expected);
        // Bought at 100, then bar 2 opens at 90, below the stop: out at that open.
        let u = bars(&[FLAT, FLAT, [90.0, 92.0, 88.0, 91.0], FLAT]);
        let run = simulate_script(
            &u,
            &mut script(1, &[(0, &[1.0])]),
            &with_exits(Some(0.05), None),
        );
        assert_eq!(fills_of(&run)[1], (2, Side::Sell, 90.0, FillKind::StopLoss));
        assert_eq!(run.units(3, 0), 0.0);
        assert_eq!(run.cash[3], 100_000.0 / 100.0 * 90.0);
    }

    #[test]
    fn a_bar_through_both_levels_takes_the_stop_and_a_gap_over_the_target_its_open() {
        let both = bars(&[FLAT, FLAT, [112.0, 115.0, 90.0, 100.0], FLAT]);
        let options = with_exits(Some(0.05), Some(0.10));
        let run = simulate_script(&both, &mut script(1, &[(0, &[1.0])]), &options);
        assert_eq!(fills_of(&run)[1], (2, Side::Sell, 95.0, FillKind::StopLoss));
        let gap = bars(&[FLAT, FLAT, [112.0, 115.0, 111.0, 113.0], FLAT]);
        let run = simulate_script(&gap, &mut script(1, &[(0, &[1.0])]), &options);
        assert_eq!(
            fills_of(&run)[1],
            (2, Side::Sell, 112.0, FillKind::TakeProfit)
        );
        let touch = bars(&[FLAT, FLAT, [105.0, 111.0, 104.0, 106.0], FLAT]);
        let run = simulate_script(&touch, &mut script(1, &[(0, &[1.0])]), &options);
        let target = 100.0 * (1.0 + 0.10);
        assert_eq!(
            fills_of(&run)[1],
            (2, Side::Sell, target, FillKind::TakeProfit)
        );
    }

    #[test]
    fn a_market_exit_decided_at_the_close_fills_at_the_open_before_any_level() {
        // Bar 2 touches the stop, but the strategy sold at bar 1's close: out at bar 2's open.
        let u = bars(&[FLAT, FLAT, [98.0, 99.0, 90.0, 92.0], FLAT]);
        let at: &[(usize, &[f64])] = &[(0, &[1.0]), (1, &[0.0])];
        let run = simulate_script(&u, &mut script(1, at), &with_exits(Some(0.05), None));
        assert_eq!(fills_of(&run)[1], (2, Side::Sell, 98.0, FillKind::Market));
        assert_eq!(run.fills.len(), 2);
    }

    #[test]
    fn a_short_has_its_stop_above_and_its_target_below() {
        let options = with_exits(Some(0.05), Some(0.10));
        let up = bars(&[FLAT, FLAT, [101.0, 106.0, 100.0, 104.0], FLAT]);
        let run = simulate_script(&up, &mut script(1, &[(0, &[-1.0])]), &options);
        assert_eq!(
            fills_of(&run),
            vec![
                (1, Side::Sell, 100.0, FillKind::Market),
                (2, Side::Buy, 105.0, FillKind::StopLoss)
            ]
        );
        let down = bars(&[FLAT, FLAT, [95.0, 96.0, 89.0, 90.0], FLAT]);
        let run = simulate_script(&down, &mut script(1, &[(0, &[-1.0])]), &options);
        assert_eq!(
            fills_of(&run)[1],
            (2, Side::Buy, 90.0, FillKind::TakeProfit)
        );
        assert_eq!(run.units(3, 0), 0.0);
    }

    #[test]
    fn after_an_exit_the_symbol_stays_flat_until_the_strategy_asks_for_a_new_target() {
        // Stopped out at bar 2; the strategy repeats its 1.0 at bar 2 and bar 3 (no new entry),
        // goes to 0.5 at bar 4 (a new target: bought at bar 5), as a strategy of several
        // symbols repeats one symbol's weight when another's changes.
        let down = [100.0, 101.0, 90.0, 95.0];
        let u = bars(&[FLAT, FLAT, down, FLAT, FLAT, FLAT, FLAT]);
        let at: &[(usize, &[f64])] = &[(0, &[1.0]), (2, &[1.0]), (3, &[1.0]), (4, &[0.5])];
        let run = simulate_script(&u, &mut script(1, at), &with_exits(Some(0.05), None));
        let bars_traded: Vec<usize> = run.fills.iter().map(|f| f.bar).collect();
        assert_eq!(bars_traded, vec![1, 2, 5]);
        assert_eq!(run.fills[2].kind, FillKind::Market);
        assert!((run.weight(5, 0, 100.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_fill_at_the_close_arms_its_exits_from_the_next_bar() {
        // Bought at bar 0's close (100): bar 0's own low of 90 came before the fill.
        let u = bars(&[[100.0, 101.0, 90.0, 100.0], FLAT, [99.0, 99.5, 94.0, 96.0]]);
        let options = EngineOptions {
            fill: FillMode::Close,
            ..with_exits(Some(0.05), None)
        };
        let run = simulate_script(&u, &mut script(1, &[(0, &[1.0])]), &options);
        assert_eq!(
            fills_of(&run),
            vec![
                (0, Side::Buy, 100.0, FillKind::Market),
                (2, Side::Sell, 95.0, FillKind::StopLoss)
            ]
        );
    }

    #[test]
    fn a_trailing_stop_rises_with_the_closes_and_sells_below_the_best() {
        let up = [110.0, 121.0, 109.0, 120.0];
        let drop = [115.0, 116.0, 100.0, 101.0];
        let u = bars(&[FLAT, FLAT, up, drop, FLAT]);
        let options = EngineOptions {
            exits: Exits {
                trailing_stop: Some(0.10),
                ..Exits::default()
            },
            ..EngineOptions::default()
        };
        let run = simulate_script(&u, &mut script(1, &[(0, &[1.0])]), &options);
        let stop = 120.0 - 0.10 * 120.0;
        assert_eq!(
            fills_of(&run)[1],
            (3, Side::Sell, stop, FillKind::TrailingStop)
        );
    }

    /// What the account said at one close: cash, units, equity, weight, entry, exit.
    type Seen = (f64, f64, f64, f64, Option<Entry>, Option<FillKind>);

    /// Buys at bar 0's close and records what its account says at every close.
    struct Reader {
        symbols: Vec<String>,
        seen: Vec<Seen>,
    }

    impl Strategy for Reader {
        fn symbols(&self) -> &[String] {
            &self.symbols
        }
        fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
            let a = history.account();
            self.seen.push((
                a.cash(),
                a.units(0),
                a.equity(),
                a.weight(0),
                a.entry(0),
                a.exited(0),
            ));
            (history.bar() == 0).then(|| vec![1.0])
        }
    }

    #[test]
    fn the_account_a_strategy_reads_at_each_close_is_the_run_at_that_close() {
        let u = bars(&[
            FLAT,
            [100.0, 104.0, 99.0, 103.0],
            FLAT,
            [100.0, 101.0, 90.0, 92.0],
            FLAT,
        ]);
        let mut reader = Reader {
            symbols: vec!["S0".into()],
            seen: Vec::new(),
        };
        let run = simulate("reader", &mut reader, &u, &with_exits(Some(0.05), None)).unwrap();
        assert_eq!(reader.seen.len(), 5, "one look per bar");
        for (t, (cash, units, equity, weight, _, _)) in reader.seen.iter().enumerate() {
            assert_eq!(*cash, run.cash[t], "bar {t}");
            assert_eq!(*units, run.units(t, 0), "bar {t}");
            assert_eq!(*equity, run.equity[t], "bar {t}");
            assert!((weight - run.weight(t, 0, u.series[0].close[t])).abs() < 1e-15);
        }
        let entry = Some(Entry {
            bar: 1,
            date: u.dates[1],
            price: 100.0,
        });
        assert_eq!(reader.seen[0].4, None, "flat before the fill");
        assert_eq!((reader.seen[1].4, reader.seen[2].4), (entry, entry));
        // Stopped out at 95 inside bar 3: the strategy sees it at that close, flat.
        assert_eq!(reader.seen[3].4, None);
        assert_eq!(reader.seen[3].5, Some(FillKind::StopLoss));
        assert_eq!(reader.seen[4].5, None, "only on the bar it happened");
    }

    fn financed(cash_rate: f64, margin_rate: f64, borrow_rate: f64) -> EngineOptions {
        EngineOptions {
            financing: Financing {
                cash_rate: CashRate::Fixed(cash_rate),
                margin_rate,
                borrow_rate,
                yields: None,
            },
            max_leverage: 2.0,
            ..EngineOptions::default()
        }
    }

    #[test]
    fn idle_cash_grows_by_the_rate_compounded_on_calendar_days() {
        let p = [10.0; 6];
        let mut u = universe(&[(&p, &p)]);
        // A Friday to Monday weekend and a long holiday among the stretches.
        let day = |d: u32| crate::Date::from_ymd_opt(2024, 3, d).unwrap();
        u.dates = vec![day(1), day(4), day(5), day(6), day(12), day(13)];
        let run = simulate_script(&u, &mut script(1, &[]), &financed(0.02, 0.0, 0.0));
        for (t, date) in u.dates.iter().enumerate() {
            let days = (*date - u.dates[0]).num_days() as f64;
            let expected = 100_000.0 * 1.02_f64.powf(days / 365.0);
            assert!(
                (run.equity[t] / expected - 1.0).abs() < 1e-9,
                "bar {t}: {} vs {expected}",
                run.equity[t]
            );
            assert_eq!(run.cash[t], run.equity[t]);
        }
        assert!((run.interest - (run.equity[5] - 100_000.0)).abs() < 1e-9);
    }

    #[test]
    fn borrowed_cash_pays_the_margin_rate_and_a_short_its_borrow_fee() {
        let p = [10.0; 3];
        let u = universe(&[(&p, &p)]);
        // 1.5 times equity bought at bar 1: 50,000 borrowed, paying 5% a year for a day.
        let run = simulate_script(
            &u,
            &mut script(1, &[(0, &[1.5])]),
            &financed(0.0, 0.05, 0.0),
        );
        assert!(
            (run.units(1, 0) - 15_000.0).abs() < 1e-6,
            "leverage applied, not capped"
        );
        let day = 1.05_f64.powf(1.0 / 365.0) - 1.0;
        assert!((run.cash[2] - (-50_000.0 * (1.0 + day))).abs() < 1e-6);
        assert!((run.interest + 50_000.0 * day).abs() < 1e-9);
        // Short 10,000 units at 10: 100,000 of shares borrowed at 1% a year for a day.
        let run = simulate_script(
            &u,
            &mut script(1, &[(0, &[-1.0])]),
            &financed(0.0, 0.0, 0.01),
        );
        let fee = 100_000.0 * (1.01_f64.powf(1.0 / 365.0) - 1.0);
        assert!((run.borrow_costs - fee).abs() < 1e-9);
        assert!((run.cash[2] - (200_000.0 - fee)).abs() < 1e-6);
    }

    /// Places scripted orders at given bars and records what expired at each close.
    struct OrderScript {
        symbols: Vec<String>,
        at: Vec<(usize, Order)>,
        expired: Vec<(usize, Order)>,
    }

    impl Strategy for OrderScript {
        fn symbols(&self) -> &[String] {
            &self.symbols
        }
        fn on_close(&mut self, history: &History<'_>, orders: &mut Orders) {
            let t = history.bar();
            for order in history.account().expired() {
                self.expired.push((t, *order));
            }
            for (_, order) in self.at.iter().filter(|(bar, _)| *bar == t) {
                orders.place(*order);
            }
        }
    }

    fn place(u: &Universe, at: &[(usize, Order)], options: &EngineOptions) -> (Run, OrderScript) {
        let mut strategy = OrderScript {
            symbols: vec!["S0".into()],
            at: at.to_vec(),
            expired: Vec::new(),
        };
        let run = simulate("orders", &mut strategy, u, options).unwrap();
        (run, strategy)
    }

    #[test]
    fn a_buy_limit_fills_where_the_low_reaches_it_at_the_limit_or_a_lower_open() {
        let buy = Order::new(0, Size::Weight(1.0)).limit(97.0);
        // Bar 1's low 99 does not reach 97; bar 2's 96 does: bought at 97.
        let u = bars(&[FLAT, FLAT, [99.0, 100.0, 96.0, 98.0], FLAT]);
        let (run, _) = place(&u, &[(0, buy)], &EngineOptions::default());
        assert_eq!(fills_of(&run), vec![(2, Side::Buy, 97.0, FillKind::Limit)]);
        assert!((run.units(2, 0) - 100_000.0 / 97.0).abs() < 1e-9);
        // Bar 2 opens at 95, below the limit: bought at that open.
        let u = bars(&[FLAT, FLAT, [95.0, 96.0, 94.0, 95.0], FLAT]);
        let (run, _) = place(&u, &[(0, buy)], &EngineOptions::default());
        assert_eq!(fills_of(&run), vec![(2, Side::Buy, 95.0, FillKind::Limit)]);
    }

    #[test]
    fn an_order_good_for_n_bars_expires_unfilled_at_the_close_of_its_last_and_is_seen_there() {
        let buy = Order::new(0, Size::Weight(1.0)).limit(97.0).good_for(2);
        // Live on bars 1 and 2 (lows 99), expired at bar 2's close; bar 3 would have filled.
        let u = bars(&[FLAT, FLAT, FLAT, [99.0, 100.0, 96.0, 98.0], FLAT]);
        let (run, strategy) = place(&u, &[(0, buy)], &EngineOptions::default());
        assert!(run.fills.is_empty());
        assert_eq!(strategy.expired, vec![(2, buy)]);
    }

    #[test]
    fn a_buy_stop_enters_on_a_break_out_with_its_own_bracket_sized_in_units_or_value() {
        let exits = Exits {
            stop_loss: Some(0.05),
            ..Exits::default()
        };
        let breakout = Order::new(0, Size::Units(100.0))
            .stop(102.0)
            .with_exits(exits);
        // Bar 2 trades up through 102: bought 100 units at 102; bar 3 falls through its
        // 96.9 stop-loss (102 × 0.95).
        let u = bars(&[
            FLAT,
            FLAT,
            [101.0, 103.0, 100.5, 102.5],
            [98.0, 98.0, 96.0, 97.0],
            FLAT,
        ]);
        let (run, _) = place(&u, &[(0, breakout)], &EngineOptions::default());
        let stop = 102.0 * (1.0 - 0.05);
        assert_eq!(
            fills_of(&run),
            vec![
                (2, Side::Buy, 102.0, FillKind::Stop),
                (3, Side::Sell, stop, FillKind::StopLoss)
            ]
        );
        assert_eq!(run.fills[0].units, 100.0);
        let value = Order::new(0, Size::Value(5_100.0)).stop(102.0);
        let (run, _) = place(&u, &[(0, value)], &EngineOptions::default());
        assert_eq!(run.fills[0].units, 50.0);
    }

    #[test]
    fn a_sell_limit_takes_profit_and_a_short_opened_by_order_has_its_stop_above() {
        // Long 1,000 units at bar 1's open (market order), then a sell limit at 105 to flat.
        let long = Order::new(0, Size::Units(1_000.0));
        let out = Order::new(0, Size::Units(0.0)).limit(105.0);
        let u = bars(&[FLAT, FLAT, FLAT, [104.0, 106.0, 103.0, 105.5], FLAT]);
        let (run, _) = place(&u, &[(0, long), (1, out)], &EngineOptions::default());
        assert_eq!(
            fills_of(&run),
            vec![
                (1, Side::Buy, 100.0, FillKind::Market),
                (3, Side::Sell, 105.0, FillKind::Limit)
            ]
        );
        let short = Order::new(0, Size::Weight(-1.0)).with_exits(Exits {
            stop_loss: Some(0.03),
            ..Exits::default()
        });
        let up = bars(&[FLAT, FLAT, [101.0, 104.0, 100.0, 103.0], FLAT]);
        let (run, _) = place(&up, &[(0, short)], &EngineOptions::default());
        assert_eq!(
            fills_of(&run)[1],
            (2, Side::Buy, 100.0 * 1.03, FillKind::StopLoss)
        );
    }

    #[test]
    fn orders_that_cannot_be_traded_are_refused_naming_the_strategy_and_date() {
        let u = bars(&[FLAT, FLAT]);
        for (order, expected) in [
            (Order::new(3, Size::Weight(1.0)), "symbol 3 of 1"),
            (Order::new(0, Size::Units(f64::NAN)), "size NaN"),
            (Order::new(0, Size::Weight(1.0)).limit(-1.0), "level of -1"),
            (
                Order::new(0, Size::Weight(1.0)).good_for(0),
                "good for 0 bars",
            ),
        ] {
            let mut strategy = OrderScript {
                symbols: vec!["S0".into()],
                at: vec![(0, order)],
                expired: Vec::new(),
            };
            let text = simulate("bad", &mut strategy, &u, &EngineOptions::default())
                .unwrap_err()
                .to_string();
            assert!(
                text.contains("strategy bad at the close of 2024-01-01"),
                "{text}"
            );
            assert!(text.contains(expected), "{text}");
        }
    }

    fn simulate_script_err(u: &Universe, at: &[(usize, &[f64])]) -> Error {
        let options = EngineOptions::default();
        simulate("script", &mut script(1, at), u, &options).unwrap_err()
    }

    /// Answers `first` at the close of its first bar, then panics at its second.
    struct Faulty {
        symbols: Vec<String>,
        first: Option<Targets>,
    }

    impl Strategy for Faulty {
        fn symbols(&self) -> &[String] {
            &self.symbols
        }
        fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
            assert!(history.bar() < 1, "index out of range in my indicator");
            self.first.clone()
        }
    }

    fn faulty(first: Option<Targets>) -> Faulty {
        Faulty {
            symbols: vec!["S0".into()],
            first,
        }
    }

    #[test]
    fn a_panic_in_strategy_code_is_an_error_naming_the_strategy_and_date() {
        let u = universe(&[(&[10.0, 11.0, 12.0], &[10.0, 11.0, 12.0])]);
        let options = EngineOptions::default();
        let err = simulate("faulty", &mut faulty(None), &u, &options).unwrap_err();
        assert_eq!(
            err.to_string(),
            "strategy faulty at the close of 2024-01-02: its code panicked: \
             index out of range in my indicator"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn a_refused_answer_is_the_error_even_when_the_strategy_panics_later() {
        // The engine asks for every answer before trading; the run must still stop at the
        // first problem in time, as if it had traded bar by bar.
        let u = universe(&[(&[10.0, 11.0, 12.0], &[10.0, 11.0, 12.0])]);
        let mut strategy = faulty(Some(vec![f64::NAN]));
        let err = simulate("bad", &mut strategy, &u, &EngineOptions::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("at the close of 2024-01-01"), "{text}");
        assert!(text.contains("NaN is not a finite number"), "{text}");
    }

    #[test]
    fn refused_targets_name_the_strategy_date_and_value() {
        let u = universe(&[(&[10.0, 11.0], &[10.0, 11.0])]);
        for (weights, expected) in [
            (vec![f64::NAN], "NaN is not a finite number"),
            (vec![1.5], "exceeds the leverage cap 1"),
            (vec![0.5, 0.5], "2 target weights for 1 symbols"),
        ] {
            let mut s = Script {
                symbols: vec!["S0".into()],
                at: vec![(1, weights)],
            };
            let err = simulate("bad", &mut s, &u, &EngineOptions::default()).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("strategy bad at the close of 2024-01-02"),
                "{text}"
            );
            assert!(text.contains(expected), "{text}");
        }
    }
}
