//! Comparing results: a run against its baseline, or any two sets of `summary.json` files.
//!
//! Every value of a summary is compared, flattened to a path (`metrics.sharpe`,
//! `stress_windows.covid-crash.strategy_return`, `events.horizons.20.mean`). Numbers may move
//! within a relative tolerance; anything else that changes (parameters, options, the fill hash,
//! the data's fingerprint, dates) is always drift. Only where the data lives on this machine
//! (`dataset.path`) is ignored.
//!
//! Summaries of an earlier schema are read too, so that baselines pinned before an upgrade
//! keep guarding every number they hold: values the newer schema added, its version number,
//! and the fill hash (schema 2 hashes a `fills.csv` with a `kind` column) are reported as
//! changed with the schema, not as drift, until `backtest baseline update` re-pins them.
//!
//! An option added within a schema, with a default that is what every earlier run did
//! (`options.bars`: daily), needs no new version: a summary without it is read as having the
//! default (`DEFAULTED`), so an earlier daily baseline still matches a daily run, value for
//! value, and a weekly run against it is drift, as any other changed option.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::report::summary::{SCHEMA_VERSION, Summary};
use crate::report::text::{Table, markdown_cell};
use crate::{Error, Result};

/// The pseudo-field of a strategy found on one side only.
const STRATEGY_FIELD: &str = "(strategy)";
/// What a one-sided value or strategy shows on the side that lacks it.
const ABSENT: &str = "absent";
/// What a one-sided strategy shows on the side that has it.
const PRESENT: &str = "present";

/// Paths that may differ between machines without the result differing.
const IGNORED: [&str; 1] = ["dataset.path"];

/// Options added within the current schema, each under its parent object, with the value a
/// summary written before it meant.
const DEFAULTED: [(&str, &str, &str); 1] = [("options", "bars", "daily")];

/// The summaries of one side of a comparison, by strategy, with the file each came from.
#[derive(Debug, Clone)]
pub struct Set {
    summaries: BTreeMap<String, (PathBuf, Value)>,
}

impl Set {
    /// Reads a `summary.json`, a report directory holding one, or a directory of report
    /// directories (one per strategy, as `run --all` and the baselines write them).
    ///
    /// # Errors
    /// The path does not exist, holds no summary, or a summary is not valid JSON of this
    /// schema: the message names the file.
    pub fn load(path: &Path) -> Result<Set> {
        let mut files = Vec::new();
        if path.is_file() {
            files.push(path.to_path_buf());
        } else if path.join("summary.json").is_file() {
            files.push(path.join("summary.json"));
        } else if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
            for entry in entries {
                let file = entry
                    .map_err(|e| Error::io(path, e))?
                    .path()
                    .join("summary.json");
                if file.is_file() {
                    files.push(file);
                }
            }
            if files.is_empty() {
                return Err(Error::data_file(
                    path,
                    "holds no summary.json (nor sub-directories with one)",
                ));
            }
        } else {
            return Err(Error::data_file(path, "no such file or directory"));
        }
        let mut summaries: BTreeMap<String, (PathBuf, Value)> = BTreeMap::new();
        for file in files {
            let (strategy, value) = read_summary(&file)?;
            if let Some((other, _)) = summaries.get(&strategy) {
                return Err(Error::data_file(
                    &file,
                    format!(
                        "a second summary of {strategy} (the first is {})",
                        other.display()
                    ),
                ));
            }
            summaries.insert(strategy, (file, value));
        }
        Ok(Set { summaries })
    }

    /// A set of summaries made in this process.
    ///
    /// # Errors
    /// Two summaries of one strategy.
    pub fn from_summaries(summaries: &[Summary]) -> Result<Set> {
        let mut set = BTreeMap::new();
        for summary in summaries {
            let value = serde_json::to_value(summary)
                .map_err(|e| Error::Usage(format!("summary of {}: {e}", summary.strategy)))?;
            let previous = set.insert(
                summary.strategy.clone(),
                (PathBuf::from(&summary.strategy), value),
            );
            if previous.is_some() {
                return Err(Error::Usage(format!(
                    "two runs of {} in one set",
                    summary.strategy
                )));
            }
        }
        Ok(Set { summaries: set })
    }

    /// Writes the set as `dir/<strategy>/summary.json`, returning the files: into a directory
    /// being published whole (see [`crate::publish::publish_dir`]).
    ///
    /// # Errors
    /// A file cannot be written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for (strategy, (_, value)) in &self.summaries {
            let folder = dir.join(strategy);
            std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
            let text = serde_json::to_string_pretty(value)
                .map_err(|e| Error::io(&folder, std::io::Error::other(e)))?;
            let path = folder.join(crate::report::SUMMARY_FILE);
            crate::publish::write_file(&path, text + "\n")?;
            written.push(path);
        }
        Ok(written)
    }

    /// The strategies in the set.
    pub fn strategies(&self) -> impl Iterator<Item = &str> {
        self.summaries.keys().map(String::as_str)
    }
}

