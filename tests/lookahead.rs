//! No look-ahead, proven without trusting any strategy's code: for every registered strategy,
//! rewrite every bar after a cut point (prices scaled and shaken) and check that every decision
//! made up to the cut is unchanged. Truncating the data would not do: a one-bar peek survives
//! truncation, it does not survive a rewrite.

mod common;

use std::path::Path;

use backtest::data::{Dataset, LoadOptions, PriceMode, Universe};
use backtest::engine::{EngineOptions, simulate};
use backtest::strategies::REGISTRY;
use backtest::strategy::{History, Params, Strategy, Targets};

/// Rewrites every bar after `cut`: each price multiplied by a factor that trends and wiggles,
/// with O, H, L, C of a bar scaled alike so bars stay valid.
fn rewrite_after(universe: &Universe, cut: usize, seed: f64) -> Universe {
    let mut future = universe.clone();
    for (k, series) in future.series.iter_mut().enumerate() {
        for t in cut + 1..series.close.len() {
            let x = (t - cut) as f64;
            let factor =
                (1.0 + 0.004 * x * (seed + k as f64).sin()) * (1.0 + 0.2 * (x * 0.7 + seed).sin());
            let factor = factor.max(0.05);
            for column in [
                &mut series.open,
                &mut series.high,
                &mut series.low,
                &mut series.close,
            ] {
                column[t] *= factor;
            }
        }
    }
    future
}

/// Builds a fresh strategy for the universe it will run on. Registered strategies ignore the
/// universe (they only ever see it through `History`); the cheat in the last test does not.
type Build<'a> = dyn Fn(&Universe) -> Box<dyn Strategy> + 'a;

/// The decisions of a fresh strategy over a universe.
fn decisions(build: &Build<'_>, universe: &Universe) -> Vec<(usize, Targets)> {
    let mut strategy = build(universe);
    simulate(
        "under test",
        strategy.as_mut(),
        universe,
        &EngineOptions::default(),
    )
    .expect("runs")
    .decisions
}

/// The first cut at which rewriting the future changed a past decision, if any.
fn first_peek(build: &Build<'_>, universe: &Universe) -> Option<usize> {
    let original = decisions(build, universe);
    let n = universe.len();
    let cuts = [60, n / 4, n / 2, 3 * n / 4, n - 2];
    cuts.into_iter().find(|&cut| {
        (0..3).any(|seed| {
            let rewritten = decisions(build, &rewrite_after(universe, cut, f64::from(seed)));
            let until_cut = |d: &Vec<(usize, Targets)>| -> Vec<(usize, Targets)> {
                d.iter().filter(|(bar, _)| *bar <= cut).cloned().collect()
            };
            until_cut(&rewritten) != until_cut(&original)
        })
    })
}

/// Checks one dataset for every registered strategy with its default parameters.
fn check_every_strategy(dataset: &Path, symbols: Option<&[&str]>, options: &LoadOptions) {
    let dataset = Dataset::open(&[dataset.to_path_buf()]).expect("dataset opens");
    let symbols: Vec<String> = match symbols {
        Some(list) => list.iter().map(ToString::to_string).collect(),
        None => dataset.symbols(),
    };
    for spec in REGISTRY {
        let params = Params::parse(spec, &[]).expect("defaults parse");
        let build = |_: &Universe| (spec.build)(&params, &symbols).expect("builds with defaults");
        let traded = (spec.build)(&params, &symbols)
            .expect("builds")
            .symbols()
            .to_vec();
        let (universe, _) = dataset
            .universe(&traded, options, PriceMode::Adjusted)
            .expect("loads");
        let made_decisions = decisions(&build, &universe).len();
        assert!(made_decisions > 0, "{}: never decided anything", spec.name);
        assert_eq!(
            first_peek(&build, &universe),
            None,
            "{} changed a past decision when the future was rewritten",
            spec.name
        );
    }
}

#[test]
fn no_strategy_sees_the_future_on_the_sample() {
    check_every_strategy(&common::sample(), None, &LoadOptions::default());
}

#[test]
fn no_strategy_sees_the_future_on_real_data() {
    let Some(dir) = common::market_data("look-ahead on real data") else {
        return;
    };
    let to = backtest::Date::from_ymd_opt(2026, 7, 31);
    let options = LoadOptions {
        to,
        ..LoadOptions::default()
    };
    check_every_strategy(
        &dir.join("close-adjusted-long"),
        Some(&["SPY", "GLD", "GDX", "SLV", "TLT"]),
        &options,
    );
    // Full OHLC bars (the folder above is close-only), with every symbol the defaults use.
    check_every_strategy(
        &dir.join("etf-ohlcv-2021-2026"),
        Some(&["GLD", "SLV", "GDX", "SPY"]),
        &LoadOptions::default(),
    );
}

/// A strategy that cheats through a side channel (it was handed the whole close series):
/// buys when tomorrow's close is higher. The check must catch it, or it proves nothing.
struct Peeker {
    symbols: Vec<String>,
    future: Vec<f64>,
}

impl Strategy for Peeker {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }
    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let t = history.bar();
        let up = self
            .future
            .get(t + 1)
            .is_some_and(|next| *next > self.future[t]);
        Some(vec![if up { 1.0 } else { 0.0 }])
    }
}

#[test]
fn the_check_catches_a_strategy_that_peeks_one_bar_ahead() {
    let dataset = Dataset::open(&[common::sample()]).unwrap();
    let (universe, _) = dataset
        .universe(
            &["GLD".into()],
            &LoadOptions::default(),
            PriceMode::Adjusted,
        )
        .unwrap();
    let cheat = |u: &Universe| -> Box<dyn Strategy> {
        Box::new(Peeker {
            symbols: vec!["GLD".into()],
            future: u.series[0].close.clone(),
        })
    };
    assert!(
        first_peek(&cheat, &universe).is_some(),
        "the peek must be caught"
    );
}
