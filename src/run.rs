//! One backtest from request to results: open the dataset, build the strategy, load and align
//! its symbols and the benchmark, simulate, measure. Everything the reports need comes out in
//! one [`RunReport`]; nothing here writes files.

use std::path::PathBuf;

use crate::data::{Dataset, FileReport, LoadOptions, PriceMode, Universe};
use crate::engine::{self, CashRate, EngineOptions, Run};
use crate::events;
use crate::indicators::Lines;
use crate::metrics::{self, Metrics, Performance};
use crate::report::summary::{self, BenchmarkInfo, Summary};
use crate::strategies;
use crate::strategy::{Params, Reads, Strategy, StrategySpec};
use crate::stress::{self, Window};
use crate::trades::{self, Trade};
use crate::{Date, Error, Result};

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
    /// Trade, and measure, only from this date; the strategy sees the bars before it as
    /// history (its indicators warm up on them).
    pub trade_from: Option<Date>,
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
            trade_from: None,
        }
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The machine-readable summary (what `summary.json` holds).
    pub summary: Summary,
    /// The aligned data of the bars traded (from `trade_from` when given; the bars before it
    /// were history only); the strategy's symbols first, then the benchmark if it is not one
    /// of them.
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
    use rayon::prelude::*;
    requests.par_iter().map(execute).collect()
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

/// A request resolved against its dataset: the strategy, and the symbols the user asked it to
/// trade. Building strategies and loading their market are separate steps so that a sweep
/// loads the data once for all its parameter sets.
pub struct Setup<'r> {
    /// The request.
    pub request: &'r RunRequest,
    /// The registered strategy.
    pub spec: &'static StrategySpec,
    /// The opened dataset.
    pub dataset: Dataset,
    /// The symbols asked for (every symbol of the dataset when none were named).
    symbols: Vec<String>,
}

/// The data a strategy runs on: its symbols, then the benchmark unless it is one of them,
/// loaded and aligned. The calendar is the strategy's symbols' alone: the benchmark is laid on
/// it (carrying its last close over a day it lacks) and never changes the run's dates, so a
/// benchmark with a shorter history than the strategy's symbols is refused when named
/// (`--benchmark`) and replaced, with a note, when it is the default.
#[derive(Debug, Clone)]
pub struct Market {
    /// The aligned series.
    pub universe: Universe,
    /// What the loader found in each file.
    pub files: Vec<FileReport>,
    /// The benchmark's symbol.
    pub benchmark: String,
    /// The benchmark's series in the universe.
    pub benchmark_index: usize,
    /// Why the benchmark is not the default one, where it is not.
    pub benchmark_note: Option<String>,
    /// What may be wrong with the data though it loaded, file by file (see
    /// [`Dataset::unit_warning`]): every command that loads a market says it.
    pub warnings: Vec<String>,
}

/// A simulation and what is measured from it.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The universe's bar at which trading began (0 without `trade_from`): the run's bar 0.
    pub first: usize,
    /// The simulation.
    pub run: Run,
    /// Round trips.
    pub trades: Vec<Trade>,
    /// Simple returns of the equity curve, bar to bar.
    pub returns: Vec<f64>,
    /// Return and risk statistics (the activity statistics are the report's, from the run and
    /// the trades: a sweep, which ranks thousands of runs, does not need them).
    pub performance: Performance,
}

impl<'r> Setup<'r> {
    /// Finds the strategy and opens the dataset of `request`.
    ///
    /// # Errors
    /// Unknown strategy, unreadable dataset, or a named symbol the dataset does not hold.
    pub fn new(request: &'r RunRequest) -> Result<Self> {
        let spec = strategies::find(&request.strategy)?;
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
        Ok(Setup {
            request,
            spec,
            dataset,
            symbols,
        })
    }

    /// Reads `key=value` pairs as the strategy's parameters.
    ///
    /// # Errors
    /// An unknown key or a pair without `=`.
    pub fn params(&self, pairs: &[String]) -> Result<Params> {
        Params::parse(self.spec, pairs)
    }

    /// Builds the strategy with `params` for the requested symbols.
    ///
    /// # Errors
    /// The strategy refuses the parameters or the symbols.
    pub fn build(&self, params: &Params) -> Result<Box<dyn Strategy>> {
        (self.spec.build)(params, &self.symbols)
    }

