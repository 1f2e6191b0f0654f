//! The registry: every strategy the binary knows, in one explicit list.
//!
//! Adding a strategy is one file in this folder (exporting `pub const SPEC: StrategySpec`) and
//! one line in the `registry!` list below; a test checks that every file here is registered.

use crate::strategy::StrategySpec;

/// Declares each strategy module and lists its `SPEC`, so the module and the registry entry
/// are one line.
macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every strategy, in the order `backtest list` shows them.
        pub const REGISTRY: &[StrategySpec] = &[$($module::SPEC),*];
    };
}

registry! {
    buy_and_hold,
    sma_cross,
    defensive_miners,
    parabolic_reversion,
    miners_vs_metal,
    rebalance,
    weights,
}

/// The strategy registered under `name`.
///
/// # Errors
/// No strategy has that name; the message lists the ones that exist.
pub fn find(name: &str) -> crate::Result<&'static StrategySpec> {
    REGISTRY.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = REGISTRY.iter().map(|s| s.name).collect();
        crate::Error::Usage(format!(
            "unknown strategy {name:?}; registered: {}",
            names.join(", ")
        ))
    })
}

/// Helpers shared by the strategies' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::data::{Series, Universe};
    use crate::engine::{EngineOptions, Run, simulate};
    use crate::strategy::{Params, Strategy, StrategySpec};

    /// The first date of every test universe; one bar per calendar day from there.
    pub fn start() -> crate::Date {
        crate::Date::from_ymd_opt(2024, 1, 1).expect("a valid date")
    }

    /// A close-only universe (O = H = L = C) of the given symbols and closes, all of the same
    /// length, one bar per calendar day from [`start`].
    pub fn universe(closes: &[(&str, Vec<f64>)]) -> Universe {
        let n = closes[0].1.len();
        assert!(closes.iter().all(|(_, c)| c.len() == n), "equal lengths");
        Universe {
            dates: (0..n as u64)
                .map(|i| start() + chrono::Days::new(i))
                .collect(),
            series: closes
                .iter()
                .map(|(symbol, close)| Series {
                    symbol: (*symbol).to_string(),
                    open: close.clone(),
                    high: close.clone(),
                    low: close.clone(),
                    close: close.clone(),
                    present: vec![true; n],
                    close_only: true,
                    adjusted: false,
                })
                .collect(),
        }
    }

    /// Builds `spec` with `key=value` pairs (no symbols: these strategies name their own).
    ///
    /// # Errors
    /// The strategy refuses the parameters.
    pub fn build(spec: &StrategySpec, pairs: &[&str]) -> crate::Result<Box<dyn Strategy>> {
        let pairs: Vec<String> = pairs.iter().map(ToString::to_string).collect();
        (spec.build)(&Params::parse(spec, &pairs)?, &[])
    }

    /// Builds `spec` with `pairs` and runs it over `universe` with the default engine options;
    /// returns the strategy (for its signal bars) and the run (for its decisions).
    pub fn run(
        spec: &StrategySpec,
        pairs: &[&str],
        universe: &Universe,
    ) -> (Box<dyn Strategy>, Run) {
        let mut strategy = build(spec, pairs).expect("valid parameters");
        let run = simulate(
            spec.name,
            strategy.as_mut(),
            universe,
            &EngineOptions::default(),
        )
        .expect("runs");
        (strategy, run)
    }
}
