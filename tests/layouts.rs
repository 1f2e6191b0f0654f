//! The same prices in every layout the loader reads give the same bars and the same run, byte
//! for byte: one CSV per symbol, a long file with a ticker column, yfinance's multi-ticker
//! downloads (prices then tickers or tickers then prices, with and without the level names),
//! and a wide panel of closes beside close-only files. Fixtures: `tests/fixtures/layouts/`,
//! GLD and SLV over 60 days, SLV starting five days later.

mod common;

use std::fmt::Write as _;
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
fn a_long_file_lists_symbols_beyond_its_first_lines() {
    // Its layout is read from its head; its symbols from every row, the last one here first
    // appearing past the first 64 KiB.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Date,Ticker,Close\n");
    let mut day = backtest::Date::from_ymd_opt(1990, 1, 1).unwrap();
    for ticker in ["AAA", "BBB", "CCC"] {
        for _ in 0..2000 {
            let _ = writeln!(csv, "{day},{ticker},10.5");
            day = day.succ_opt().unwrap();
        }
        day = backtest::Date::from_ymd_opt(1990, 1, 1).unwrap();
    }
    assert!(csv.find("CCC").unwrap() > 64 << 10);
    std::fs::write(dir.path().join("dump.csv"), csv).unwrap();
    let dataset = Dataset::open(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(dataset.symbols(), ["AAA", "BBB", "CCC"]);
    let (bars, _) = dataset.load("CCC", &LoadOptions::default()).unwrap();
    assert_eq!(bars.len(), 2000);
}

#[test]
fn data_check_lists_each_series_of_a_file_of_many() {
    let output = common::backtest()
        .args(["data", "check"])
        .arg(layout("wide"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let shown = layout("wide/closes.csv").display().to_string();
    assert!(
        stdout.contains(&format!(
            "ok      {shown} (SLV): 55 rows, 2024-01-09 → 2024-03-26, close only\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 series in 1 file, 2 loaded, 0 refused"),
        "{stdout}"
    );
}

#[test]
fn a_symbol_in_two_files_is_refused_whatever_their_layouts() {
    let error = Dataset::open(&[layout("single"), layout("long")]).unwrap_err();
    assert!(error.to_string().contains("is also held by"), "{error}");
}

/// Parquet files written here (not committed) from the per-symbol fixtures' bars: one long
/// file (text dates, a `symbol` column), one file per symbol (`Date` dates) and a wide panel.
mod parquet {
    use std::path::Path;

    use backtest::data::{Bars, Dataset, FileReport, LoadOptions};
    use polars::prelude::*;

    fn bars(symbol: &str) -> Bars {
        let dataset = Dataset::open(&[super::layout("single")]).unwrap();
        dataset.load(symbol, &LoadOptions::default()).unwrap().0
    }

    fn dates(bars: &Bars) -> Vec<i32> {
        let epoch = backtest::Date::from_ymd_opt(1970, 1, 1).unwrap();
        bars.dates
            .iter()
            .map(|d| i32::try_from((*d - epoch).num_days()).unwrap())
            .collect()
    }

    fn write(path: &Path, columns: Vec<Column>) {
        let mut frame = DataFrame::new_infer_height(columns).unwrap();
        let file = std::fs::File::create(path).unwrap();
        ParquetWriter::new(file).finish(&mut frame).unwrap();
    }

    fn prices(bars: &Bars) -> Vec<Column> {
        vec![
            Column::new("Open".into(), &bars.open),
            Column::new("High".into(), &bars.high),
            Column::new("Low".into(), &bars.low),
            Column::new("Close".into(), &bars.close),
            Column::new("Adj Close".into(), bars.adj_close.clone().unwrap()),
            Column::new("Volume".into(), bars.volume.clone().unwrap()),
        ]
    }

    fn per_symbol(dir: &Path) {
        for symbol in ["GLD", "SLV"] {
            let bars = bars(symbol);
            let date = Column::new("Date".into(), dates(&bars))
                .cast(&DataType::Date)
                .unwrap();
            let mut columns = vec![date];
            columns.extend(prices(&bars));
            write(&dir.join(format!("{symbol}.parquet")), columns);
        }
    }

    fn long(dir: &Path) {
        let (gld, slv) = (bars("GLD"), bars("SLV"));
        let pick = |f: fn(&Bars) -> Vec<f64>| [f(&gld), f(&slv)].concat();
        let text: Vec<String> = [&gld, &slv]
            .iter()
            .flat_map(|b| b.dates.iter().map(ToString::to_string))
            .collect();
        let symbols: Vec<&str> = [("GLD", gld.len()), ("SLV", slv.len())]
            .iter()
            .flat_map(|(s, n)| std::iter::repeat_n(*s, *n))
            .collect();
        write(
            &dir.join("prices.parquet"),
            vec![
                Column::new("date".into(), text),
                Column::new("symbol".into(), symbols),
                Column::new("open".into(), pick(|b| b.open.clone())),
                Column::new("high".into(), pick(|b| b.high.clone())),
                Column::new("low".into(), pick(|b| b.low.clone())),
                Column::new("close".into(), pick(|b| b.close.clone())),
                Column::new("adj_close".into(), pick(|b| b.adj_close.clone().unwrap())),
                Column::new("volume".into(), pick(|b| b.volume.clone().unwrap())),
            ],
        );
    }

    fn wide(dir: &Path) {
        let (gld, slv) = (bars("GLD"), bars("SLV"));
        let late: Vec<Option<f64>> = gld
            .dates
            .iter()
            .map(|d| slv.dates.binary_search(d).ok().map(|i| slv.close[i]))
            .collect();
        let date = Column::new("Date".into(), dates(&gld))
            .cast(&DataType::Date)
            .unwrap();
        write(
            &dir.join("closes.parquet"),
            vec![
                date,
                Column::new("GLD".into(), &gld.close),
                Column::new("SLV".into(), late),
            ],
        );
    }

    #[test]
    fn parquet_files_hold_the_same_bars_and_the_same_run() {
        let options = LoadOptions::default();
        let single = Dataset::open(&[super::layout("single")]).unwrap();
        let closes = Dataset::open(&[super::layout("closes")]).unwrap();
        let expected = super::run_files(&super::layout("single"));
        // Each layout, the files of the same prices, whether it has one file per symbol, and
        // whether it holds every price (the wide panel holds closes only).
        for (make, reference, one_per_symbol, ohlc) in [
            (per_symbol as fn(&Path), &single, true, true),
            (long, &single, false, true),
            (wide, &closes, false, false),
        ] {
            let dir = tempfile::tempdir().unwrap();
            make(dir.path());
            let dataset = Dataset::open(&[dir.path().to_path_buf()]).unwrap();
            assert_eq!(dataset.symbols(), ["GLD", "SLV"]);
            for symbol in ["GLD", "SLV"] {
                let (bars, report) = dataset.load(symbol, &options).unwrap();
                let (expected, csv) = reference.load(symbol, &options).unwrap();
                assert_eq!(bars, expected, "{symbol}");
                // The same defects; in a file per symbol, each at the row of the line the
                // CSV names (less its header line).
                let places = |r: &FileReport| -> Vec<(&'static str, usize)> {
                    r.defects
                        .iter()
                        .flat_map(|d| d.occurrences.iter().map(|o| (d.kind.key(), o.at.number())))
                        .collect()
                };
                let kinds = |r: &FileReport| -> Vec<(&'static str, usize)> {
                    r.defects
                        .iter()
                        .map(|d| (d.kind.key(), d.count()))
                        .collect()
                };
                assert_eq!(kinds(&report), kinds(&csv), "{symbol}");
                if one_per_symbol {
                    let lines: Vec<_> = places(&csv).into_iter().map(|(k, n)| (k, n - 1)).collect();
                    assert_eq!(places(&report), lines, "{symbol}");
                }
            }
            if ohlc {
                assert_eq!(super::run_files(dir.path()), expected);
            }
        }
    }

    #[test]
    fn a_long_parquet_file_is_cut_to_the_symbols_and_dates_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        long(dir.path());
        let options = LoadOptions {
            from: Some("2024-02-01".parse().unwrap()),
            to: Some("2024-02-29".parse().unwrap()),
            ..LoadOptions::default()
        };
        let csv = Dataset::open(&[super::layout("single")]).unwrap();
        let parquet = Dataset::open(&[dir.path().to_path_buf()]).unwrap();
        let (bars, report) = parquet.load("SLV", &options).unwrap();
        assert_eq!(bars, csv.load("SLV", &options).unwrap().0);
        assert_eq!(bars.dates[0], "2024-02-01".parse().unwrap());
        assert_eq!(report.rows, bars.len());
    }

    #[test]
    fn a_bad_parquet_value_names_its_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let date = Column::new("Date".into(), [19_724_i32, 19_725, 19_726])
            .cast(&DataType::Date)
            .unwrap();
        let path = dir.path().join("BAD.parquet");
        write(
            &path,
            vec![date, Column::new("Close".into(), [10.0, -1.0, 11.0])],
        );
        let dataset = Dataset::open(&[dir.path().to_path_buf()]).unwrap();
        let error = dataset.load("BAD", &LoadOptions::default()).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert_eq!(
            error.to_string(),
            format!(
                "{}: row 2: Close -1 is not a positive price (column 2): correct the cell, \
                 delete the row, or cut it off with --from/--to",
                path.display()
            )
        );
        std::fs::write(dir.path().join("BAD.parquet"), b"PAR1 not really").unwrap();
        let dataset = Dataset::open(&[dir.path().to_path_buf()]).unwrap();
        let error = dataset.load("BAD", &LoadOptions::default()).unwrap_err();
        assert!(
            error.to_string().contains("cannot be read as Parquet"),
            "{error}"
        );
    }
}
