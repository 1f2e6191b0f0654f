//! `summary.json`: the versioned, machine-readable result of a run. Keys are stable and
//! documented in the README; a change of shape bumps [`SCHEMA_VERSION`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::tables;
use crate::Date;
use crate::data::{BarLength, Dataset, FileReport, PriceMode, Universe};
use crate::engine::{FillMode, Run};
use crate::events::EventStudy;
use crate::metrics::{Metrics, Performance, Relative};
use crate::run::RunRequest;
use crate::strategy::Params;
use crate::stress::StressResult;

/// Version of the `summary.json` layout. Version 2 added the engine's exits (`options.exits`,
/// `metrics.exits`), financing (`options.financing`, `metrics.interest`,
/// `metrics.borrow_costs`), `metrics.fills` and `metrics.rebalances`, and the `kind` column of
/// `fills.csv`, which `fill_hash` covers; `compare` reads version 1 too (see `compare.rs`).
pub const SCHEMA_VERSION: u32 = 2;

/// The result of a run, as written to `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Layout version.
    pub schema_version: u32,
    /// Strategy name.
    pub strategy: String,
    /// Every parameter with the value used.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// How the run traded.
    pub options: Options,
    /// What it ran on.
    pub dataset: DatasetInfo,
    /// Equity at the last close.
    pub final_equity: f64,
    /// Where equity reached zero, if it did (`ruined_on` and `shortfall` in the JSON, both
    /// absent from runs that were not ruined).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub ruin: Option<RuinInfo>,
    /// FNV-1a 64-bit hash of `fills.csv`: any change in any fill changes it.
    pub fill_hash: String,
    /// Headline statistics.
    pub metrics: Metrics,
    /// The benchmark's own statistics (buy and hold at the first close, no costs).
    pub benchmark: BenchmarkInfo,
    /// The strategy measured against the benchmark.
    pub benchmark_metrics: Relative,
    /// The strategy and the benchmark through the stress windows inside the data.
    pub stress_windows: Vec<StressResult>,
    /// What the asset did after each signal, for strategies with discrete signals; else null.
    pub events: Option<EventStudy>,
}

/// A ruined run's end (see [`crate::engine::Ruin`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RuinInfo {
    /// The close at which equity reached zero: the run ended there, every position closed at
    /// that close; equity is 0 from then on.
    pub ruined_on: Date,
    /// What was owed beyond zero, written off.
    pub shortfall: f64,
}

/// Run options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Options {
    /// Starting cash.
    pub cash: f64,
    /// When orders fill.
    pub fill: FillMode,
    /// Whole units only.
    pub whole_units: bool,
    /// Commission, basis points of traded value.
    pub commission_bps: f64,
    /// Slippage, basis points of traded value.
    pub slippage_bps: f64,
    /// Benchmark symbol.
    pub benchmark: String,
    /// Adjusted or raw prices.
    pub prices: PriceMode,
    /// Annual risk-free rate used in Sharpe and Sortino.
    pub risk_free: f64,
    /// Cap on gross target weight.
    pub max_leverage: f64,
    /// The exits attached to every position (`null` where not used).
    pub exits: crate::engine::Exits,
    /// What cash earns (a rate, or the symbol of a yield series), borrowed cash and shorts
    /// pay.
    pub financing: crate::engine::Financing,
    /// `--from`, if given.
    pub from: Option<Date>,
    /// `--to`, if given.
    pub to: Option<Date>,
    /// What each bar covers (`--bars`): daily, weekly or monthly, and so the bars in a year
    /// that annualise the statistics (252, 52, 12). Added within schema 2: `compare` reads a
    /// summary without it as daily, which every run before it was.
    pub bars: BarLength,
    /// `--trade-from`, if given: the bars before it were history only.
    pub trade_from: Option<Date>,
}

/// The data a run used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetInfo {
    /// The paths given with `--data`.
    pub path: String,
    /// Generated data (from the manifest), not market history.
    pub synthetic: bool,
    /// The manifest's name, if any.
    pub name: Option<String>,
    /// Symbols the strategy traded (the benchmark is in `options.benchmark`).
    pub symbols: Vec<String>,
    /// First date of the aligned calendar.
    pub first_date: Date,
    /// Last date of the aligned calendar.
    pub last_date: Date,
    /// Bars on the calendar.
    pub bars: usize,
    /// Symbols whose files have only a close (fills at the next close).
    pub close_only: Vec<String>,
    /// Symbols whose prices were scaled by `Adj Close / Close`.
    pub adjusted: Vec<String>,
    /// Per symbol, calendar days without a bar (marked at the last close).
    pub missing_bars: BTreeMap<String, usize>,
    /// Fills postponed because a symbol had no bar.
    pub postponed_fills: usize,
    /// Hash of the hashes of every file loaded (the benchmark's included), and of the
    /// manifest's `units`, `date_formats` and `timezones` for them where it has any: changes
    /// when any of the data, or how it is read, changes.
    pub fingerprint: String,
    /// Per symbol loaded, the unit the manifest's `[units]` gives its prices in (`pence` and
    /// `cents` were divided by 100). Absent where there is none, as in every run before it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub units: BTreeMap<String, &'static str>,
    /// Per symbol loaded, the date format the manifest's `[date_formats]` gives it, over
    /// `--date-format`; absent where there is none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub date_formats: BTreeMap<String, String>,
    /// Per symbol loaded, the time zone the manifest's `[timezones]` gives it, over
    /// `--timezone`; absent where there is none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub timezones: BTreeMap<String, String>,
    /// What may be wrong with the data though it loaded (see
    /// [`Dataset::unit_warning`]); absent where nothing is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Per symbol, the defects found and kept (see `backtest data check`).
    pub defects: BTreeMap<String, BTreeMap<&'static str, usize>>,
}

