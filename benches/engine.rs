//! Speed targets of the engine, measured with criterion (`cargo bench --bench engine`):
//! loading GLD's 5,473 real rows (from its CSV, and from a Parquet copy written here), one `sma-cross` simulation over them (and one with a
//! stop-loss, a take-profit and a trailing stop attached to every position), one buy-and-hold
//! over the eight symbols of the sample, and the sweep of `sma-cross` over the 10 × 19 grid
//! (fast 5..50:5, slow 20..200:10) on the sample's GLD (6,522 bars), data already loaded, and
//! the seven charts of the sample's main run (`defensive-miners`), run already made. Real data
//! is read from `../shared/market-data`; where it is absent the GLD benchmarks use the sample's
//! GLD instead and say so.

use std::hint::black_box;
use std::path::PathBuf;

use backtest::data::{Dataset, LoadOptions, PriceMode, Universe, load_bars};
use backtest::engine::{EngineOptions, Exits, simulate};
use backtest::indicators::Lines;
use backtest::report::ChartOptions;
use backtest::report::charts::draw_run_charts;
use backtest::run::{RunRequest, Setup, execute};
use backtest::strategies;
use backtest::strategy::Params;
use backtest::sweep::{Grid, Plan, evaluate_all};
use criterion::{Criterion, criterion_group, criterion_main};

fn gld_file() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let real = root.join("../shared/market-data/etf-ohlcv-raw/GLD.csv");
    if real.is_file() {
        real
    } else {
        eprintln!("../shared/market-data is absent: benchmarking the sample's GLD instead");
        root.join("data/GLD.csv")
    }
}

/// Writes `bars` to `path` as a Parquet file of `Date`, `Open`, `High`, `Low`, `Close` and
/// `Volume` columns.
fn write_parquet(bars: &backtest::data::Bars, path: &std::path::Path) {
    use polars::prelude::{Column, DataFrame, DataType, ParquetWriter};
    let epoch = backtest::Date::from_ymd_opt(1970, 1, 1).expect("a date");
    let days: Vec<i32> = bars
        .dates
        .iter()
        .map(|d| i32::try_from((*d - epoch).num_days()).expect("in range"))
        .collect();
    let date = Column::new("Date".into(), days)
        .cast(&DataType::Date)
        .expect("dates");
    let mut frame = DataFrame::new_infer_height(vec![
        date,
        Column::new("Open".into(), &bars.open),
        Column::new("High".into(), &bars.high),
        Column::new("Low".into(), &bars.low),
        Column::new("Close".into(), &bars.close),
        Column::new("Volume".into(), bars.volume.clone().unwrap_or_default()),
    ])
    .expect("a frame");
    let file = std::fs::File::create(path).expect("writable");
    ParquetWriter::new(file)
        .finish(&mut frame)
        .expect("written");
}

fn run(name: &str, symbols: &[String], universe: &Universe) -> f64 {
    run_with(name, symbols, universe, &EngineOptions::default())
}

fn run_with(name: &str, symbols: &[String], universe: &Universe, options: &EngineOptions) -> f64 {
    let spec = strategies::find(name).expect("registered");
    let params = Params::parse(spec, &[]).expect("defaults");
    let mut strategy = (spec.build)(&params, symbols).expect("builds");
    let run = simulate(name, strategy.as_mut(), universe, options).expect("runs");
    run.equity[run.equity.len() - 1]
}

fn benchmarks(c: &mut Criterion) {
    let gld = gld_file();
    let options = LoadOptions::default();
    c.bench_function("load GLD csv", |b| {
        b.iter(|| load_bars(black_box(&gld), "GLD", &options).expect("loads"));
    });

    let (bars, _) = load_bars(&gld, "GLD", &options).expect("loads");
    // The same rows as a Parquet file (`Date` dates), as polars writes it.
    let parquet = tempfile::tempdir().expect("a temporary directory");
    let gld_parquet = parquet.path().join("GLD.parquet");
    write_parquet(&bars, &gld_parquet);
    c.bench_function("load GLD parquet", |b| {
        b.iter(|| load_bars(black_box(&gld_parquet), "GLD", &options).expect("loads"));
    });
    let universe = Universe::align(&[bars], PriceMode::Adjusted).expect("aligns");
    let gld_symbol = vec!["GLD".to_string()];
    c.bench_function("sma-cross 20/50 on GLD", |b| {
        b.iter(|| run("sma-cross", &gld_symbol, black_box(&universe)));
    });
    // With a bracket every bar of an open position is visited to check its levels.
    let bracket = EngineOptions {
        exits: Exits {
            stop_loss: Some(0.05),
            take_profit: Some(0.10),
            trailing_stop: Some(0.10),
            ..Exits::default()
        },
        ..EngineOptions::default()
    };
    c.bench_function(
        "sma-cross 20/50 on GLD with a stop-loss, take-profit and trailing stop",
        |b| {
            b.iter(|| run_with("sma-cross", &gld_symbol, black_box(&universe), &bracket));
        },
    );

    let sample = Dataset::open(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")])
        .expect("sample opens");
    let symbols = sample.symbols();
    let (universe, _) = sample
        .universe(&symbols, &options, PriceMode::Adjusted)
        .expect("sample loads");
    c.bench_function("buy-and-hold 8 symbols of the sample", |b| {
        b.iter(|| run("buy-and-hold", &symbols, black_box(&universe)));
    });

    let request = RunRequest {
        symbols: vec!["GLD".into()],
        ..RunRequest::new(
            "sma-cross",
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"),
        )
    };
    let setup = Setup::new(&request).expect("sample opens");
    let grids: Vec<Grid> = ["fast=5..50:5", "slow=20..200:10"]
        .iter()
        .map(|g| g.parse().expect("a grid"))
        .collect();
    let plan = Plan::new(&setup, &grids).expect("plans");
    let market = setup.market(&plan.candidates[0].reads).expect("loads");
    // The indicator lines are shared within one sweep, so each iteration starts without them.
    c.bench_function("sweep sma-cross 10x19 grid on the sample's GLD", |b| {
        b.iter(|| {
            let lines = Lines::new(&market.universe);
            evaluate_all(&setup, &plan.candidates, |_| &lines, &|| {}).expect("runs")
        });
    });

    // The charts of the main run, into a directory of their own: buffers and glyphs are warm
    // after the first iteration, as they are after a process's first chart.
    let main = RunRequest::new(
        "defensive-miners",
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data"),
    );
    let report = execute(&main).expect("runs");
    let out = std::env::temp_dir().join(format!("backtest-bench-charts-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("a directory for the charts");
    c.bench_function("the seven charts of defensive-miners on the sample", |b| {
        b.iter(|| {
            draw_run_charts(
                black_box(&report),
                &ChartOptions::default(),
                &|name, draw| draw(&out.join(name)),
            )
            .expect("draws");
        });
    });
    std::fs::remove_dir_all(&out).expect("the charts' directory is removed");
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
