//! One backtest from request to results: open the dataset, build the strategy, load and align
//! its symbols and the benchmark, simulate, measure. Everything the reports need comes out in
//! one [`RunReport`]; nothing here writes files.

use std::path::PathBuf;

use crate::Result;
use crate::data::{Dataset, FileReport, LoadOptions, PriceMode, Universe};
use crate::engine::{self, EngineOptions, Run};
use crate::events;
use crate::metrics::{self, Metrics};
use crate::report::summary::{self, BenchmarkInfo, Summary};
use crate::strategies;
use crate::strategy::Params;
use crate::stress::{self, Window};
use crate::trades::{self, Trade};

/// The market every strategy is measured against, where the dataset has it.
pub const DEFAULT_BENCHMARK: &str = "SPY";

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Registered strategy name.
    pub strategy: String,
    /// `key=value` parameters.
    pub params: Vec<String>,
    /// Dataset directories or files.
    pub data: Vec<PathBuf>,
    /// Symbols for strategies that take them; empty: every symbol of the dataset.
    pub symbols: Vec<String>,
    /// Benchmark symbol; `None`: SPY where the dataset has it, else the strategy's first symbol.
    pub benchmark: Option<String>,
    /// How to read the files.
    pub load: LoadOptions,
    /// Adjusted or raw prices.
    pub prices: PriceMode,
    /// How the engine trades.
    pub engine: EngineOptions,
    /// Annual risk-free rate for Sharpe and Sortino.
    pub risk_free: f64,
    /// Stress windows to measure besides the built-in ones.
    pub windows: Vec<Window>,
}

