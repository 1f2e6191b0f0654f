//! Are mining stocks a defensive play? Hold the market in normal times and rotate into the
//! defensive asset (gold miners by default) when a risk-off regime is seen at the close.
//!
//! The two symbols come from the parameters `market` and `defensive` (the `--symbols` of the
//! run are ignored); targets are `[market, defensive]`. The regime at the close of bar `t` uses
//! the market's closes `0..=t` only:
//!
//! - `regime=trend`: risk-off when `close[t]` is strictly below the simple moving average of the
//!   last `trend_days` closes (`close[t]` included).
//! - `regime=drawdown`: risk-off when `close[t] / max(close[t-high_days+1..=t]) - 1 < -drawdown`.
//! - `regime=volatility`: risk-off when the sample standard deviation (ddof 1) of the last
//!   `vol_days` daily log returns `ln(close[i] / close[i-1])`, times √252, exceeds
//!   `vol_threshold`.
//!
//! Until the chosen indicator has its whole window (bar `trend_days - 1`, `high_days - 1` or
//! `vol_days` respectively) the regime is risk-on.
//!
//! - `mode=rotate`: `[1, 0]` while risk-on, `[0, 1]` while risk-off; emitted at bar 0 and at the
//!   close of every bar where the regime changes (filled at the next open).
//! - `mode=blend`: ignores the regime and holds `[1 - blend, blend]`, emitted at bar 0 and again
//!   (a rebalance back to those weights) at the close of the first bar of each new calendar
//!   month, i.e. a bar whose date's year or month differs from the previous bar's.

use chrono::Datelike as _;

use crate::Date;
use crate::indicators::{RollingMax, RollingMean, RollingStats};
use crate::strategy::{History, ParamSpec, Params, Strategy, StrategySpec, Targets};

/// Registry entry.
pub const SPEC: StrategySpec = StrategySpec {
    name: "defensive-miners",
    summary: "Hold the market; rotate into the defensive asset (miners) in a risk-off regime",
    params: &[
        ParamSpec {
            name: "market",
            default: "SPY",
            help: "symbol held in normal times",
        },
        ParamSpec {
            name: "defensive",
            default: "GDX",
            help: "symbol held in a risk-off regime",
        },
        ParamSpec {
            name: "regime",
            default: "trend",
            help: "risk-off signal on the market: trend, drawdown or volatility",
        },
        ParamSpec {
            name: "trend_days",
            default: "200",
            help: "trend: risk-off when the close is below its SMA of this many bars",
        },
        ParamSpec {
            name: "drawdown",
            default: "0.10",
            help: "drawdown: risk-off when the close is more than this fraction below its high",
        },
        ParamSpec {
            name: "high_days",
            default: "252",
            help: "drawdown: bars over which the high is taken (current bar included)",
        },
        ParamSpec {
            name: "vol_days",
            default: "20",
            help: "volatility: daily log returns in the standard deviation",
        },
        ParamSpec {
            name: "vol_threshold",
            default: "0.25",
            help: "volatility: risk-off above this annualised volatility (std x sqrt 252)",
        },
        ParamSpec {
            name: "mode",
            default: "rotate",
            help: "rotate (all market or all defensive by regime) or blend (fixed weights)",
        },
        ParamSpec {
            name: "blend",
            default: "0.25",
            help: "blend: fraction in the defensive asset, rebalanced monthly",
        },
    ],
    build,
};

fn build(params: &Params, _symbols: &[String]) -> crate::Result<Box<dyn Strategy>> {
    let (market, defensive) = params.symbol_pair("market", "defensive")?;
    let regime = params.choice("regime", &["trend", "drawdown", "volatility"])?;
    let trend_days = params.whole("trend_days", 2)?;
    let drawdown = fraction(params, "drawdown")?;
    let high_days = params.whole("high_days", 2)?;
    let vol_days = params.whole("vol_days", 2)?;
    let vol_threshold = params.number("vol_threshold")?;
    if vol_threshold <= 0.0 {
        return Err(params.invalid("vol_threshold", "a positive number"));
    }
    let mode = params.choice("mode", &["rotate", "blend"])?;
    let blend = fraction(params, "blend")?;
    let mode = match mode {
        "blend" => Mode::Blend {
            weights: vec![1.0 - blend, blend],
            previous: None,
        },
        _ => Mode::Rotate {
            regime: match regime {
                "drawdown" => Regime::Drawdown {
                    high: RollingMax::new(high_days),
                    limit: -drawdown,
                },
                "volatility" => Regime::Volatility {
                    returns: RollingStats::new(vol_days),
                    threshold: vol_threshold,
                },
                _ => Regime::Trend(RollingMean::new(trend_days)),
            },
            risk_off: false,
        },
    };
    Ok(Box::new(DefensiveMiners {
        symbols: vec![market, defensive],
        mode,
    }))
}

