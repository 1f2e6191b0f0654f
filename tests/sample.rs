//! `data/` is the project's own output: regenerating it with the command in its manifest
//! gives the committed files byte for byte, so nobody can edit the sample by hand unnoticed.

mod common;

use assert_cmd::Command;
use backtest::data::Manifest;

#[test]
fn the_committed_sample_is_what_its_generator_writes() {
    let manifest = Manifest::read(&common::sample())
        .unwrap()
        .expect("data/dataset.toml");
    assert!(manifest.synthetic, "the sample says it is synthetic");
    let seed = manifest.seed.expect("the manifest records its seed");
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("backtest")
        .unwrap()
        .args(["synth", "--seed", &seed.to_string(), "--out"])
        .arg(out.path())
        .assert()
        .success();
    for symbol in &manifest.symbols {
        let file = format!("{symbol}.csv");
        let generated = std::fs::read(out.path().join(&file)).unwrap();
        let committed = std::fs::read(common::sample().join(&file)).unwrap();
        assert!(
            generated == committed,
            "data/{file} differs from `backtest synth --seed {seed}`"
        );
    }
    let regenerated = Manifest::read(out.path()).unwrap().unwrap();
    assert_eq!(regenerated, manifest);
}
