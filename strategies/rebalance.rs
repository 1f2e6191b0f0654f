//! Fixed weights, rebalanced on a calendar: "60% stocks, 40% gold, back to target every month".
//!
//! The symbols and their target weights come from the parameter `weights`
//! (`SPY:0.6,GLD:0.4`; the `--symbols` of the run are ignored); what the weights leave out
//! stays in cash, and a negative weight is a short. At the close of bar 0, and at the close of
//! each period's last bar (`every`: a week, month, quarter or year of the calendar, or a
//! number of bars), the strategy answers the target weights, which fill at the next open: the
//! first bar of the next period. With `band` above 0 it answers only when some weight has
//! drifted more than `band` from its target at that close (read from its account), so a
//! portfolio near its targets is left alone.
//!
//! The engine sizes each rebalance against equity at the fill's prices, sells before buys,
//! and records the fills as kind `rebalance`.

use crate::calendar::Period;
use crate::strategy::{History, ParamSpec, Params, Strategy, StrategySpec, Targets};

/// Registry entry.
pub const SPEC: StrategySpec = StrategySpec {
    name: "rebalance",
    summary: "Fixed target weights (weights=SPY:0.6,GLD:0.4), rebalanced every week, month, quarter, year or N bars",
    params: &[
        ParamSpec {
            name: "weights",
            default: "SPY:0.6,GLD:0.4",
            help: "SYMBOL:WEIGHT pairs, separated by commas; the rest is cash, negative is short",
        },
        ParamSpec {
            name: "every",
            default: "month",
            help: "week, month, quarter, year, or a number of bars: rebalanced at the close of each one's last bar",
        },
        ParamSpec {
            name: "band",
            default: "0",
            help: "rebalance only when a weight has drifted more than this from its target (0: always)",
        },
    ],
    build,
};

fn build(params: &Params, _symbols: &[String]) -> crate::Result<Box<dyn Strategy>> {
    let (symbols, weights) = parse_weights(params)?;
    let every = params
        .text("every")
        .parse::<Period>()
        .map_err(|expected| params.invalid("every", &expected))?;
    let band = params.number_in("band", 0.0..=1.0)?;
    Ok(Box::new(Rebalance {
        symbols,
        weights,
        every,
        band,
    }))
}

/// The symbols and weights of `SYMBOL:WEIGHT,...`.
fn parse_weights(params: &Params) -> crate::Result<(Vec<String>, Targets)> {
    let expected = "SYMBOL:WEIGHT pairs separated by commas, each symbol once, each weight a number";
    let mut symbols: Vec<String> = Vec::new();
    let mut weights = Targets::new();
    for pair in params.text("weights").split(',') {
        let (symbol, weight) = pair
            .split_once(':')
            .map(|(s, w)| (s.trim(), w.trim().parse::<f64>()))
            .ok_or_else(|| params.invalid("weights", expected))?;
        let weight = weight
            .ok()
            .filter(|w| w.is_finite())
            .ok_or_else(|| params.invalid("weights", expected))?;
        if symbol.is_empty() || symbols.iter().any(|s| s.eq_ignore_ascii_case(symbol)) {
            return Err(params.invalid("weights", expected));
        }
        symbols.push(symbol.to_string());
        weights.push(weight);
    }
    Ok((symbols, weights))
}

struct Rebalance {
    symbols: Vec<String>,
    weights: Targets,
    every: Period,
    band: f64,
}

impl Strategy for Rebalance {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn rebalances(&self) -> bool {
        true
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let first = history.bar() == 0;
        if !first && !history.last_of(self.every) {
            return None;
        }
        let account = history.account();
        let drifted = || {
            self.weights
                .iter()
                .enumerate()
                .any(|(s, target)| (account.weight(s) - target).abs() > self.band)
        };
        (first || self.band == 0.0 || drifted()).then(|| self.weights.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing;

    #[test]
    fn weights_parse_and_bad_ones_are_refused_naming_the_parameter() {
        let good = testing::build(&SPEC, &["weights=GLD:0.5, SLV:-0.25"]).unwrap();
        assert_eq!(good.symbols(), ["GLD", "SLV"]);
        for bad in ["GLD", "GLD:x", "GLD:0.5,gld:0.5", ":0.5", "GLD:inf"] {
            let error = testing::build(&SPEC, &[&format!("weights={bad}")])
                .err()
                .unwrap()
                .to_string();
            assert!(error.contains("parameter weights"), "{bad}: {error}");
        }
        let error = testing::build(&SPEC, &["every=monthly"]).err().unwrap().to_string();
        assert!(error.contains("parameter every"), "{error}");
    }

    #[test]
    fn it_answers_at_the_first_close_and_each_periods_last() {
        // One bar a day from Monday 2024-01-01: Sunday the 7th ends the first ISO week.
        let u = testing::universe(&[("A", vec![10.0; 20]), ("B", vec![20.0; 20])]);
        let (_, run) = testing::run(&SPEC, &["weights=A:0.5,B:0.5", "every=week"], &u);
        let bars: Vec<usize> = run.decisions.iter().map(|(bar, _)| *bar).collect();
        assert_eq!(bars, vec![0, 6, 13, 19], "Sundays, and the last bar");
        assert!(run.fills.iter().all(|f| f.kind == crate::engine::FillKind::Rebalance));
        let (_, run) = testing::run(&SPEC, &["weights=A:0.5,B:0.5", "every=5"], &u);
        let bars: Vec<usize> = run.decisions.iter().map(|(bar, _)| *bar).collect();
        assert_eq!(bars, vec![0, 4, 9, 14, 19]);
    }

    #[test]
    fn a_band_leaves_a_portfolio_near_its_targets_alone() {
        // A doubles over the first ten bars: its weight goes from 0.5 to 2/3, beyond a band
        // of 0.1 only after it has risen 50% (weight 0.6).
        let a: Vec<f64> = (0..30).map(|t| 10.0 + f64::from(t.min(10))).collect();
        let u = testing::universe(&[("A", a), ("B", vec![10.0; 30])]);
        let (_, run) = testing::run(&SPEC, &["weights=A:0.5,B:0.5", "every=1", "band=0.1"], &u);
        let bars: Vec<usize> = run.decisions.iter().map(|(bar, _)| *bar).collect();
        // A's weight at the close of bar t is (10 + t) / (10 + t + 10) against the units
        // bought at bar 1's open (11): above 0.6 from a close of 16.5 on, bar 7 (17).
        assert_eq!(bars[0], 0);
        assert_eq!(bars[1], 7, "{bars:?}");
        assert!(bars.len() < 10, "not every bar: {bars:?}");
    }
}