/// A parameter strictly between 0 and 1.
fn fraction(params: &Params, name: &str) -> crate::Result<f64> {
    params
        .number(name)
        .ok()
        .filter(|v| *v > 0.0 && *v < 1.0)
        .ok_or_else(|| params.invalid(name, "a fraction strictly between 0 and 1"))
}

struct DefensiveMiners {
    symbols: Vec<String>,
    mode: Mode,
}

enum Mode {
    Rotate {
        regime: Regime,
        /// The regime decided at the previous bar's close.
        risk_off: bool,
    },
    Blend {
        weights: Targets,
        /// Date of the previous bar, to see the first bar of a month.
        previous: Option<Date>,
    },
}

/// A risk-off indicator on the market's closes, updated once per bar.
enum Regime {
    Trend(RollingMean),
    Drawdown {
        high: RollingMax,
        limit: f64,
    },
    Volatility {
        returns: RollingStats,
        threshold: f64,
    },
}

impl Regime {
    /// Whether the market is risk-off at the close of the last bar of `close`; false until the
    /// indicator has its whole window.
    fn risk_off(&mut self, close: &[f64]) -> bool {
        let now = close[close.len() - 1];
        match self {
            Regime::Trend(mean) => mean.push(close).is_some_and(|m| now < m),
            Regime::Drawdown { high, limit } => {
                high.push(now).is_some_and(|h| now / h - 1.0 < *limit)
            }
            Regime::Volatility { returns, threshold } => {
                let [.., before, _] = close else {
                    return false;
                };
                returns
                    .push((now / before).ln())
                    .is_some_and(|s| s.std * 252f64.sqrt() > *threshold)
            }
        }
    }
}

