//! Moving-average crossover, per symbol: go long when the fast simple moving average of the
//! close crosses above the slow one (`fast[t-1] < slow[t-1]` and `fast[t] > slow[t]`), go flat
//! on the opposite cross. Each symbol has an equal slot (1/N of equity), so with one symbol it
//! is all in or all out; the first possible signal is at bar `slow` (0-based).

use crate::indicators::Line;
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
        fast,
        slow,
        legs: symbols
            .iter()
            .map(|_| Leg {
                averages: None,
                spread: f64::NAN,
                long: false,
            })
            .collect(),
    }))
}

struct SmaCross {
    symbols: Vec<String>,
    fast: usize,
    slow: usize,
    legs: Vec<Leg>,
}

/// One symbol's averages and state.
struct Leg {
    /// The fast and slow averages, taken from the history on the first bar (shared with every
    /// other run on the same data, as in a sweep).
    averages: Option<(Line, Line)>,
    /// fast − slow at the previous bar; NaN until both exist, which no comparison passes.
    /// (For finite averages, fast < slow exactly when fast − slow < 0.)
    spread: f64,
    long: bool,
}

impl Strategy for SmaCross {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    #[inline]
    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        if history.bar() == 0 {
            self.take_averages(history);
        }
        let mut changed = false;
        for leg in &mut self.legs {
            changed |= leg.update(history);
        }
        if changed { Some(self.targets()) } else { None }
    }
}

impl SmaCross {
    /// Takes each symbol's averages from the history, on the first bar.
    #[cold]
    fn take_averages(&mut self, history: &History<'_>) {
        for (s, leg) in self.legs.iter_mut().enumerate() {
            leg.averages = Some((
                history.close_mean(s, self.fast),
                history.close_mean(s, self.slow),
            ));
        }
    }

    /// An equal slot (1/N of equity) for each symbol held long.
    #[cold]
    fn targets(&self) -> Targets {
        let slot = 1.0 / self.legs.len() as f64;
        self.legs
            .iter()
            .map(|l| if l.long { slot } else { 0.0 })
            .collect()
    }
}

impl Leg {
    /// Reads the averages at this bar; true when they crossed the way that changes the
    /// position.
    #[inline]
    fn update(&mut self, history: &History<'_>) -> bool {
        let Some((fast, slow)) = &self.averages else {
            return false;
        };
        let now = fast
            .at(history)
            .zip(slow.at(history))
            .map_or(f64::NAN, |(f, s)| f - s);
        let before = std::mem::replace(&mut self.spread, now);
        let crossed = if self.long {
            before > 0.0 && now < 0.0
        } else {
            before < 0.0 && now > 0.0
        };
        self.long ^= crossed;
        crossed
    }
}