fn read_summary(file: &Path) -> Result<(String, Value)> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Error::data_file(file, format!("not a valid summary.json: {e}")))?;
    let version = value.get("schema_version").and_then(Value::as_u64);
    if !version.is_some_and(|v| (1..=u64::from(SCHEMA_VERSION)).contains(&v)) {
        return Err(Error::data_file(
            file,
            format!(
                "schema version {} where this backtest reads 1 to {SCHEMA_VERSION}: regenerate it with this version",
                version.map_or("missing".into(), |v| v.to_string())
            ),
        ));
    }
    let strategy = value
        .get("strategy")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::data_file(file, "not a summary.json: no strategy name"))?;
    Ok((strategy.to_string(), value))
}

/// How far numbers may move before it counts as drift.
#[derive(Debug, Clone, PartialEq)]
pub struct Tolerances {
    /// Relative tolerance of every number.
    pub default: f64,
    /// Per field: a path (`metrics.sharpe`) or its last part (`sharpe`, every Sharpe ratio).
    pub overrides: Vec<(String, f64)>,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            default: 1e-9,
            overrides: Vec::new(),
        }
    }
}

impl Tolerances {
    /// Builds tolerances from `--tolerance` values: `1e-6` sets the default, `sharpe=0.01`
    /// overrides one field.
    ///
    /// # Errors
    /// A value is not a non-negative number.
    pub fn parse(values: &[String]) -> Result<Tolerances> {
        let mut tolerances = Tolerances::default();
        for text in values {
            let (field, number) = match text.split_once('=') {
                Some((field, number)) => (Some(field.trim()), number),
                None => (None, text.as_str()),
            };
            let value = number
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--tolerance {text:?} is not a relative tolerance like 1e-9 or sharpe=0.01"
                    ))
                })?;
            match field {
                Some(field) => tolerances.overrides.push((field.to_string(), value)),
                None => tolerances.default = value,
            }
        }
        Ok(tolerances)
    }

    /// Refuses an override that names no number of `sets`: a typo (`sharp=0.01`) would be
    /// ignored silently, every Sharpe ratio then held to the default tolerance.
    ///
    /// # Errors
    /// The first such override; the message lists the numbers' names.
    pub fn check(&self, sets: &[&Set]) -> Result<()> {
        let numbers: Vec<String> = sets
            .iter()
            .flat_map(|set| set.summaries.values())
            .flat_map(|(_, value)| flatten(value))
            .filter(|(_, leaf)| matches!(leaf, Leaf::Number(_) | Leaf::Null))
            .map(|(path, _)| path)
            .collect();
        for (field, _) in &self.overrides {
            if !numbers.iter().any(|path| applies(field, path)) {
                let mut names: Vec<&str> = numbers
                    .iter()
                    .map(|path| path.rsplit('.').next().unwrap_or(path))
                    .collect();
                names.sort_unstable();
                names.dedup();
                return Err(Error::Usage(format!(
                    "--tolerance {field:?} names no number of the summaries compared; a field \
                     is a path such as metrics.sharpe or its last part, one of: {}",
                    names.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn of(&self, path: &str) -> f64 {
        self.overrides
            .iter()
            .rev()
            .find(|(field, _)| applies(field, path))
            .map_or(self.default, |(_, value)| *value)
    }
}

/// Whether a tolerance given for `field` holds for the value at `path`: the path itself or its
/// last parts (`sharpe` for `metrics.sharpe` and `benchmark.metrics.sharpe`).
fn applies(field: &str, path: &str) -> bool {
    path == field
        || path
            .strip_suffix(field)
            .is_some_and(|head| head.ends_with('.'))
}

/// What happened to one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A number moved, within its tolerance.
    WithinTolerance,
    /// It moved beyond its tolerance, or a non-number changed, appeared or disappeared.
    Drift,
    /// The two sides are of different schemas and this value is one the newer added or
    /// redefined (the schema's version, the fill hash): not compared.
    Schema,
}

/// Paths whose meaning a schema version changed, so that values of two versions are not
/// comparable: the version itself, and the hash of `fills.csv`, whose columns changed.
const REDEFINED: [&str; 2] = ["schema_version", "fill_hash"];

/// One changed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The flattened path of the value.
    pub field: String,
    /// Its baseline value, as text (`absent` when it was not there).
    pub baseline: String,
    /// Its current value.
    pub current: String,
    /// current − baseline, for numbers.
    pub absolute: Option<f64>,
    /// (current − baseline) / |baseline|, for numbers.
    pub relative: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// One strategy's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategyComparison {
    /// The strategy.
    pub strategy: String,
    /// Values compared.
    pub compared: usize,
    /// Values that changed, in path order.
    pub changes: Vec<Change>,
}

impl StrategyComparison {
    /// True when a change is beyond tolerance.
    #[must_use]
    pub fn drifted(&self) -> bool {
        self.changes.iter().any(|c| c.verdict == Verdict::Drift)
    }
}

/// The comparison of two sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// True when anything drifted.
    pub drift: bool,
    /// Per strategy, in name order.
    pub strategies: Vec<StrategyComparison>,
}

/// Compares `current` with `baseline`. A strategy present on one side only is drift.
#[must_use]
pub fn compare(baseline: &Set, current: &Set, tolerances: &Tolerances) -> Comparison {
    let mut names: Vec<&String> = baseline
        .summaries
        .keys()
        .chain(current.summaries.keys())
        .collect();
    names.sort();
    names.dedup();
    let strategies: Vec<StrategyComparison> = names
        .into_iter()
        .map(|name| {
            let flat = |set: &Set| set.summaries.get(name).map(|(_, v)| flatten(v));
            let (before, after) = (flat(baseline), flat(current));
            let changes = match (&before, &after) {
                (Some(before), Some(after)) => {
                    changes(before, after, tolerances, schemas(before, after))
                }
                (before, _) => vec![Change {
                    field: STRATEGY_FIELD.into(),
                    baseline: if before.is_some() { PRESENT } else { ABSENT }.into(),
                    current: if before.is_some() { ABSENT } else { PRESENT }.into(),
                    absolute: None,
                    relative: None,
                    verdict: Verdict::Drift,
                }],
            };
            let compared = before.or(after).map_or(0, |f| f.len());
            StrategyComparison {
                strategy: name.clone(),
                compared,
                changes,
            }
        })
        .collect();
    Comparison {
        drift: strategies.iter().any(StrategyComparison::drifted),
        strategies,
    }
}

/// A leaf of a summary.
#[derive(Debug, Clone, PartialEq)]
enum Leaf {
    Number(f64),
    /// An undefined number (a Sharpe ratio without variance...), or an absent date.
    Null,
    Text(String),
}

impl Leaf {
    fn text(&self) -> String {
        match self {
            Leaf::Number(x) => x.to_string(),
            Leaf::Null => "null".into(),
            Leaf::Text(t) => t.clone(),
        }
    }
}

/// Every leaf of a summary by path. Arrays of named objects are keyed by their `name` (stress
/// windows) or `bars` (event horizons), so that adding one window does not shift the others.
fn flatten(value: &Value) -> BTreeMap<String, Leaf> {
    fn walk(value: &Value, path: &str, out: &mut BTreeMap<String, Leaf>) {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            }
        };
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    walk(item, &join(key), out);
                }
            }
            Value::Array(items)
                if items.iter().all(|i| key_of(i).is_some()) && !items.is_empty() =>
            {
                for item in items {
                    walk(item, &join(&key_of(item).unwrap_or_default()), out);
                }
            }
            Value::Number(n) => {
                out.insert(
                    path.to_string(),
                    Leaf::Number(n.as_f64().unwrap_or(f64::NAN)),
                );
            }
            Value::String(s) => {
                out.insert(path.to_string(), Leaf::Text(s.clone()));
            }
            Value::Null => {
                out.insert(path.to_string(), Leaf::Null);
            }
            other => {
                out.insert(path.to_string(), Leaf::Text(other.to_string()));
            }
        }
    }
    fn key_of(item: &Value) -> Option<String> {
        let key = item.get("name").or_else(|| item.get("bars"))?;
        Some(
            key.as_str()
                .map_or_else(|| key.to_string(), ToString::to_string),
        )
    }
    let mut out = BTreeMap::new();
    walk(value, "", &mut out);
    out.retain(|path, _| !IGNORED.contains(&path.as_str()));
    for (parent, key, default) in DEFAULTED {
        if value.get(parent).is_some_and(Value::is_object) {
            out.entry(format!("{parent}.{key}"))
                .or_insert_with(|| Leaf::Text(default.into()));
        }
    }
    out
}

