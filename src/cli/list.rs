//! `backtest list`: the registry, with parameters and defaults.

use crate::strategies::REGISTRY;

pub(super) fn list() {
    for spec in REGISTRY {
        println!("{:<22}{}", spec.name, spec.summary);
        if spec.params.is_empty() {
            println!("{:<22}  (no parameters)", "");
        }
        for p in spec.params {
            println!("{:<22}  --param {}={:<8} {}", "", p.name, p.default, p.help);
        }
    }
}
