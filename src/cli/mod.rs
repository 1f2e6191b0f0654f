//! The command line: argument definitions (clap derive) and one module per subcommand.
//! `backtest --strategy X ...` is short for `backtest run --strategy X ...`.

mod baseline;
mod compare;
mod data;
mod list;
mod robustness;
mod run;
mod sweep;
mod synth;
mod values;
mod walkforward;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::Result;

/// Backtest trading strategies on daily OHLC data of metals and mining equities.
#[derive(Debug, Parser)]
#[command(
    name = "backtest",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: run::RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one strategy and write its report (the default command).
    Run(run::RunArgs),
    /// List the registered strategies with their parameters and defaults.
    List,
    /// Inspect data files.
    #[command(subcommand)]
    Data(DataCommand),
    /// Generate the synthetic sample dataset.
    Synth(synth::SynthArgs),
    /// Compare two sets of results (summary.json files or report directories).
    Compare(compare::CompareArgs),
    /// Update or check the committed baselines.
    #[command(subcommand)]
    Baseline(baseline::BaselineCommand),
    /// Run a strategy over every combination of parameter grids, ranked, with overfitting
    /// statistics (probabilistic and deflated Sharpe ratios).
    Sweep(sweep::SweepArgs),
    /// Choose parameters on each training window, trade them on the next, and compare the
    /// stitched out-of-sample run with the hindsight best.
    WalkForward(walkforward::WalkForwardArgs),
    /// Run a strategy on many synthetic (Monte Carlo) or block-bootstrap paths and report
    /// percentiles of its CAGR, Sharpe ratio and max drawdown beside the historical run's.
    Robustness(robustness::RobustnessArgs),
}

#[derive(Debug, Subcommand)]
enum DataCommand {
    /// Load every CSV of a directory and report, per file, what the loader found.
    Check(data::CheckArgs),
}

/// Options that say which files to read and how.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// A chrono format for non-ISO dates, e.g. %d/%m/%Y.
    #[arg(long, value_name = "FORMAT")]
    date_format: Option<String>,
    /// Keep bars on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<crate::Date>,
    /// Keep bars on or before this date (YYYY-MM-DD): the way to drop a partial last day.
    #[arg(long, value_name = "DATE")]
    to: Option<crate::Date>,
    /// The exchange's time zone (IANA, e.g. Europe/Berlin): time stamps with an offset are
    /// read as the date there, not the date written (see the README's data policies).
    #[arg(long, value_name = "ZONE", value_parser = values::time_zone)]
    timezone: Option<chrono_tz::Tz>,
    /// What each bar covers: the files' days, or weeks (ISO, Monday to Sunday) or calendar
    /// months of them, each dated on its last trading day; statistics are annualised with
    /// 252, 52 or 12 bars a year.
    #[arg(long, value_enum, default_value_t = crate::data::BarLength::Daily)]
    bars: crate::data::BarLength,
}

/// What a strategy runs on and with which parameters: shared by `run`, `sweep`,
/// `walk-forward` and `robustness`.
#[derive(Debug, Clone, Args)]
pub struct Inputs {
    /// Dataset directory or CSV files (repeat or separate with commas; a path that exists
    /// with its commas is taken whole).
    #[arg(long, default_values_os_t = default_data())]
    data: Vec<PathBuf>,
    /// Symbols to trade, for strategies that take them (default: every symbol of the dataset).
    #[arg(long, value_delimiter = ',')]
    symbols: Vec<String>,
    /// Strategy parameter as key=value (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    #[command(flatten)]
    files: DataArgs,
    #[command(flatten)]
    exits: ExitArgs,
}

/// Exits the engine attaches to every position any strategy opens.
#[derive(Debug, Clone, Copy, Args)]
pub struct ExitArgs {
    /// Close a position when the price moves this fraction of its entry fill price against it
    /// (0.05: a long is sold 5% below its entry), within the bar (see docs/ORDERS.md).
    #[arg(long, value_name = "F", value_parser = values::stop_distance)]
    stop_loss: Option<f64>,
    /// Close a position when the price moves this fraction of its entry fill price in its
    /// favour (0.10: a long is sold 10% above its entry), within the bar.
    #[arg(long, value_name = "F", value_parser = values::profit_distance)]
    take_profit: Option<f64>,
    /// Close a position when the price falls this fraction below the best close since entry
    /// (above the lowest, for a short); with --trail-on high, the best high.
    #[arg(long, value_name = "F", value_parser = values::stop_distance)]
    trailing_stop: Option<f64>,
    /// What the trailing stop follows: each bar's close, or its high (low for a short).
    #[arg(long, value_enum, default_value_t = crate::engine::TrailOn::Close, requires = "trailing_stop")]
    trail_on: crate::engine::TrailOn,
}

