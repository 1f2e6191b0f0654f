//! `backtest robustness`: every path is exactly a single run on that path's prices (a Monte
//! Carlo path is `backtest synth` then `backtest run`; a bootstrap path is `run::measure` on the
//! resampled universe), resamples keep each symbol's own moves and one source bar per date, and
//! bad counts are usage errors.

mod common;

use std::path::Path;

use backtest::data::Universe;
use backtest::indicators::Lines;
use backtest::rng::Rng;
use backtest::robustness::{self, Method, Plan};
use backtest::run::{RunRequest, Setup, execute, measure};
use backtest::strategy::Reads;

/// Runs `backtest robustness` with `args` into `out`, which must succeed quietly; returns
/// its standard output.
fn robustness_ok(out: &Path, args: &[&str]) -> String {
    let mut cmd = common::backtest();
    cmd.arg("robustness").args(args).arg("--out").arg(out);
    common::quiet_stdout(&mut cmd)
}

/// `robustness.csv` as rows of cells, the header first.
fn rows(out: &Path) -> Vec<Vec<String>> {
    common::csv_rows(&out.join("robustness.csv"))
}

fn request(strategy: &str, data: &Path, symbols: &[&str]) -> RunRequest {
    RunRequest {
        symbols: symbols.iter().map(ToString::to_string).collect(),
        ..RunRequest::new(strategy, data.to_path_buf())
    }
}

/// Runs a plan and checks every bootstrap path against `run::measure` on the universe
/// `robustness::bootstrap` gives for its seed, and the historical run against `backtest run`.
fn assert_paths_are_direct_runs(request: &RunRequest, block: usize, paths: usize, seed: u64) {
    let plan = Plan::new(request, Method::Bootstrap { block }, paths, seed).unwrap();
    let result = plan.run(&|| {}).unwrap();
    assert_eq!(result.paths.len(), paths);
    let setup = Setup::new(request).unwrap();
    let params = setup.params(&request.params).unwrap();
    let market = setup
        .market(&Reads::of(setup.build(&params).unwrap().as_ref()))
        .unwrap();
    for (k, row) in result.paths.iter().enumerate() {
        assert_eq!((row.path, row.seed), (k, seed + k as u64));
        let universe = robustness::bootstrap(&market.universe, block, row.seed);
        assert_eq!(universe, plan.universe(k).unwrap());
        assert_ne!(universe, market.universe, "path {k} is a resample");
        let mut strategy = setup.build(&params).unwrap();
        let direct = measure(
            setup.spec.name,
            strategy.as_mut(),
            &Lines::new(&universe),
            request,
        )
        .unwrap();
        assert_eq!(
            row.measured.as_ref().unwrap().performance,
            direct.performance,
            "{k}"
        );
        assert_eq!(
            row.measured.as_ref().unwrap().trades,
            direct.trades.len(),
            "{k}"
        );
    }
    let single = execute(request).unwrap().summary.metrics;
    assert_eq!(result.historical.performance, single.performance);
    assert_eq!(result.historical.trades, single.activity.trades);
}

#[test]
fn a_monte_carlo_path_is_exactly_synth_then_run_on_its_files() {
    let out = tempfile::tempdir().unwrap();
    let args = ["--strategy", "sma-cross", "--symbols", "GLD"];
    let stdout = robustness_ok(
        out.path(),
        &[&args[..], &["--monte-carlo", "3", "--seed", "11"]].concat(),
    );
    assert!(stdout.contains("3 synthetic paths"), "{stdout}");
    let rows = rows(out.path());
    assert_eq!(
        rows[0].join(","),
        "path,seed,cagr,sharpe,max_drawdown,total_return,trades"
    );
    assert_eq!(rows.len(), 4, "header and 3 paths");
    let row = &rows[2];
    assert_eq!((row[0].as_str(), row[1].as_str()), ("1", "12"));

    let data = tempfile::tempdir().unwrap();
    common::backtest()
        .args(["synth", "--seed", "12", "--out"])
        .arg(data.path())
        .assert()
        .success();
    let single = tempfile::tempdir().unwrap();
    common::backtest()
        .args(args)
        .arg("--data")
        .arg(data.path())
        .args(["--no-charts", "--out"])
        .arg(single.path())
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(single.path().join("summary.json")).unwrap())
            .unwrap();
    let metric = |key: &str| summary["metrics"][key].as_f64().unwrap();
    let cell = |i: usize| row[i].parse::<f64>().unwrap();
    assert_eq!(cell(2), metric("cagr"));
    assert_eq!(cell(3), metric("sharpe"));
    assert_eq!(cell(4), metric("max_drawdown"));
    assert_eq!(cell(5), metric("total_return"));
    assert_eq!(
        row[6].parse::<u64>().unwrap(),
        summary["metrics"]["trades"].as_u64().unwrap()
    );
    // Another seed is another path.
    assert_ne!(rows[1][3], row[3]);
}

