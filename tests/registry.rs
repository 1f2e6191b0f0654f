//! The strategy registry is the one list of strategies: every file in `strategies/` is in it,
//! every name is unique and matches its file (`sma_cross.rs` ↔ `sma-cross`).

mod common;

use std::collections::BTreeSet;

use backtest::strategies::REGISTRY;

#[test]
fn every_strategy_file_is_registered_under_its_own_name() {
    let names: BTreeSet<&str> = REGISTRY.iter().map(|s| s.name).collect();
    assert_eq!(names.len(), REGISTRY.len(), "names are unique");
    let files: BTreeSet<String> = std::fs::read_dir(common::root().join("strategies"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .filter(|stem| stem != "mod")
        .map(|stem| stem.replace('_', "-"))
        .collect();
    let registered: BTreeSet<String> = names.iter().map(ToString::to_string).collect();
    assert_eq!(files, registered, "strategies/*.rs and the registry agree");
}

#[test]
fn every_strategy_documents_its_parameters_and_builds_with_the_defaults() {
    for spec in REGISTRY {
        assert!(!spec.summary.is_empty(), "{}", spec.name);
        let params = backtest::strategy::Params::parse(spec, &[]).unwrap();
        for p in spec.params {
            assert!(!p.help.is_empty(), "{}.{}", spec.name, p.name);
        }
        let strategy = (spec.build)(&params, &["GLD".to_string()]);
        assert!(strategy.is_ok(), "{} builds with its defaults", spec.name);
    }
}