impl ExitArgs {
    /// The engine's exits.
    fn exits(self) -> crate::engine::Exits {
        crate::engine::Exits {
            stop_loss: self.stop_loss,
            take_profit: self.take_profit,
            trailing_stop: self.trailing_stop,
            trail_on: self.trail_on,
        }
    }
}

impl Inputs {
    /// A request for `strategy` on these inputs, every other option at its default.
    ///
    /// # Errors
    /// A parameter or a symbol given twice, or a `--from` after the `--to`.
    fn request(&self, strategy: &str) -> Result<crate::run::RunRequest> {
        refuse_repeated_params(&self.params)?;
        // Symbols match their files case-insensitively, so `SPY,spy` is SPY twice.
        if let Some((first, second)) = repeated(&self.symbols, |a, b| {
            a.trim().eq_ignore_ascii_case(b.trim())
        }) {
            return Err(crate::Error::Usage(format!(
                "--symbols names {first:?} twice (as {first:?} and {second:?}); name each symbol \
                 once"
            )));
        }
        Ok(crate::run::RunRequest {
            params: self.params.clone(),
            data: self
                .data
                .iter()
                .flat_map(|value| data_paths(value))
                .collect(),
            symbols: self.symbols.clone(),
            load: self.files.load_options()?,
            engine: crate::engine::EngineOptions {
                exits: self.exits.exits(),
                ..crate::engine::EngineOptions::default()
            },
            ..crate::run::RunRequest::new(strategy, PathBuf::new())
        })
    }
}

/// The paths of one `--data` value: the value itself where such a path exists (a folder
/// named `prices,2024` is one folder), else its comma-separated parts.
fn data_paths(value: &Path) -> Vec<PathBuf> {
    match value.to_str() {
        Some(text) if text.contains(',') && !value.exists() => {
            text.split(',').map(PathBuf::from).collect()
        }
        _ => vec![value.to_path_buf()],
    }
}

impl DataArgs {
    fn load_options(&self) -> Result<crate::data::LoadOptions> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(crate::Error::Usage(format!(
                "--from {from} is after --to {to}"
            )));
        }
        Ok(crate::data::LoadOptions {
            date_format: self.date_format.clone(),
            from: self.from,
            to: self.to,
            timezone: self.timezone,
            bars: self.bars,
        })
    }
}

/// The first item of `items` that is `same` as an earlier one, with that earlier one.
fn repeated<T>(items: &[T], same: impl Fn(&T, &T) -> bool) -> Option<(&T, &T)> {
    items.iter().enumerate().find_map(|(i, item)| {
        items[..i]
            .iter()
            .find(|earlier| same(earlier, item))
            .map(|earlier| (earlier, item))
    })
}

/// Refuses a `--param` key given twice: one of the values would silently win (`sweep` refuses
/// a parameter both fixed and swept the same way).
///
/// # Errors
/// The first key given twice, with both values.
fn refuse_repeated_params(pairs: &[String]) -> Result<()> {
    let key = |pair: &String| pair.split_once('=').map(|(k, _)| k.trim().to_string());
    match repeated(pairs, |a, b| key(a).is_some() && key(a) == key(b)) {
        Some((first, second)) => Err(crate::Error::Usage(format!(
            "--param {first:?} and --param {second:?} set one parameter twice; give it once"
        ))),
        None => Ok(()),
    }
}

/// The most worker threads `RAYON_NUM_THREADS` may ask for. Each is an OS thread with its own
/// stack; thousands of them are a typo that would exhaust the process's threads, not a
/// machine (one per core is the default).
const MAX_THREADS: usize = 1024;

/// Builds the global thread pool that the parallel runs share, with `RAYON_NUM_THREADS` workers
/// when it is set (0 or unset: one per core). Built here, before any work, so that a bad value
/// or a failed build is an error with one line instead of a panic at the first parallel run.
///
/// # Errors
/// The variable is not a whole number up to [`MAX_THREADS`], or the threads cannot be started.
fn thread_pool() -> Result<()> {
    const VARIABLE: &str = "RAYON_NUM_THREADS";
    let threads = match std::env::var_os(VARIABLE) {
        None => 0,
        Some(value) => value
            .to_str()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .filter(|n| *n <= MAX_THREADS)
            .ok_or_else(|| {
                crate::Error::Usage(format!(
                    "{VARIABLE} must be a whole number of worker threads from 1 to \
                     {MAX_THREADS} (0 or unset: one per core), not {:?}",
                    value.to_string_lossy()
                ))
            })?,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| crate::Error::io("the thread pool", std::io::Error::other(e)))
}