    /// Builds the strategy with `params` and measures it on the universe of `lines` under
    /// `request` (this setup's request, or one with other cash or another `trade_from`): one
    /// run of a sweep, a walk-forward window or a robustness path.
    ///
    /// # Errors
    /// The strategy refuses the parameters, or an answer of it the engine refuses.
    pub fn measure(
        &self,
        params: &Params,
        lines: &Lines<'_>,
        request: &RunRequest,
    ) -> Result<Outcome> {
        let mut strategy = self.build(params)?;
        measure(self.spec.name, strategy.as_mut(), lines, request)
    }

    /// The cash rate's yield series on the calendar of `universe`, when the request names one
    /// (`--cash-rate ^IRX`).
    ///
    /// # Errors
    /// The dataset does not hold the series, its file is refused, or it starts too late.
    pub fn yields(&self, universe: &Universe) -> Result<Option<std::sync::Arc<[f64]>>> {
        let CashRate::Series(symbol) = &self.request.engine.financing.cash_rate else {
            return Ok(None);
        };
        let rates = self
            .dataset
            .rates_on(symbol, &universe.dates, &self.request.load)?;
        Ok(Some(rates.into()))
    }

    /// The request, with the cash rate's yield series on the calendar of `universe` where it
    /// names one.
    ///
    /// # Errors
    /// As [`Setup::yields`].
    pub fn financed(&self, universe: &Universe) -> Result<std::borrow::Cow<'r, RunRequest>> {
        Ok(match self.yields(universe)? {
            None => std::borrow::Cow::Borrowed(self.request),
            Some(yields) => {
                let mut with_yields = self.request.clone();
                with_yields.engine.financing.yields = Some(yields);
                std::borrow::Cow::Owned(with_yields)
            }
        })
    }

    /// Loads and aligns the series a strategy reads: the symbols it trades, then its signals,
    /// then the benchmark (where it is not one of them).
    ///
    /// # Errors
    /// A symbol the dataset does not hold, a yield series to trade, or a file that is refused.
    pub fn market(&self, reads: &Reads) -> Result<Market> {
        let request = self.request;
        let dataset = &self.dataset;
        let traded = &reads.traded;
        for symbol in traded.iter().chain(&reads.signals) {
            dataset
                .path(symbol)
                .map_err(|e| e.for_strategy(self.spec.name))?;
        }
        for symbol in traded {
            if crate::data::is_rate(symbol) {
                return Err(Error::Usage(format!(
                    "{}: {symbol} is a yield series, not a price to trade: use it as the cash \
                     rate (--cash-rate {symbol}) or as a strategy's signal",
                    self.spec.name
                )));
            }
        }
        let wanted: Vec<String> = traded.iter().chain(&reads.signals).cloned().collect();
        let (mut universe, mut files) = dataset.universe(&wanted, &request.load, request.prices)?;
        let named = match &request.benchmark {
            Some(symbol) => Some(dataset.canonical(symbol)?),
            None => dataset.canonical(DEFAULT_BENCHMARK).ok(),
        };
        let mut benchmark_note = None;
        let (benchmark, benchmark_index) = match named {
            Some(symbol) if let Some(i) = wanted.iter().position(|s| *s == symbol) => (symbol, i),
            Some(symbol) => {
                let (bars, report) = dataset.load(&symbol, &request.load)?;
                let (first, last) = (universe.dates[0], universe.dates[universe.len() - 1]);
                if bars.dates[0] <= first && bars.dates[bars.len() - 1] >= last {
                    files.push(report.within(&bars.dates, first, last));
                    let index = universe.add(&bars, request.prices);
                    (symbol, index)
                } else {
                    let short = format!(
                        "{symbol} has bars from {} to {} only, and the run spans {first} to {last}",
                        bars.dates[0],
                        bars.dates[bars.len() - 1]
                    );
                    if request.benchmark.is_some() {
                        return Err(Error::Usage(format!(
                            "--benchmark {short}: a benchmark never shortens a run; name one \
                             that covers it, or cut the run with --from and --to"
                        )));
                    }
                    benchmark_note = Some(format!(
                        "{short}: {} buy and hold is the benchmark instead (--benchmark names \
                         another)",
                        wanted[0]
                    ));
                    (wanted[0].clone(), 0)
                }
            }
            None => (wanted[0].clone(), 0),
        };
        let warnings = files
            .iter()
            .filter_map(|f| dataset.unit_warning(&f.symbol))
            .collect();
        Ok(Market {
            universe,
            files,
            benchmark,
            benchmark_index,
            benchmark_note,
            warnings,
        })
    }
}

