//! Miners against their metal: relative value on the log price ratio ("miners have become
//! incredibly expensive next to the metal").
//!
//! The two symbols come from the parameters `miners` and `metal` (the `--symbols` of the run
//! are ignored); targets are `[miners, metal]`. At the close of bar `t`:
//!
//! - the spread is `s[t] = ln(close_miners[t] / close_metal[t])`;
//! - its z-score is `z[t] = (s[t] - mean) / std`, the mean and sample standard deviation
//!   (ddof 1) being those of `s[t-lookback+1] ..= s[t]` (the current bar included);
//! - `z < -band`: miners cheap, hold all miners `[1, 0]`; `z > band`: miners dear, hold all
//!   metal `[0, 1]`; otherwise (and before `lookback` bars exist, and if the spread has not
//!   moved at all over the window) neutral, `[0.5, 0.5]`.
//!
//! Targets are emitted at bar 0 and at the close of every bar where the state changes (filled
//! at the next open); between changes the weights drift with prices.

use crate::indicators::RollingStats;
use crate::strategy::{History, ParamSpec, Params, Strategy, StrategySpec, Targets};

/// Registry entry.
pub const SPEC: StrategySpec = StrategySpec {
    name: "miners-vs-metal",
    summary: "All miners when cheap next to the metal (z of log ratio < -band), all metal when dear",
    params: &[
        ParamSpec {
            name: "miners",
            default: "GDX",
            help: "the mining equities",
        },
        ParamSpec {
            name: "metal",
            default: "GLD",
            help: "their metal",
        },
        ParamSpec {
            name: "lookback",
            default: "252",
            help: "bars of the log ratio's mean and standard deviation (current bar included)",
        },
        ParamSpec {
            name: "band",
            default: "1.0",
            help: "z-score beyond which miners are cheap (below -band) or dear (above band)",
        },
    ],
    build,
};

fn build(params: &Params, _symbols: &[String]) -> crate::Result<Box<dyn Strategy>> {
    let (miners, metal) = params.symbol_pair("miners", "metal")?;
    let lookback = params.whole("lookback", 20)?;
    let band = params.number("band")?;
    if band <= 0.0 {
        return Err(params.invalid("band", "a positive number"));
    }
    Ok(Box::new(MinersVsMetal {
        symbols: vec![miners, metal],
        spread: RollingStats::new(lookback),
        band,
        state: State::Neutral,
    }))
}

struct MinersVsMetal {
    symbols: Vec<String>,
    /// The last `lookback` values of the log ratio.
    spread: RollingStats,
    band: f64,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Miners cheap next to the metal: all miners.
    Cheap,
    Neutral,
    /// Miners dear next to the metal: all metal.
    Dear,
}

impl State {
    fn targets(self) -> Targets {
        match self {
            State::Cheap => vec![1.0, 0.0],
            State::Neutral => vec![0.5, 0.5],
            State::Dear => vec![0.0, 1.0],
        }
    }
}

impl Strategy for MinersVsMetal {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let t = history.bar();
        let s = (history.close(0)[t] / history.close(1)[t]).ln();
        let state = match self.spread.push(s) {
            Some(w) if w.std > 0.0 && (s - w.mean) / w.std < -self.band => State::Cheap,
            Some(w) if w.std > 0.0 && (s - w.mean) / w.std > self.band => State::Dear,
            _ => State::Neutral,
        };
        let changed = state != self.state;
        self.state = state;
        (t == 0 || changed).then(|| state.targets())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing::{build, run, universe};

    const NEUTRAL: [f64; 2] = [0.5, 0.5];
    const MINERS: [f64; 2] = [1.0, 0.0];
    const METAL: [f64; 2] = [0.0, 1.0];

    /// A metal drifting up 0.1% a bar and miners at `0.3 × metal × e^spread`, the spread
    /// alternating ±0.01 (|z| ≈ 0.97 over 20 bars: inside a band of 1) except at `spikes`.
    fn pair(n: usize, spikes: &[(usize, f64)]) -> crate::data::Universe {
        let metal: Vec<f64> = (0..n).map(|t| 100.0 * (1.0 + 0.001 * t as f64)).collect();
        let miners = (0..n)
            .map(|t| {
                let wiggle = if t % 2 == 0 { 0.01 } else { -0.01 };
                let spread = spikes
                    .iter()
                    .find(|(bar, _)| *bar == t)
                    .map_or(wiggle, |(_, s)| *s);
                0.3 * metal[t] * spread.exp()
            })
            .collect();
        universe(&[("GDX", miners), ("GLD", metal)])
    }

    fn decisions(spikes: &[(usize, f64)]) -> Vec<(usize, Vec<f64>)> {
        run(&SPEC, &["lookback=20", "band=1"], &pair(50, spikes)).1.decisions
    }

    #[test]
    fn a_spread_far_below_its_mean_buys_miners_and_far_above_buys_metal() {
        assert_eq!(
            decisions(&[(30, -0.1), (40, 0.1)]),
            vec![
                (0, NEUTRAL.to_vec()),
                (30, MINERS.to_vec()),
                (31, NEUTRAL.to_vec()),
                (40, METAL.to_vec()),
                (41, NEUTRAL.to_vec()),
            ]
        );
    }

    #[test]
    fn a_spread_inside_the_band_stays_fifty_fifty() {
        assert_eq!(decisions(&[]), vec![(0, NEUTRAL.to_vec())]);
    }

    #[test]
    fn nothing_is_cheap_or_dear_before_lookback_bars_exist() {
        // A spike at bar 10 is extreme against bars 0..=10, but there are not 20 of them; by
        // bar 19 it is one value among 20 and the wiggle around it is inside the band.
        assert_eq!(decisions(&[(10, -0.1)]), vec![(0, NEUTRAL.to_vec())]);
    }

    #[test]
    fn the_window_includes_the_current_bar() {
        // The first full window ends at bar 19: a spike there is judged at once.
        assert_eq!(
            decisions(&[(19, 0.1)]),
            vec![
                (0, NEUTRAL.to_vec()),
                (19, METAL.to_vec()),
                (20, NEUTRAL.to_vec())
            ]
        );
    }

    #[test]
    fn takes_its_symbols_from_its_parameters() {
        let strategy = build(&SPEC, &["miners=GDXJ", "metal=SLV"]).unwrap();
        assert_eq!(strategy.symbols(), ["GDXJ", "SLV"]);
    }

    #[test]
    fn bad_parameters_are_errors_naming_the_parameter() {
        for (pairs, name) in [
            (&["metal=GDX"][..], "metal"),
            (&["miners="][..], "miners"),
            (&["band=0"][..], "band"),
            (&["band=-1"][..], "band"),
            (&["lookback=19"][..], "lookback"),
        ] {
            let message = build(&SPEC, pairs).err().expect("refused").to_string();
            assert!(
                message.contains(&format!("parameter {name} ")),
                "{pairs:?}: {message}"
            );
        }
    }
}