/// Writes one line to standard error. A standard error that cannot be written (`2>/dev/full`,
/// a closed pipe) loses the line, never the exit code: `eprintln!` would panic there, and the
/// process end with 101 instead of its code.
pub fn warn(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Writes each of a run's data warnings to standard error as `warning: ...`: the table and
/// `summary.json` hold them too, but a user reading neither closely still sees them.
fn warn_all<'w>(warnings: impl IntoIterator<Item = &'w String>) {
    for warning in warnings {
        warn(&format!("warning: {warning}"));
    }
}

/// Parses the command line and runs it; the process's exit code on success.
///
/// # Errors
/// Whatever the command fails with; `main` prints it and exits with its code.
pub fn main() -> Result<ExitCode> {
    let cli = Cli::parse();
    thread_pool()?;
    match cli.command {
        Some(Command::Run(args)) => run::run(&args),
        None => run::run(&cli.run),
        Some(Command::List) => list::list(),
        Some(Command::Data(DataCommand::Check(args))) => data::check(&args),
        Some(Command::Synth(args)) => synth::synth(&args),
        Some(Command::Compare(args)) => compare::compare_sets(&args),
        Some(Command::Baseline(command)) => baseline::baseline(&command),
        Some(Command::Sweep(args)) => sweep::sweep(&args),
        Some(Command::WalkForward(args)) => walkforward::walk_forward(&args),
        Some(Command::Robustness(args)) => robustness::robustness(&args),
    }
}

/// A progress bar on standard error when it is a terminal (hidden otherwise, so that pipes and
/// logs stay clean), counting `what` up to `total` if known.
fn progress(total: Option<usize>, what: &str) -> indicatif::ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return indicatif::ProgressBar::hidden();
    }
    let length = total.map(|n| u64::try_from(n).unwrap_or(u64::MAX));
    let bar =
        indicatif::ProgressBar::with_draw_target(length, indicatif::ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        format!("{{bar:40}} {{pos}}/{{len}} {what}, {{elapsed}} ({{eta}} left)")
    } else {
        format!("{{spinner}} {{pos}} {what}, {{elapsed}}")
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// Draws a command's chart to the path it is given.
type Draw<'a> = &'a dyn Fn(&Path) -> Result<()>;

/// Writes the outputs of a research command (`sweep`, `walk-forward`, `robustness`) as the
/// directory `out`, by default `reports/<command>-<strategy>`: `texts`, the contents of its
/// text files in the order [`Research::texts`] names them, and its chart if `draw` is given,
/// all at once, replacing the previous outputs of the command there (see
/// [`crate::publish::publish_dir`]); then prints its Markdown `table` with where everything
/// went.
///
/// [`Research::texts`]: crate::publish::Research::texts
fn write_research(
    out: Option<&Path>,
    (research, strategy): (&'static crate::publish::Research, &str),
    texts: &[&str],
    draw: Option<Draw<'_>>,
    table: &str,
) -> Result<ExitCode> {
    use crate::publish::{Layout, publish_dir, write_file};
    let command = research.command;
    let out = out.map_or_else(
        || PathBuf::from("reports").join(format!("{command}-{strategy}")),
        Path::to_path_buf,
    );
    debug_assert_eq!(
        texts.len(),
        research.texts.len(),
        "every text file of {command}"
    );
    publish_dir(&out, Layout::Research(research), |staging| {
        for (name, contents) in research.texts.iter().zip(texts) {
            write_file(&staging.join(name), contents)?;
        }
        draw.map_or(Ok(()), |draw| draw(&staging.join(research.chart)))
    })?;
    emit(&format!(
        "{table}\n{command} written to {}\n",
        out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The `--data` paths joined for a chart's subtitle.
fn data_label(data: &[PathBuf]) -> String {
    data.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes to standard output; a closed pipe (`backtest list | head -1`) ends the output
/// quietly instead of failing.
fn emit(text: &str) -> Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::Error::io("standard output", e))
        }
        _ => Ok(()),
    }
}

/// Exit code 1 when results drifted, 0 when not.
fn drift_code(drift: bool) -> ExitCode {
    if drift {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Where the sample dataset lives, relative to the repository's root.
const SAMPLE_DATA: &str = "data";

fn default_data() -> Vec<PathBuf> {
    vec![PathBuf::from(SAMPLE_DATA)]
}