/// Simulates `strategy` on the universe of `lines` with the request's engine options, from
/// `trade_from` if the request has it, and measures it over the bars it traded.
///
/// # Errors
/// A strategy answer the engine refuses, or a `trade_from` after the last bar.
pub fn measure(
    name: &str,
    strategy: &mut dyn Strategy,
    lines: &Lines<'_>,
    request: &RunRequest,
) -> Result<Outcome> {
    let universe = lines.universe();
    let first = match request.trade_from {
        None => 0,
        Some(date) => universe.bar_on_or_after(date).ok_or_else(|| {
            Error::Usage(format!(
                "--trade-from {date} is after the last bar of the data ({})",
                universe.dates[universe.len() - 1]
            ))
        })?,
    };
    let run = engine::simulate_on(name, strategy, lines, &request.engine, first)?;
    let dates = &universe.dates[first..];
    let trades = trades::round_trips(&run, universe, first, request.engine.fill);
    let returns = metrics::simple_returns(&run.equity);
    let performance = metrics::performance_from(
        dates,
        &run.equity,
        &returns,
        request.risk_free,
        request.load.bars,
    );
    Ok(Outcome {
        first,
        run,
        trades,
        returns,
        performance,
    })
}

/// Runs a backtest.
///
/// # Errors
/// Unknown strategy or parameter, missing symbol, bad data file, or a strategy answer the
/// engine refuses.
pub fn execute(request: &RunRequest) -> Result<RunReport> {
    let setup = Setup::new(request)?;
    let spec = setup.spec;
    let params = setup.params(&request.params)?;
    let mut strategy = setup.build(&params)?;
    let Market {
        universe,
        files,
        benchmark,
        benchmark_index,
        benchmark_note,
        warnings,
    } = setup.market(&Reads::of(strategy.as_ref()))?;
    let request = &*setup.financed(&universe)?;
    let Outcome {
        first,
        run,
        trades,
        returns,
        performance,
    } = measure(
        spec.name,
        strategy.as_mut(),
        &Lines::new(&universe),
        request,
    )?;
    // Everything below, like the run, covers the bars traded.
    let universe = if first == 0 {
        universe
    } else {
        universe.slice(first..universe.len())
    };
    let last = universe.len() - 1;
    let benchmark_equity = engine::buy_and_hold_curve(
        &universe.series[benchmark_index],
        &universe.dates,
        request.engine.cash,
    )?;
    let benchmark_returns = metrics::simple_returns(&benchmark_equity);
    let windows: Vec<Window> = stress::built_in()
        .into_iter()
        .chain(request.windows.iter().cloned())
        .collect();
    let events = strategy.signal_bars().map(|bars| {
        let traded: Vec<usize> = bars
            .iter()
            .filter_map(|bar| bar.checked_sub(first))
            .collect();
        events::study(
            &universe.series[0].symbol,
            &universe.dates,
            &universe.series[0].close,
            &traded,
        )
    });
    let summary = summary::build(summary::Parts {
        request,
        spec_name: spec.name,
        params: &params,
        dataset: &setup.dataset,
        universe: &universe,
        run: &run,
        files: &files,
        warnings,
        metrics: Metrics {
            performance,
            activity: metrics::activity(&run, &trades, request.load.bars),
        },
        benchmark: BenchmarkInfo {
            symbol: benchmark,
            note: benchmark_note,
            final_equity: benchmark_equity[last],
            metrics: metrics::performance_from(
                &universe.dates,
                &benchmark_equity,
                &benchmark_returns,
                request.risk_free,
                request.load.bars,
            ),
        },
        benchmark_metrics: metrics::relative(
            &returns,
            &benchmark_returns,
            request.risk_free,
            request.load.bars,
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
