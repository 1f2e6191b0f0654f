//! The same prices in every layout the loader reads give the same bars and the same run, byte
//! for byte: one CSV per symbol, a long file with a ticker column, yfinance's multi-ticker
//! downloads (prices then tickers or tickers then prices, with and without the level names),
//! and a wide panel of closes beside close-only files. Fixtures: `tests/fixtures/layouts/`,
//! GLD and SLV over 60 days, SLV starting five days later.

mod common;

use std::path::{Path, PathBuf};

use backtest::data::{Dataset, DefectKind, LoadOptions};

fn layout(name: &str) -> PathBuf {
    common::root().join("tests/fixtures/layouts").join(name)
}

const OHLC_LAYOUTS: [&str; 5] = [
    "long",
    "yfinance-price-ticker",
    "yfinance-ticker-price",
    "yfinance-old-columns",
    "yfinance-old-tickers",
];

/// The files a run of `sma-cross` on GLD and SLV in `data` writes, as bytes.
fn run_files(data: &Path) -> Vec<(String, Vec<u8>)> {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = common::backtest();
    cmd.args([
        "--strategy",
        "sma-cross",
        "--symbols",
        "GLD,SLV",
        "--no-charts",
    ])
    .args(["--param", "fast=3", "--param", "slow=10", "--data"])
    .arg(data)
    .arg("--out")
    .arg(out.path().join("report"));
    common::quiet_stdout(&mut cmd);
    ["fills.csv", "equity.csv", "trades.csv"]
        .iter()
        .map(|f| {
            let bytes = std::fs::read(out.path().join("report").join(f)).unwrap();
            ((*f).to_string(), bytes)
        })
        .collect()
}

#[test]
fn every_layout_holds_the_same_bars_as_one_file_per_symbol() {
    let options = LoadOptions::default();
    let single = Dataset::open(&[layout("single")]).unwrap();
    let closes = Dataset::open(&[layout("closes")]).unwrap();
    let cases = OHLC_LAYOUTS
        .iter()
        .map(|name| (*name, &single))
        .chain([("wide", &closes)]);
    for (name, reference) in cases {
        let dataset = Dataset::open(&[layout(name)]).unwrap();
        assert_eq!(dataset.symbols(), ["GLD", "SLV"], "{name}");
        for symbol in ["GLD", "SLV"] {
            let (bars, report) = dataset.load(symbol, &options).unwrap();
            let (expected, _) = reference.load(symbol, &options).unwrap();
            assert_eq!(bars, expected, "{name} {symbol}");
            // SLV's empty cells before it begins are the panel's history, not null rows.
            assert_eq!(report.count(DefectKind::NullRows), 0, "{name} {symbol}");
            assert_eq!(report.symbol, symbol);
        }
    }
}

#[test]
fn a_run_is_the_same_bytes_in_every_layout() {
    let expected = run_files(&layout("single"));
    assert!(expected[0].1.len() > 100, "the run trades");
    for name in OHLC_LAYOUTS {
        assert_eq!(run_files(&layout(name)), expected, "{name}");
    }
    assert_eq!(run_files(&layout("wide")), run_files(&layout("closes")));
}

#[test]
fn a_long_file_reads_only_the_symbols_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let long = std::fs::read_to_string(layout("long/prices.csv")).unwrap();
    // A third symbol whose rows are broken: never parsed, since no run asks for it.
    let broken = long.replace(
        "2024-01-03,GLD,",
        "2024-01-03,XYZ,not,a,row,at,all,\n2024-01-03,GLD,",
    );
    std::fs::write(dir.path().join("prices.csv"), broken).unwrap();
    let dataset = Dataset::open(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(dataset.symbols(), ["GLD", "SLV", "XYZ"]);
    let (bars, _) = dataset.load("GLD", &LoadOptions::default()).unwrap();
    assert_eq!(bars.len(), 60);
    let error = dataset.load("XYZ", &LoadOptions::default()).unwrap_err();
    assert!(
        error.to_string().ends_with(
            "prices.csv:3: Close \"at\" is not a number (column 6): correct the cell or delete the row"
        ),
        "{error}"
    );
}

#[test]
fn a_symbol_in_two_files_is_refused_whatever_their_layouts() {
    let error = Dataset::open(&[layout("single"), layout("long")]).unwrap_err();
    assert!(error.to_string().contains("is also held by"), "{error}");
}