impl Strategy for DefensiveMiners {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let first = history.bar() == 0;
        match &mut self.mode {
            Mode::Rotate { regime, risk_off } => {
                let now = regime.risk_off(history.close(0));
                let changed = now != *risk_off;
                *risk_off = now;
                (first || changed).then(|| if now { vec![0.0, 1.0] } else { vec![1.0, 0.0] })
            }
            Mode::Blend { weights, previous } => {
                let date = history.date();
                let new_month =
                    previous.is_some_and(|p| (p.year(), p.month()) != (date.year(), date.month()));
                *previous = Some(date);
                (first || new_month).then(|| weights.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing::{build, run, start, universe};

    const ON: [f64; 2] = [1.0, 0.0];
    const OFF: [f64; 2] = [0.0, 1.0];

    fn decisions(pairs: &[&str], market: Vec<f64>) -> Vec<(usize, Vec<f64>)> {
        let n = market.len();
        let u = universe(&[("SPY", market), ("GDX", vec![30.0; n])]);
        run(&SPEC, pairs, &u).1.decisions
    }

    #[test]
    fn trend_rotates_into_the_defensive_asset_on_the_bar_the_market_closes_below_its_average() {
        // SMA(5) at bar 6 is 103.4 > 103 (close below); back above at bar 9 (SMA 104.8 < 110).
        let market = vec![
            100., 101., 102., 103., 104., 105., 103., 103., 103., 110., 111.,
        ];
        assert_eq!(
            decisions(&["trend_days=5"], market),
            vec![(0, ON.to_vec()), (6, OFF.to_vec()), (9, ON.to_vec())]
        );
    }

    #[test]
    fn trend_is_risk_on_until_the_average_has_its_window() {
        // Falling from the start: below any average, but SMA(5) exists only from bar 4.
        let market = vec![100., 99., 98., 97., 96., 95.];
        assert_eq!(
            decisions(&["trend_days=5"], market),
            vec![(0, ON.to_vec()), (4, OFF.to_vec())]
        );
    }

    #[test]
    fn drawdown_triggers_when_the_close_falls_more_than_the_limit_below_its_high() {
        // High 100 at bar 2; 91 is -9% (not yet), 89 is -11% (risk-off); at bar 7 the 100 has
        // left the 5-bar window, the high is 95 and 89 is only -6.3% below it.
        let market = vec![90., 95., 100., 95., 91., 89., 89., 89., 89.];
        assert_eq!(
            decisions(&["regime=drawdown", "drawdown=0.10", "high_days=5"], market),
            vec![(0, ON.to_vec()), (5, OFF.to_vec()), (7, ON.to_vec())]
        );
    }

    #[test]
    fn volatility_triggers_when_annualised_volatility_exceeds_the_threshold() {
        // Calm 0.1% steps, then alternating +-5% days.
        let mut market: Vec<f64> = (0..10).map(|i| 100.0 * 1.001f64.powi(i)).collect();
        let last = market[9];
        market.extend([last * 1.05, last, last * 1.05, last]);
        let got = decisions(
            &["regime=volatility", "vol_days=4", "vol_threshold=0.5"],
            market,
        );
        // Bar 10: returns (.001, .001, .001, .049) have std 2.4%, 38% a year: still risk-on;
        // bar 11 adds -4.9%: std 4.0%, 63% a year.
        assert_eq!(got, vec![(0, ON.to_vec()), (11, OFF.to_vec())]);
    }

    #[test]
    fn blend_rebalances_exactly_on_the_first_bar_of_each_month() {
        // Daily bars from 2024-01-01 to 2024-03-31: February starts at bar 31, March at bar 60.
        let n = 91;
        let market: Vec<f64> = (0..n).map(|i| 100.0 + f64::from(i)).collect();
        let got = decisions(&["mode=blend", "blend=0.25"], market);
        let bars: Vec<usize> = got.iter().map(|(t, _)| *t).collect();
        assert_eq!(bars, vec![0, 31, 60]);
        assert!(got.iter().all(|(_, w)| *w == vec![0.75, 0.25]));
        assert_eq!(
            start() + chrono::Days::new(31),
            Date::from_ymd_opt(2024, 2, 1).unwrap()
        );
    }

    #[test]
    fn rotate_trades_the_market_then_the_defensive_asset() {
        let market = vec![100., 101., 102., 103., 104., 105., 103., 103., 103.];
        let n = market.len();
        let u = universe(&[("SPY", market), ("GDX", vec![30.0; n])]);
        let (_, run) = run(&SPEC, &["trend_days=5"], &u);
        // Bought at bar 1's open, switched at bar 7's open.
        assert!(run.units(1, 0) > 0.0 && run.units(1, 1) == 0.0);
        assert!(run.units(7, 0) == 0.0 && run.units(7, 1) > 0.0);
    }

    #[test]
    fn takes_its_symbols_from_its_parameters() {
        let strategy = build(&SPEC, &["market=QQQ", "defensive=GLD"]).unwrap();
        assert_eq!(strategy.symbols(), ["QQQ", "GLD"]);
    }

    #[test]
    fn bad_parameters_are_errors_naming_the_parameter() {
        for (pairs, name) in [
            (&["defensive=SPY"][..], "defensive"),
            (&["defensive=spy"][..], "defensive"),
            (&["regime=nope"][..], "regime"),
            (&["mode=hedge"][..], "mode"),
            (&["drawdown=1"][..], "drawdown"),
            (&["blend=0"][..], "blend"),
            (&["trend_days=1"][..], "trend_days"),
            (&["high_days=x"][..], "high_days"),
            (&["vol_days=1"][..], "vol_days"),
            (&["vol_threshold=-0.1"][..], "vol_threshold"),
            (&["market="][..], "market"),
        ] {
            let message = build(&SPEC, pairs).err().expect("refused").to_string();
            assert!(
                message.contains(&format!("parameter {name} ")),
                "{pairs:?}: {message}"
            );
        }
    }
}
