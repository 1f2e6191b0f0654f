//! The worked examples of `strategies/README.md`, compiled and run on the sample: the code a
//! strategy author copies works as the guide says.

mod common;

use backtest::data::{Dataset, LoadOptions, PriceMode, Universe};
use backtest::engine::{EngineOptions, Exits, FillKind, Order, Orders, Size, simulate};
use backtest::indicators::{RollingMax, RollingStats};
use backtest::strategy::{History, Strategy, Targets};

fn gld() -> Universe {
    let dataset = Dataset::open(&[common::sample()]).expect("the sample opens");
    let (universe, _) = dataset
        .universe(
            &["GLD".into()],
            &LoadOptions::default(),
            PriceMode::Adjusted,
        )
        .expect("GLD loads");
    universe
}

/// The guide's second example: a limit bid under a new 50-day high, with a bracket.
struct Pullback {
    symbols: Vec<String>,
    high: RollingMax,
}

impl Strategy for Pullback {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn on_close(&mut self, history: &History<'_>, orders: &mut Orders) {
        let close = history.close(0)[history.bar()];
        let high = self.high.push(close);
        let flat = history.account().units(0) == 0.0;
        if flat && high == Some(close) {
            let bracket = Exits {
                stop_loss: Some(0.05),
                take_profit: Some(0.10),
                ..Exits::default()
            };
            orders.place(
                Order::new(0, Size::Weight(1.0))
                    .limit(close * 0.97)
                    .good_for(5)
                    .with_exits(bracket),
            );
        }
    }
}

#[test]
fn the_limit_entry_with_its_own_bracket_enters_on_limits_and_leaves_on_its_levels() {
    let universe = gld();
    let mut strategy = Pullback {
        symbols: vec!["GLD".into()],
        high: RollingMax::new(50),
    };
    let run = simulate(
        "pullback",
        &mut strategy,
        &universe,
        &EngineOptions::default(),
    )
    .unwrap();
    let count = |kind: FillKind| run.fills.iter().filter(|f| f.kind == kind).count();
    assert!(count(FillKind::Limit) > 5, "{:?}", run.fills.len());
    assert!(count(FillKind::StopLoss) > 0 && count(FillKind::TakeProfit) > 0);
    assert_eq!(
        count(FillKind::Limit),
        count(FillKind::StopLoss)
            + count(FillKind::TakeProfit)
            + usize::from(run.units(universe.len() - 1, 0) != 0.0),
        "every entry leaves by its bracket, or is still open"
    );
    for fill in run.fills.iter().filter(|f| f.kind == FillKind::Limit) {
        assert!(
            fill.price <= universe.series[0].open[fill.bar],
            "a limit buy never pays above the open"
        );
    }
}

/// The guide's third example: volatility targeting on the weight the account holds.
struct VolTarget {
    symbols: Vec<String>,
    returns: RollingStats,
}

impl Strategy for VolTarget {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let close = history.close(0);
        let t = history.bar();
        if t == 0 {
            return None;
        }
        let stats = self.returns.push(close[t] / close[t - 1] - 1.0)?;
        let volatility = stats.std * 252f64.sqrt();
        let wanted = (0.15 / volatility).min(1.0);
        let held = history.account().weight(0);
        ((held - wanted).abs() > 0.1).then(|| vec![wanted])
    }
}

#[test]
fn volatility_targeting_on_the_account_trades_only_when_the_weight_held_drifts() {
    let universe = gld();
    let mut strategy = VolTarget {
        symbols: vec!["GLD".into()],
        returns: RollingStats::new(20),
    };
    let run = simulate(
        "vol-target",
        &mut strategy,
        &universe,
        &EngineOptions::default(),
    )
    .unwrap();
    assert!(run.decisions.len() > 10, "{}", run.decisions.len());
    assert!(
        run.decisions.len() < universe.len() / 5,
        "not every bar: {}",
        run.decisions.len()
    );
    // Each answer came when the weight held at that close was more than 0.1 from the new one.
    for (bar, targets) in &run.decisions {
        let held = run.weight(*bar, 0, universe.series[0].close[*bar]);
        assert!(
            (held - targets[0]).abs() > 0.1,
            "bar {bar}: held {held}, wanted {}",
            targets[0]
        );
    }
}

/// Long GDX while gold closes above its 50-day average: gold read as a signal, not traded.
struct GoldSignal {
    symbols: Vec<String>,
    signals: Vec<String>,
    average: backtest::indicators::RollingMean,
    long: bool,
    /// Whether `history.signal(0)` was the signal's closes up to the bar, on every bar.
    seen: Vec<f64>,
}

impl Strategy for GoldSignal {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn signals(&self) -> &[String] {
        &self.signals
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let gold = history.signal(0);
        assert_eq!(
            gold.len(),
            history.bar() + 1,
            "a signal ends at the current bar"
        );
        self.seen.push(gold[history.bar()]);
        let above = gold[history.bar()] > self.average.push(gold)?;
        (above != self.long).then(|| {
            self.long = above;
            vec![if above { 1.0 } else { 0.0 }]
        })
    }
}

#[test]
fn a_signal_series_is_read_at_each_close_and_never_traded() {
    let request = backtest::run::RunRequest::new("buy-and-hold", common::sample());
    let setup = backtest::run::Setup::new(&request).unwrap();
    let mut strategy = GoldSignal {
        symbols: vec!["GDX".into()],
        signals: vec!["GLD".into()],
        average: backtest::indicators::RollingMean::new(50),
        long: false,
        seen: Vec::new(),
    };
    let market = setup
        .market(&backtest::strategy::Reads::of(&strategy))
        .unwrap();
    let universe = &market.universe;
    assert_eq!(
        universe.series[1].symbol, "GLD",
        "the signal follows the traded symbol"
    );
    let run = simulate(
        "gold-signal",
        &mut strategy,
        universe,
        &EngineOptions::default(),
    )
    .unwrap();
    assert_eq!(
        strategy.seen, universe.series[1].close,
        "gold's close at every bar"
    );
    assert!(run.fills.len() > 10 && run.fills.iter().all(|f| f.symbol == 0));
    assert_eq!(run.symbols, 1, "only GDX is held");
}
