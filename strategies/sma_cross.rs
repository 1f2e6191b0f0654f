//! Moving-average crossover, per symbol: go long when the fast simple moving average of the
//! close crosses above the slow one (`fast[t-1] < slow[t-1]` and `fast[t] > slow[t]`), go flat
//! on the opposite cross. Each symbol has an equal slot (1/N of equity), so with one symbol it
//! is all in or all out; the first possible signal is at bar `slow` (0-based).

use crate::indicators::RollingMean;
use crate::strategy::{History, Params, Strategy, StrategySpec, Targets};

/// Registry entry.
pub const SPEC: StrategySpec = StrategySpec {
    name: "sma-cross",
    summary: "Long when SMA(fast) crosses above SMA(slow) of the close, flat on the opposite cross",
    params: &[
        crate::strategy::ParamSpec {
            name: "fast",
            default: "20",
            help: "bars in the fast moving average",
        },
        crate::strategy::ParamSpec {
            name: "slow",
            default: "50",
            help: "bars in the slow moving average, more than fast",
        },
    ],
    build,
};

fn build(params: &Params, symbols: &[String]) -> crate::Result<Box<dyn Strategy>> {
    let fast = params.whole("fast", 1)?;
    let slow = params.whole("slow", 2)?;
    if fast >= slow {
        return Err(params.invalid("slow", &format!("more than fast ({fast})")));
    }
    Ok(Box::new(SmaCross {
        symbols: symbols.to_vec(),
        legs: symbols
            .iter()
            .map(|_| Leg {
                fast: RollingMean::new(fast),
                slow: RollingMean::new(slow),
                previous: None,
                long: false,
            })
            .collect(),
    }))
}

struct SmaCross {
    symbols: Vec<String>,
    legs: Vec<Leg>,
}

/// One symbol's averages and state.
struct Leg {
    fast: RollingMean,
    slow: RollingMean,
    /// (fast, slow) at the previous bar, once both exist.
    previous: Option<(f64, f64)>,
    long: bool,
}

impl Strategy for SmaCross {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let mut changed = false;
        for (s, leg) in self.legs.iter_mut().enumerate() {
            let close = history.close(s);
            let now = leg.fast.push(close).zip(leg.slow.push(close));
            if let (Some((f0, s0)), Some((f1, s1))) = (leg.previous, now) {
                if !leg.long && f0 < s0 && f1 > s1 {
                    leg.long = true;
                    changed = true;
                } else if leg.long && f0 > s0 && f1 < s1 {
                    leg.long = false;
                    changed = true;
                }
            }
            leg.previous = now;
        }
        let slot = 1.0 / self.legs.len() as f64;
        changed.then(|| {
            self.legs
                .iter()
                .map(|l| if l.long { slot } else { 0.0 })
                .collect()
        })
    }
}
