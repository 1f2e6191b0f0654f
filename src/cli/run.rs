//! `backtest run`: one strategy on one dataset, a table on the terminal and the report files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{Inputs, values};
use crate::data::PriceMode;
use crate::engine::{EngineOptions, FillMode};
use crate::report::{self, ChartOptions};
use crate::run::{RunRequest, every_strategy, execute, execute_many};
use crate::{Error, Result};

#[derive(Debug, Clone, Args)]
#[allow(clippy::struct_excessive_bools, reason = "command-line switches")]
pub(super) struct RunArgs {
    /// Strategy to run (see `backtest list`).
    #[arg(long, conflicts_with = "all")]
    strategy: Option<String>,
    /// Run every registered strategy, in parallel, into one report directory with a
    /// side-by-side comparison.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    inputs: Inputs,
    /// Benchmark symbol, bought and held at the first close (default: SPY where the dataset
    /// has it, else the first symbol).
    #[arg(long)]
    benchmark: Option<String>,
    /// When orders fill: at the next bar's open, or at the signal bar's close.
    #[arg(long, value_enum, default_value_t = FillMode::NextOpen)]
    fill: FillMode,
    /// Starting cash (more than 0, at most 1e12).
    #[arg(
        long,
        default_value_t = 100_000.0,
        value_parser = values::cash,
        allow_negative_numbers = true
    )]
    cash: f64,
    /// Trade whole units only (floor; leftover cash kept).
    #[arg(long)]
    whole_units: bool,
    /// Commission in basis points of traded value; with the slippage, below 10000 (100%).
    #[arg(
        long,
        default_value_t = 0.0,
        value_parser = values::cost_bps,
        allow_negative_numbers = true
    )]
    commission_bps: f64,
    /// Slippage in basis points of traded value, against the trader; with the commission,
    /// below 10000 (100%).
    #[arg(
        long,
        default_value_t = 0.0,
        value_parser = values::cost_bps,
        allow_negative_numbers = true
    )]
    slippage_bps: f64,
    /// Trade prices adjusted by `Adj Close` / `Close` where a file has it, or raw.
    #[arg(long, value_enum, default_value_t = PriceMode::Adjusted)]
    prices: PriceMode,
    /// Annual risk-free rate for Sharpe and Sortino (0.02 = 2%; above -1, at most 1).
    #[arg(
        long,
        default_value_t = 0.0,
        value_parser = values::rate,
        allow_negative_numbers = true
    )]
    risk_free: f64,
    /// A stress window to report besides the built-in ones, as NAME=FROM..TO (repeatable).
    #[arg(long = "window", value_name = "NAME=FROM..TO")]
    windows: Vec<crate::stress::Window>,
    /// Trade, and report, only from this date (YYYY-MM-DD): the strategy sees the earlier bars
    /// as history, so its indicators are warm, and starts holding what it would have held.
    #[arg(long, value_name = "DATE")]
    trade_from: Option<crate::Date>,
    /// What cash earns: an annual rate (0.02 is 2%), or a yield series of the dataset in
    /// percent (^IRX, the 13-week T-bill), accrued on calendar days between bars.
    #[arg(
        long,
        value_name = "RATE|SYMBOL",
        default_value = "0",
        value_parser = values::cash_rate,
        allow_hyphen_values = true
    )]
    cash_rate: crate::engine::CashRate,
    /// What borrowed cash pays, annual (above -1, at most 1): cash goes below zero when a
    /// strategy holds more than its equity (--max-leverage above 1).
    #[arg(
        long,
        default_value_t = 0.0,
        value_parser = values::rate,
        allow_negative_numbers = true
    )]
    margin_rate: f64,
    /// What a short position pays to borrow its shares, in basis points of its value a year.
    #[arg(
        long,
        default_value_t = 0.0,
        value_parser = values::borrow_bps,
        allow_negative_numbers = true
    )]
    borrow_bps: f64,
    /// Largest sum of absolute target weights a strategy may ask for (more than 0, at most
    /// 100).
    #[arg(
        long,
        default_value_t = 1.0,
        value_parser = values::leverage,
        allow_negative_numbers = true
    )]
    max_leverage: f64,
    /// Report directory (default: reports/<strategy>, or reports/ with --all).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the PNG charts.
    #[arg(long)]
    no_charts: bool,
    /// Logarithmic equity axis.
    #[arg(long)]
    log_scale: bool,
    /// Chart size in pixels, as `WIDTHxHEIGHT`.
    #[arg(long, value_parser = parse_size, default_value = "1600x900")]
    chart_size: (u32, u32),
}

