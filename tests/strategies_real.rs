//! The questions on real data, pinned: each strategy's headline numbers on
//! `../shared/market-data`, so that any change to a strategy, the engine or the loader that
//! moves them is seen. The numbers are the ones the README's "What the data says" quotes.

mod common;

use std::path::Path;

use backtest::Date;
use backtest::data::LoadOptions;
use backtest::run::{RunReport, RunRequest, execute};

fn run(dir: &Path, folder: &str, strategy: &str, params: &[&str], to: Option<Date>) -> RunReport {
    execute(&RunRequest {
        params: params.iter().map(ToString::to_string).collect(),
        load: LoadOptions {
            to,
            ..LoadOptions::default()
        },
        ..RunRequest::new(strategy, dir.join(folder))
    })
    .expect("runs on real data")
}

/// Headline numbers of one run.
struct Pin {
    total_return: f64,
    sharpe: f64,
    max_drawdown: f64,
    trades: usize,
}

fn assert_pinned(case: &str, report: &RunReport, pin: &Pin) {
    let m = &report.summary.metrics;
    let close = |ours: f64, pinned: f64| common::relative(ours, pinned) < 1e-9;
    assert!(
        close(m.performance.total_return, pin.total_return),
        "{case}: total return {}",
        m.performance.total_return
    );
    let sharpe = m.performance.sharpe.unwrap();
    assert!(close(sharpe, pin.sharpe), "{case}: Sharpe {sharpe}");
    assert!(
        close(m.performance.max_drawdown, pin.max_drawdown),
        "{case}: max drawdown {}",
        m.performance.max_drawdown
    );
    assert_eq!(m.activity.trades, pin.trades, "{case}: trades");
    assert_eq!(
        report.summary.options.benchmark, "SPY",
        "{case}: SPY is the benchmark"
    );
}

fn july_2026() -> Option<Date> {
    Date::from_ymd_opt(2026, 7, 31)
}

#[test]
fn defensive_miners_on_real_history() {
    let Some(dir) = common::market_data("defensive-miners on real data") else {
        return;
    };
    let gdx = run(
        &dir,
        "close-adjusted-long",
        "defensive-miners",
        &[],
        july_2026(),
    );
    assert_pinned(
        "into GDX",
        &gdx,
        &Pin {
            total_return: 14.181_805_993_632_874,
            sharpe: 0.611_614_770_779_406_5,
            max_drawdown: -0.731_635_540_221_374_6,
            trades: 113,
        },
    );
    let crisis = &gdx.summary.stress_windows[0];
    assert_eq!(crisis.name, "financial-crisis");
    assert!(
        crisis.strategy_max_drawdown < crisis.benchmark_max_drawdown,
        "rotating into miners deepened the 2008 drawdown"
    );
    let gld = run(
        &dir,
        "close-adjusted-long",
        "defensive-miners",
        &["defensive=GLD"],
        july_2026(),
    );
    assert_eq!(gld.summary.dataset.first_date.to_string(), "2004-11-18");
}

#[test]
fn parabolic_reversion_on_real_silver() {
    let Some(dir) = common::market_data("parabolic-reversion on real data") else {
        return;
    };
    let exit = run(&dir, "etf-ohlcv-raw", "parabolic-reversion", &[], None);
    assert_pinned(
        "SLV, exit",
        &exit,
        &Pin {
            total_return: 2.184_967_414_396_062,
            sharpe: 0.340_811_662_729_715_86,
            max_drawdown: -0.730_324_217_540_397,
            trades: 34,
        },
    );
    let events = exit
        .summary
        .events
        .as_ref()
        .expect("a signal strategy has an event study");
    assert_eq!(events.symbol, "SLV");
    assert_eq!(events.signals.len(), 59);
    let twenty = &events.horizons[1];
    assert_eq!(
        (twenty.bars, twenty.events, twenty.independent),
        (20, 59, 32)
    );
    let short = run(
        &dir,
        "etf-ohlcv-raw",
        "parabolic-reversion",
        &["mode=short"],
        None,
    );
    assert_pinned(
        "SLV, short",
        &short,
        &Pin {
            total_return: 0.208_757_470_371_471_4,
            sharpe: 0.202_838_722_809_890_13,
            max_drawdown: -0.730_085_016_352_857_2,
            trades: 65,
        },
    );
}

#[test]
fn miners_vs_metal_on_real_history() {
    let Some(dir) = common::market_data("miners-vs-metal on real data") else {
        return;
    };
    let report = run(
        &dir,
        "close-adjusted-long",
        "miners-vs-metal",
        &[],
        july_2026(),
    );
    assert_pinned(
        "GDX against GLD",
        &report,
        &Pin {
            total_return: 3.475_386_549_515_381,
            sharpe: 0.388_424_056_942_550_5,
            max_drawdown: -0.722_098_320_319_108_7,
            trades: 191,
        },
    );
    assert!(
        report.summary.events.is_none(),
        "no discrete signal, no event study"
    );
}

#[test]
fn stops_inside_the_bar_on_real_history() {
    let Some(dir) = common::market_data("stops on real data") else {
        return;
    };
    let trail = run(
        &dir,
        "etf-ohlcv-raw",
        "parabolic-reversion",
        &["mode=trail"],
        None,
    );
    assert_pinned(
        "SLV, trailing stop after a parabola",
        &trail,
        &Pin {
            total_return: 2.280_418_310_183_552_2,
            sharpe: 0.344_589_240_792_186_84,
            max_drawdown: -0.754_698_908_234_209_6,
            trades: 13,
        },
    );
    let short = run(
        &dir,
        "etf-ohlcv-raw",
        "parabolic-reversion",
        &["mode=short", "stop=0.08"],
        None,
    );
    assert_pinned(
        "SLV, short with an 8% stop",
        &short,
        &Pin {
            total_return: 0.219_869_022_538_900_4,
            sharpe: 0.189_367_697_608_341_3,
            max_drawdown: -0.734_284_576_763_180_7,
            trades: 65,
        },
    );
    assert_eq!(short.summary.metrics.activity.exits.stop_loss, 9);
    let stopped = execute(&RunRequest {
        load: LoadOptions {
            to: july_2026(),
            ..LoadOptions::default()
        },
        engine: backtest::engine::EngineOptions {
            exits: backtest::engine::Exits {
                stop_loss: Some(0.10),
                ..backtest::engine::Exits::default()
            },
            ..backtest::engine::EngineOptions::default()
        },
        ..RunRequest::new("defensive-miners", dir.join("close-adjusted-long"))
    })
    .expect("runs");
    assert_pinned(
        "rotation into GDX with a 10% stop-loss",
        &stopped,
        &Pin {
            total_return: 4.208_428_733_700_411,
            sharpe: 0.564_485_433_170_170_6,
            max_drawdown: -0.375_424_051_227_845_17,
            trades: 113,
        },
    );
}