/// Whether two flattened summaries are of different schema versions, and if so whether the
/// current one is the newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schemas {
    Same,
    CurrentNewer,
    BaselineNewer,
}

fn schemas(before: &BTreeMap<String, Leaf>, after: &BTreeMap<String, Leaf>) -> Schemas {
    let version = |flat: &BTreeMap<String, Leaf>| match flat.get("schema_version") {
        Some(Leaf::Number(v)) => *v,
        _ => 0.0,
    };
    let (a, b) = (version(before), version(after));
    if a < b {
        Schemas::CurrentNewer
    } else if a > b {
        Schemas::BaselineNewer
    } else {
        Schemas::Same
    }
}

fn changes(
    before: &BTreeMap<String, Leaf>,
    after: &BTreeMap<String, Leaf>,
    tolerances: &Tolerances,
    schemas: Schemas,
) -> Vec<Change> {
    let mut paths: Vec<&String> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|path| {
            let (a, b) = (before.get(path), after.get(path));
            if a == b {
                return None;
            }
            let text = |leaf: Option<&Leaf>| leaf.map_or(ABSENT.into(), Leaf::text);
            // Only on the newer side, or redefined by it.
            let with_schema = match schemas {
                Schemas::Same => false,
                Schemas::CurrentNewer => a.is_none() || REDEFINED.contains(&path.as_str()),
                Schemas::BaselineNewer => b.is_none() || REDEFINED.contains(&path.as_str()),
            };
            let (absolute, relative, verdict) = match (a, b) {
                _ if with_schema => (None, None, Verdict::Schema),
                (Some(Leaf::Number(x)), Some(Leaf::Number(y))) => {
                    let scale = x.abs().max(y.abs());
                    let moved = (y - x).abs() / scale;
                    let verdict = if moved <= tolerances.of(path) {
                        Verdict::WithinTolerance
                    } else {
                        Verdict::Drift
                    };
                    let relative = (*x != 0.0).then(|| (y - x) / x.abs());
                    (Some(y - x), relative, verdict)
                }
                _ => (None, None, Verdict::Drift),
            };
            Some(Change {
                field: path.clone(),
                baseline: text(a),
                current: text(b),
                absolute,
                relative,
                verdict,
            })
        })
        .collect()
}