fn parse_size(text: &str) -> std::result::Result<(u32, u32), String> {
    let parsed = text
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
    match parsed {
        Some((w, h)) if (200..=10_000).contains(&w) && (200..=10_000).contains(&h) => Ok((w, h)),
        _ => Err("must be WIDTHxHEIGHT with each side from 200 to 10000".into()),
    }
}

impl RunArgs {
    fn request(&self, strategy: &str) -> Result<RunRequest> {
        let costs = self.commission_bps + self.slippage_bps;
        if costs >= values::FULL_COST_BPS {
            return Err(Error::Usage(format!(
                "--commission-bps {} plus --slippage-bps {} is {costs} bps, 100% of traded value \
                 or more; their sum must be below 10000",
                self.commission_bps, self.slippage_bps
            )));
        }
        // A window's name is its key in `summary.json` and `compare`: two of one name would be
        // one result shown twice, or one hiding the other.
        let built_in = crate::stress::built_in();
        if let Some(window) = self
            .windows
            .iter()
            .find(|w| built_in.iter().any(|b| b.name == w.name))
        {
            return Err(Error::Usage(format!(
                "--window {:?}: a built-in window has that name; choose another",
                window.name
            )));
        }
        if let Some((_, window)) = super::repeated(&self.windows, |a, b| a.name == b.name) {
            return Err(Error::Usage(format!(
                "--window {:?} is given twice; each window needs its own name",
                window.name
            )));
        }
        let inputs = self.inputs.request(strategy)?;
        Ok(RunRequest {
            benchmark: self.benchmark.clone(),
            prices: self.prices,
            engine: EngineOptions {
                cash: self.cash,
                fill: self.fill,
                whole_units: self.whole_units,
                commission_bps: self.commission_bps,
                slippage_bps: self.slippage_bps,
                max_leverage: self.max_leverage,
                exits: inputs.engine.exits,
                financing: crate::engine::Financing {
                    cash_rate: self.cash_rate.clone(),
                    margin_rate: self.margin_rate,
                    borrow_rate: self.borrow_bps / 10_000.0,
                    yields: None,
                },
            },
            risk_free: self.risk_free,
            windows: self.windows.clone(),
            trade_from: self.trade_from,
            ..inputs
        })
    }
}

pub(super) fn run(args: &RunArgs) -> Result<ExitCode> {
    let charts = ChartOptions {
        enabled: !args.no_charts,
        size: args.chart_size,
        log_scale: args.log_scale,
    };
    if args.all {
        return run_all(args, charts);
    }
    let Some(strategy) = &args.strategy else {
        return Err(Error::Usage(
            "no strategy given: try `backtest --strategy defensive-miners`, `--all`, or `backtest list`"
                .into(),
        ));
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(strategy));
    // Refused before the run rather than after its table: publishing checks again under its lock.
    crate::publish::Layout::Report.admits(&out)?;
    let report = execute(&args.request(strategy)?)?;
    super::warn_all(&report.summary.dataset.warnings);
    super::emit(&report::text::terminal(&report.summary))?;
    report::write_outputs(&report, &out, charts)?;
    super::emit(&format!("\nreport written to {}\n", out.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// Every registered strategy on one dataset: `<out>/<strategy>/` each, and the comparison.
fn run_all(args: &RunArgs, charts: ChartOptions) -> Result<ExitCode> {
    let requests = every_strategy(&args.request("")?)?;
    let mut reports = Vec::with_capacity(requests.len());
    for (request, result) in requests.iter().zip(execute_many(&requests)) {
        reports.push(result.map_err(|e| e.for_strategy(&request.strategy))?);
    }
    // The strategies share the dataset, and mostly its symbols: each warning is said once.
    let mut warnings: Vec<&String> = reports
        .iter()
        .flat_map(|r| &r.summary.dataset.warnings)
        .collect();
    warnings.sort();
    warnings.dedup();
    super::warn_all(warnings);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("reports"));
    report::write_all(&reports, &out, charts)?;
    let table = report::comparison::markdown(&reports);
    super::emit(&format!("{table}\nreports written to {}\n", out.display()))?;
    Ok(ExitCode::SUCCESS)
}