/// The benchmark's curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchmarkInfo {
    /// Its symbol.
    pub symbol: String,
    /// Why it is not the default benchmark, where it is not (the default's history is
    /// shorter than the run's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Its equity at the last close, from the same starting cash.
    pub final_equity: f64,
    /// Its statistics.
    pub metrics: Performance,
}

/// What [`build`] needs; a struct so the call site names every piece.
pub(crate) struct Parts<'a> {
    pub request: &'a RunRequest,
    pub spec_name: &'static str,
    pub params: &'a Params,
    pub dataset: &'a Dataset,
    pub universe: &'a Universe,
    pub run: &'a Run,
    pub files: &'a [FileReport],
    pub warnings: Vec<String>,
    pub metrics: Metrics,
    pub benchmark: BenchmarkInfo,
    pub benchmark_metrics: Relative,
    pub stress_windows: Vec<StressResult>,
    pub events: Option<EventStudy>,
}

/// How the manifest says the loaded files are read, symbol by symbol.
struct ReadAs {
    units: BTreeMap<String, &'static str>,
    date_formats: BTreeMap<String, String>,
    timezones: BTreeMap<String, String>,
}

impl ReadAs {
    fn of(dataset: &Dataset, files: &[FileReport]) -> Self {
        ReadAs {
            units: by_symbol(files, |s| dataset.price_unit(s)),
            date_formats: by_symbol(files, |s| dataset.date_format(s).map(str::to_string)),
            timezones: by_symbol(files, |s| dataset.timezone(s).map(|z| z.name().to_string())),
        }
    }
}

/// `setting` of every file's symbol, where it has one.
fn by_symbol<T>(files: &[FileReport], setting: impl Fn(&str) -> Option<T>) -> BTreeMap<String, T> {
    files
        .iter()
        .filter_map(|f| Some((f.symbol.clone(), setting(&f.symbol)?)))
        .collect()
}

/// The data's fingerprint: the hash of the files' hashes, followed, where the manifest sets
/// any, by the settings that change what is read from them (`units:RIO.L=pence`...). With
/// none set it is the hash of the files' alone, as it was before the settings existed, so
/// baselines of such data keep their fingerprint.
fn fingerprint(files: &[FileReport], read_as: &ReadAs) -> String {
    let mut text = files
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect::<Vec<_>>()
        .join(",");
    for (table, symbol, value) in read_as
        .units
        .iter()
        .map(|(s, v)| ("units", s, *v))
        .chain(
            read_as
                .date_formats
                .iter()
                .map(|(s, v)| ("date_formats", s, v.as_str())),
        )
        .chain(
            read_as
                .timezones
                .iter()
                .map(|(s, v)| ("timezones", s, v.as_str())),
        )
    {
        let _ = write!(text, ",{table}:{symbol}={value}");
    }
    crate::hash::fnv1a_hex(text.as_bytes())
}

pub(crate) fn build(parts: Parts<'_>) -> Summary {
    let Parts {
        request,
        universe,
        run,
        ..
    } = parts;
    let engine = &request.engine;
    let symbols_where = |keep: fn(&crate::data::Series) -> bool| {
        universe
            .series
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.symbol.clone())
            .collect()
    };
    let read_as = ReadAs::of(parts.dataset, parts.files);
    Summary {
        schema_version: SCHEMA_VERSION,
        strategy: parts.spec_name.to_string(),
        params: parts.params.to_json(),
        options: Options {
            cash: engine.cash,
            fill: engine.fill,
            whole_units: engine.whole_units,
            commission_bps: engine.commission_bps,
            slippage_bps: engine.slippage_bps,
            benchmark: parts.benchmark.symbol.clone(),
            prices: request.prices,
            risk_free: request.risk_free,
            max_leverage: engine.max_leverage,
            exits: engine.exits,
            financing: engine.financing.clone(),
            from: request.load.from,
            to: request.load.to,
            bars: request.load.bars,
            trade_from: request.trade_from,
        },
        dataset: DatasetInfo {
            path: parts.dataset.describe_roots(),
            synthetic: parts.dataset.synthetic(),
            name: parts.dataset.manifest.as_ref().map(|m| m.name.clone()),
            symbols: universe.series[..run.symbols]
                .iter()
                .map(|s| s.symbol.clone())
                .collect(),
            first_date: universe.dates[0],
            last_date: universe.dates[universe.len() - 1],
            bars: universe.len(),
            close_only: symbols_where(|s| s.close_only),
            adjusted: symbols_where(|s| s.adjusted),
            missing_bars: universe
                .series
                .iter()
                .map(|s| (s.symbol.clone(), s.missing_days()))
                .collect(),
            postponed_fills: run.postponed_fills,
            fingerprint: fingerprint(parts.files, &read_as),
            units: read_as.units,
            date_formats: read_as.date_formats,
            timezones: read_as.timezones,
            warnings: parts.warnings,
            defects: parts
                .files
                .iter()
                .map(|f| {
                    let counts = f
                        .defects
                        .iter()
                        .map(|d| (d.kind.key(), d.count()))
                        .collect();
                    (f.symbol.clone(), counts)
                })
                .collect(),
        },
        final_equity: run.equity[run.equity.len() - 1],
        ruin: run.ruin.map(|r| RuinInfo {
            ruined_on: universe.dates[r.bar],
            shortfall: r.shortfall,
        }),
        fill_hash: crate::hash::fnv1a_hex(tables::fills_csv(run, universe).as_bytes()),
        metrics: parts.metrics,
        benchmark: parts.benchmark,
        benchmark_metrics: parts.benchmark_metrics,
        stress_windows: parts.stress_windows,
        events: parts.events,
    }
}