/// How to print a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    #[default]
    Table,
    /// Markdown, for a pull request or a CI summary.
    Markdown,
    /// JSON, for tools.
    Json,
}

impl Comparison {
    /// The comparison in `format`.
    #[must_use]
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => serde_json::to_string_pretty(self).unwrap_or_default() + "\n",
            Format::Table | Format::Markdown => self.text(format == Format::Markdown),
        }
    }

    fn text(&self, markdown: bool) -> String {
        let mut out = String::new();
        let drifted: Vec<&str> = self
            .strategies
            .iter()
            .filter(|s| s.drifted())
            .map(|s| s.strategy.as_str())
            .collect();
        let headline = if drifted.is_empty() {
            format!("No drift in {} strategies.", self.strategies.len())
        } else {
            format!(
                "DRIFT in {} of {} strategies: {}.",
                drifted.len(),
                self.strategies.len(),
                drifted.join(", ")
            )
        };
        if markdown {
            let _ = writeln!(out, "**{headline}**\n");
        } else {
            let _ = writeln!(out, "{headline}\n");
        }
        for s in &self.strategies {
            if markdown {
                let _ = writeln!(out, "### {}: {}\n", markdown_cell(&s.strategy), s.status());
            } else {
                let _ = writeln!(out, "{}: {}", s.strategy, s.status());
            }
            if !s.changes.is_empty() {
                let table = s.table();
                if markdown {
                    table.markdown(&mut out);
                } else {
                    table.terminal(&mut out);
                }
                out.push('\n');
            }
        }
        out
    }
}

impl StrategyComparison {
    fn status(&self) -> String {
        if let [only] = &self.changes[..]
            && only.field == STRATEGY_FIELD
        {
            return if only.baseline == ABSENT {
                "DRIFT: new, not in the baseline (accept it with `backtest baseline update`)".into()
            } else {
                "DRIFT: in the baseline, missing from the current results".into()
            };
        }
        if self.changes.is_empty() {
            return format!("no change in {} values", self.compared);
        }
        let drift = self
            .changes
            .iter()
            .filter(|c| c.verdict == Verdict::Drift)
            .count();
        let schema = self
            .changes
            .iter()
            .filter(|c| c.verdict == Verdict::Schema)
            .count();
        let mut status = format!(
            "{} of {} values changed, {drift} beyond tolerance",
            self.changes.len(),
            self.compared
        );
        if schema > 0 {
            let _ = write!(
                status,
                ", {schema} changed with the schema and not compared (re-pin with `backtest \
                 baseline update`)"
            );
        }
        status
    }