#[test]
fn the_monte_carlo_path_of_the_sample_seed_is_the_historical_run_on_the_sample() {
    // data/ was written by `backtest synth --seed 7` (its dataset.toml says so).
    let request = request("miners-vs-metal", &common::sample(), &[]);
    let result = robustness::run(&request, Method::MonteCarlo, 2, 6).unwrap();
    assert_eq!(result.symbols, ["GDX", "GLD", "SPY"]);
    let path = &result.paths[1];
    assert_eq!(path.seed, 7);
    assert_eq!(
        path.measured.as_ref().unwrap().performance,
        result.historical.performance
    );
    assert_eq!(
        path.measured.as_ref().unwrap().trades,
        result.historical.trades
    );
    assert_ne!(
        result.paths[0].measured.as_ref().unwrap().performance,
        result.historical.performance
    );
    // The paths are cut to --from/--to as the loader cuts the files.
    let cut = RunRequest {
        load: backtest::data::LoadOptions {
            from: backtest::Date::from_ymd_opt(2006, 5, 1),
            to: backtest::Date::from_ymd_opt(2019, 12, 31),
            ..backtest::data::LoadOptions::default()
        },
        ..request
    };
    let uncut = result.historical.performance;
    let result = robustness::run(&cut, Method::MonteCarlo, 1, 7).unwrap();
    assert_eq!(
        result.paths[0].measured.as_ref().unwrap().performance,
        result.historical.performance
    );
    assert_ne!(result.historical.performance, uncut, "the dates were cut");
}

#[test]
fn a_bootstrap_path_is_exactly_a_direct_run_on_its_resampled_universe() {
    assert_paths_are_direct_runs(&request("sma-cross", &common::sample(), &["GLD"]), 20, 4, 3);
}

#[test]
fn resampled_bars_move_as_original_bars_of_one_source_date_for_every_symbol() {
    let request = request("buy-and-hold", &common::sample(), &[]);
    let setup = Setup::new(&request).unwrap();
    let params = setup.params(&[]).unwrap();
    let original = setup
        .market(&Reads::of(setup.build(&params).unwrap().as_ref()))
        .unwrap()
        .universe;
    assert_eq!(original.series.len(), 8);
    let n = original.len();
    let sources = robustness::block_sources(n, 20, &mut Rng::new(5));
    let resampled = robustness::resample(&original, &sources);
    assert_eq!(resampled, robustness::bootstrap(&original, 20, 5));
    assert_eq!(resampled.dates, original.dates, "the calendar stays");
    let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-12;
    for (new, old) in resampled.series.iter().zip(&original.series) {
        assert_eq!(new.close.len(), n);
        assert_eq!(
            (new.open[0], new.close[0]),
            (old.open[0], old.close[0]),
            "the first bar is the original one"
        );
        let mut moves: Vec<f64> = old.close.windows(2).map(|w| w[1] / w[0]).collect();
        moves.sort_by(f64::total_cmp);
        for (t, &j) in sources.iter().enumerate().skip(1) {
            // Every price moved from the previous new close as the source bar's did from its
            // previous close: the same source bar for every symbol.
            let base = new.close[t - 1];
            let pairs = [
                (new.open[t], old.open[j]),
                (new.high[t], old.high[j]),
                (new.low[t], old.low[j]),
                (new.close[t], old.close[j]),
            ];
            for (new_price, old_price) in pairs {
                assert!(close(new_price / base, old_price / old.close[j - 1]), "{t}");
            }
            assert_eq!(new.present[t], old.present[j]);
            assert!(new.low[t] <= new.open[t].min(new.close[t]));
            assert!(new.high[t] >= new.open[t].max(new.close[t]));
            // And, without knowing the source, each close-to-close move is one of the
            // symbol's own.
            let m = new.close[t] / base;
            let at = moves.partition_point(|x| *x < m * (1.0 - 1e-12));
            assert!(
                at < moves.len() && close(moves[at], m),
                "{} {t}",
                new.symbol
            );
        }
    }
    // The sources run in blocks of 20 consecutive bars (wrapping from the last to bar 1).
    let next = |j: usize| if j == n - 1 { 1 } else { j + 1 };
    for block in sources[1..].chunks(20) {
        assert!(block.windows(2).all(|w| w[1] == next(w[0])));
    }
    let distinct: std::collections::BTreeSet<usize> = sources.iter().copied().collect();
    assert!(distinct.len() > n / 2, "blocks are drawn all over the data");
}

#[test]
fn the_identity_resample_rebuilds_the_original_prices() {
    let request = request("sma-cross", &common::sample(), &["SLV"]);
    let setup = Setup::new(&request).unwrap();
    let params = setup.params(&[]).unwrap();
    let original: Universe = setup
        .market(&Reads::of(setup.build(&params).unwrap().as_ref()))
        .unwrap()
        .universe;
    let identity: Vec<usize> = (0..original.len()).collect();
    let rebuilt = robustness::resample(&original, &identity);
    for (new, old) in rebuilt.series.iter().zip(&original.series) {
        let drift = new
            .close
            .iter()
            .zip(&old.close)
            .map(|(a, b)| (a / b - 1.0).abs())
            .fold(0.0, f64::max);
        assert!(drift < 1e-9, "{}: {drift}", new.symbol);
        assert_eq!(new.present, old.present);
    }
}

