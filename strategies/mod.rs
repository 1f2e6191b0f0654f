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