    fn table(&self) -> Table {
        let heading = [
            "field", "baseline", "current", "change", "relative", "verdict",
        ];
        Table {
            heading: heading.map(String::from).to_vec(),
            rows: self
                .changes
                .iter()
                .map(|c| {
                    vec![
                        c.field.clone(),
                        c.baseline.clone(),
                        c.current.clone(),
                        c.absolute.map_or(String::new(), |x| format!("{x:+.4e}")),
                        c.relative
                            .map_or(String::new(), |x| format!("{:+.4}%", x * 100.0)),
                        match c.verdict {
                            Verdict::Drift => "DRIFT".into(),
                            Verdict::WithinTolerance => "within tolerance".into(),
                            Verdict::Schema => "changed with the schema".into(),
                        },
                    ]
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(summaries: &[Value]) -> Set {
        Set {
            summaries: summaries
                .iter()
                .map(|v| {
                    let name = v["strategy"].as_str().unwrap().to_string();
                    (name, (PathBuf::from("x"), v.clone()))
                })
                .collect(),
        }
    }

    fn summary(sharpe: f64, fill_hash: &str) -> Value {
        serde_json::json!({
            "schema_version": 1,
            "strategy": "s",
            "dataset": {"path": "here"},
            "fill_hash": fill_hash,
            "metrics": {"sharpe": sharpe, "trades": 3},
            "stress_windows": [{"name": "covid", "strategy_return": -0.1}],
        })
    }

    #[test]
    fn identical_sets_do_not_drift() {
        let a = set(&[summary(0.5, "aa")]);
        let c = compare(&a, &a, &Tolerances::default());
        assert!(!c.drift);
        assert_eq!(c.strategies[0].compared, 7, "every leaf but dataset.path");
    }

    #[test]
    fn a_number_beyond_tolerance_drifts_and_within_it_does_not() {
        let (a, b) = (set(&[summary(0.5, "aa")]), set(&[summary(0.5005, "aa")]));
        let strict = compare(&a, &b, &Tolerances::default());
        assert!(strict.drift);
        let change = &strict.strategies[0].changes[0];
        assert_eq!(change.field, "metrics.sharpe");
        assert!((change.relative.unwrap() - 0.001).abs() < 1e-12);
        let loose = Tolerances::parse(&["sharpe=0.01".into()]).unwrap();
        let relaxed = compare(&a, &b, &loose);
        assert!(!relaxed.drift);
        assert_eq!(
            relaxed.strategies[0].changes[0].verdict,
            Verdict::WithinTolerance
        );
    }

    #[test]
    fn a_changed_fill_hash_or_a_missing_strategy_is_always_drift() {
        let a = set(&[summary(0.5, "aa")]);
        let loose = Tolerances::parse(&["1".into()]).unwrap();
        assert!(compare(&a, &set(&[summary(0.5, "bb")]), &loose).drift);
        let mut other = summary(0.5, "aa");
        other["strategy"] = "t".into();
        let both = compare(&a, &set(&[other]), &loose);
        assert!(both.drift);
        assert_eq!(both.strategies.len(), 2);
        assert_eq!(both.strategies[0].changes[0].field, STRATEGY_FIELD);
    }

    #[test]
    fn stress_windows_are_compared_by_name() {
        let flat = flatten(&summary(0.5, "aa"));
        assert!(flat.contains_key("stress_windows.covid.strategy_return"));
        assert!(!flat.contains_key("dataset.path"));
    }

    #[test]
    fn a_summary_from_before_the_bars_option_reads_as_daily() {
        let with = |bars: Option<&str>| {
            let mut value = summary(0.5, "aa");
            value["schema_version"] = 2.into();
            value["options"] = serde_json::json!({"cash": 1000});
            if let Some(bars) = bars {
                value["options"]["bars"] = bars.into();
            }
            set(&[value])
        };
        let before = with(None);
        let daily = compare(&before, &with(Some("daily")), &Tolerances::default());
        assert!(!daily.drift, "{:?}", daily.strategies[0].changes);
        let weekly = compare(&before, &with(Some("weekly")), &Tolerances::default());
        assert!(weekly.drift);
        assert_eq!(weekly.strategies[0].changes[0].field, "options.bars");
        assert_eq!(weekly.strategies[0].changes[0].baseline, "daily");
    }

    #[test]
    fn bad_tolerances_are_refused() {
        for bad in ["x", "sharpe=-1", "sharpe=abc"] {
            assert!(Tolerances::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