impl RunRequest {
    /// `strategy` with its defaults on `data`: every symbol, the default benchmark, adjusted
    /// prices, the default engine options, no risk-free rate, the built-in stress windows.
    #[must_use]
    pub fn new(strategy: &str, data: PathBuf) -> Self {
        RunRequest {
            strategy: strategy.to_string(),
            params: vec![],
            data: vec![data],
            symbols: vec![],
            benchmark: None,
            load: LoadOptions::default(),
            prices: PriceMode::Adjusted,
            engine: EngineOptions::default(),
            risk_free: 0.0,
            windows: vec![],
        }
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The machine-readable summary (what `summary.json` holds).
    pub summary: Summary,
    /// The aligned data the run used; the strategy's symbols first, then the benchmark if
    /// it is not one of them.
    pub universe: Universe,
    /// The simulation.
    pub run: Run,
    /// Round trips.
    pub trades: Vec<Trade>,
    /// The benchmark's buy-and-hold equity, on the same calendar.
    pub benchmark_equity: Vec<f64>,
    /// What the loader found in each file.
    pub files: Vec<FileReport>,
}

/// Runs several backtests in parallel; the results keep the order of the requests, and each
/// is exactly what [`execute`] gives alone (runs share nothing).
#[must_use]
pub fn execute_many(requests: &[RunRequest]) -> Vec<Result<RunReport>> {
    execute_many_with(requests, &|| {})
}

/// [`execute_many`], calling `on_done` as each run finishes (from whichever thread ran it), so
/// that a caller can show progress.
#[must_use]
pub fn execute_many_with(
    requests: &[RunRequest],
    on_done: &(dyn Fn() + Sync),
) -> Vec<Result<RunReport>> {
    use rayon::prelude::*;
    requests
        .par_iter()
        .map(|request| {
            let report = execute(request);
            on_done();
            report
        })
        .collect()
}

/// The requests of `run --all`: `template` once per registered strategy, each given only the
/// `--param` pairs it declares.
///
/// # Errors
/// A parameter no strategy declares.
pub fn every_strategy(template: &RunRequest) -> Result<Vec<RunRequest>> {
    for pair in &template.params {
        let key = key_of(pair);
        if !strategies::REGISTRY
            .iter()
            .any(|s| s.params.iter().any(|p| p.name == key))
        {
            return Err(crate::Error::Usage(format!(
                "--param {pair:?}: no registered strategy has a parameter {key:?} (see backtest list)"
            )));
        }
    }
    Ok(strategies::REGISTRY
        .iter()
        .map(|spec| RunRequest {
            strategy: spec.name.to_string(),
            params: template
                .params
                .iter()
                .filter(|pair| spec.params.iter().any(|p| p.name == key_of(pair)))
                .cloned()
                .collect(),
            ..template.clone()
        })
        .collect())
}

/// The key of a `key=value` pair.
fn key_of(pair: &str) -> &str {
    pair.split_once('=').map_or(pair, |(key, _)| key).trim()
}

/// Runs a backtest.
///
/// # Errors
/// Unknown strategy or parameter, missing symbol, bad data file, or a strategy answer the
/// engine refuses.
pub fn execute(request: &RunRequest) -> Result<RunReport> {
    let spec = strategies::find(&request.strategy)?;
    let params = Params::parse(spec, &request.params)?;
    let dataset = Dataset::open(&request.data)?;
    let symbols = if request.symbols.is_empty() {
        dataset.symbols()
    } else {
        request
            .symbols
            .iter()
            .map(|s| dataset.canonical(s))
            .collect::<Result<Vec<_>>>()?
    };
    let mut strategy = (spec.build)(&params, &symbols)?;
    let mut wanted: Vec<String> = strategy.symbols().to_vec();
    let benchmark = match &request.benchmark {
        Some(symbol) => dataset.canonical(symbol)?,
        None => dataset
            .canonical(DEFAULT_BENCHMARK)
            .unwrap_or_else(|_| wanted[0].clone()),
    };
    let bench_index = if let Some(i) = wanted.iter().position(|s| *s == benchmark) {
        i
    } else {
        wanted.push(benchmark.clone());
        wanted.len() - 1
    };
    for symbol in strategy.symbols() {
        dataset
            .path(symbol)
            .map_err(|e| e.for_strategy(spec.name))?;
    }
    let (universe, files) = dataset.universe(&wanted, &request.load, request.prices)?;
    let run = engine::simulate(spec.name, strategy.as_mut(), &universe, &request.engine)?;
    let last = universe.len() - 1;
    let last_close: Vec<f64> = universe.series.iter().map(|s| s.close[last]).collect();
    let trades = trades::round_trips(&run, &universe.dates, &last_close);
    let metrics = Metrics {
        performance: metrics::performance(&universe.dates, &run.equity, request.risk_free),
        activity: metrics::activity(&run, &trades),
    };
    let benchmark_equity =
        engine::buy_and_hold_curve(&universe.series[bench_index].close, request.engine.cash);
    let windows: Vec<Window> = stress::built_in()
        .into_iter()
        .chain(request.windows.iter().cloned())
        .collect();
    let events = strategy.signal_bars().map(|bars| {
        events::study(
            &universe.series[0].symbol,
            &universe.dates,
            &universe.series[0].close,
            bars,
        )
    });
    let summary = summary::build(summary::Parts {
        request,
        spec_name: spec.name,
        params: &params,
        dataset: &dataset,
        universe: &universe,
        run: &run,
        files: &files,
        metrics,
        benchmark: BenchmarkInfo {
            symbol: benchmark,
            final_equity: benchmark_equity[last],
            metrics: metrics::performance(&universe.dates, &benchmark_equity, request.risk_free),
        },
        benchmark_metrics: metrics::relative(
            &metrics::simple_returns(&run.equity),
            &metrics::simple_returns(&benchmark_equity),
            request.risk_free,
        ),
        stress_windows: stress::measure(&windows, &universe.dates, &run.equity, &benchmark_equity),
        events,
    });
    Ok(RunReport {
        summary,
        universe,
        run,
        trades,
        benchmark_equity,
        files,
    })
}