#[test]
fn the_same_command_gives_byte_identical_files_on_any_number_of_threads() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = [
        "--strategy",
        "sma-cross",
        "--symbols",
        "GLD",
        "--bootstrap",
        "12",
    ];
    robustness_ok(a.path(), &args);
    let output = common::backtest()
        .env("RAYON_NUM_THREADS", "1")
        .arg("robustness")
        .args(args)
        .arg("--out")
        .arg(b.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    for file in ["robustness.csv", "robustness.md"] {
        let read = |dir: &tempfile::TempDir| std::fs::read(dir.path().join(file)).unwrap();
        assert_eq!(read(&a), read(&b), "{file}");
    }
    // The block length changes the paths.
    let c = tempfile::tempdir().unwrap();
    robustness_ok(c.path(), &[&args[..], &["--block", "5"]].concat());
    assert_ne!(rows(a.path()), rows(c.path()));
}

#[test]
fn the_summary_shows_the_median_path_and_the_historical_run() {
    let out = tempfile::tempdir().unwrap();
    let stdout = robustness_ok(
        out.path(),
        &[
            "--strategy",
            "sma-cross",
            "--symbols",
            "GLD",
            "--bootstrap",
            "5",
        ],
    );
    let table = std::fs::read_to_string(out.path().join("robustness.md")).unwrap();
    assert!(stdout.starts_with(&table), "the terminal shows the file");
    let chart = std::fs::metadata(out.path().join("robustness.png")).unwrap();
    assert!(chart.len() > 20_000, "robustness.png is drawn, not blank");
    let mut sharpes: Vec<f64> = rows(out.path())[1..]
        .iter()
        .map(|r| r[3].parse().unwrap())
        .collect();
    sharpes.sort_by(f64::total_cmp);
    let line = table.lines().find(|l| l.starts_with("| Sharpe |")).unwrap();
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    // | Sharpe | p5 | p25 | p50 | p75 | p95 | historical | rank | undefined |
    assert_eq!(
        cells[4],
        format!("{:.3}", sharpes[2]),
        "p50 of 5 is the middle one"
    );
    let single = execute(&request("sma-cross", &common::sample(), &["GLD"])).unwrap();
    let historical = single.summary.metrics.performance.sharpe.unwrap();
    assert_eq!(cells[7], format!("{historical:.3}"));
    let below = sharpes.iter().filter(|s| **s < historical).count();
    assert_eq!(cells[8], format!("{:.1}%", 100.0 * below as f64 / 5.0));
    assert_eq!(cells[9], "0");
}

#[test]
fn zero_paths_an_empty_block_and_a_symbol_the_generator_lacks_are_usage_errors() {
    let out = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::sample().join("GLD.csv"),
        data.path().join("FOO.csv"),
    )
    .unwrap();
    let data_arg = data.path().to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--monte-carlo", "0"], "at least 1"),
        (&["--bootstrap", "3", "--block", "0"], "--block"),
        (
            &["--monte-carlo", "3", "--bootstrap", "3"],
            "cannot be used",
        ),
        (&[], "--monte-carlo"),
        (&["--monte-carlo", "2", "--data", data_arg], "FOO"),
    ];
    for (args, message) in cases {
        let output = common::backtest()
            .args(["robustness", "--strategy", "buy-and-hold"])
            .args(args)
            .arg("--out")
            .arg(out.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!out.path().join("robustness.csv").exists());
    }
}

#[test]
fn bootstrap_paths_on_real_data_are_direct_runs() {
    let Some(dir) = common::market_data("robustness bootstrap on real data") else {
        return;
    };
    let data = dir.join("etf-ohlcv-raw");
    assert_paths_are_direct_runs(&request("sma-cross", &data, &["GLD"]), 20, 3, 1);
    assert_paths_are_direct_runs(&request("buy-and-hold", &data, &[]), 60, 2, 9);
}

#[test]
fn monte_carlo_against_real_history_compares_with_the_real_run() {
    let Some(dir) = common::market_data("robustness Monte Carlo against real data") else {
        return;
    };
    let request = request("sma-cross", &dir.join("etf-ohlcv-raw"), &["SLV"]);
    let result = robustness::run(&request, Method::MonteCarlo, 2, 7).unwrap();
    assert_eq!(result.symbols, ["SLV", "SPY"]);
    let single = execute(&request).unwrap().summary.metrics;
    assert_eq!(result.historical.performance, single.performance);
    // Seed 7's path is the sample's data, not the real history.
    let sample = execute(&RunRequest {
        data: vec![common::sample()],
        ..request.clone()
    })
    .unwrap()
    .summary
    .metrics;
    assert_eq!(
        result.paths[0].measured.as_ref().unwrap().performance,
        sample.performance
    );
    assert_ne!(
        result.paths[0].measured.as_ref().unwrap().performance,
        single.performance
    );
}
