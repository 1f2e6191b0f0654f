//! `backtest list`: the registry, with parameters and defaults.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::Result;
use crate::strategies::REGISTRY;

pub(super) fn list() -> Result<ExitCode> {
    let setting = |p: &crate::strategy::ParamSpec| format!("{}={}", p.name, p.default);
    let width = REGISTRY
        .iter()
        .flat_map(|s| s.params)
        .map(|p| setting(p).len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for spec in REGISTRY {
        let _ = writeln!(text, "{:<22}{}", spec.name, spec.summary);
        if spec.params.is_empty() {
            let _ = writeln!(text, "{:<22}  (no parameters)", "");
        }
        for p in spec.params {
            let _ = writeln!(
                text,
                "{:<22}  --param {:<width$}  {}",
                "",
                setting(p),
                p.help
            );
        }
    }
    super::emit(&text)?;
    Ok(ExitCode::SUCCESS)
}
