//! `dataset.toml`: what a dataset directory says about itself. The sample dataset carries one
//! so that every report can say the data is synthetic; a folder of user CSVs needs none, and
//! one may hold only the per-symbol tables:
//!
//! ```toml
//! name = "lse"            # optional: the directory's name
//! synthetic = false       # optional: false
//! description = "London and Sydney listings as the vendors write them."   # optional
//! symbols = ["RIO.L", "BHP.AX"]   # optional: the order of a run's symbols (else sorted)
//!
//! [units]                 # the unit of a symbol's prices
//! "RIO.L" = "pence"       # or "GBp" / "GBX"; "cents" / "ZAc"; "currency" / "GBP" / "pounds"...
//!
//! [date_formats]          # a chrono format for one symbol's dates, over --date-format
//! "BHP.AX" = "%d/%m/%Y"
//!
//! [timezones]             # the exchange's IANA time zone for one symbol, over --timezone
//! "BHP.AX" = "Australia/Sydney"
//! ```
//!
//! Keys holding a dot (`RIO.L`) are quoted, as TOML reads `RIO.L = ...` as a table `RIO`.
//! The units are `"pence"` (aliases `"GBp"`, `"GBX"`) and `"cents"` (alias `"ZAc"`), each a
//! hundredth of the currency, and `"currency"` (aliases `"GBP"`, `"ZAR"`, `"pounds"`,
//! `"rand"`): the prices are in the currency's unit already, which says so for a London or
//! Johannesburg listing that a run would otherwise warn about (see
//! [`crate::data::Dataset::unit_warning`]).
//!
//! A symbol in any of the tables must have a file in the directory (a misspelt symbol would
//! silently leave its prices 100 times too large, or its dates misread); volumes are never
//! scaled. A manifest that names its generator or seed describes generated data, which
//! `backtest synth` rewrites whole: it gives every descriptive field.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// File name of the manifest inside a dataset directory.
pub const MANIFEST_FILE: &str = "dataset.toml";

/// The manifest of a dataset directory, its omitted fields at their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Short name of the dataset (the directory's name where the manifest gives none).
    pub name: String,
    /// True when the prices were generated, not observed. Shown in every report.
    pub synthetic: bool,
    /// One paragraph on what the data is.
    pub description: String,
    /// The command that produced the files, for generated data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// The generator's seed, for generated data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The symbols the dataset holds, one CSV each, in the order a run takes them; the files
    /// it does not list follow, sorted.
    pub symbols: Vec<String>,
}

impl Manifest {
    /// Reads `dir/dataset.toml` if it exists.
    ///
    /// # Errors
    /// The file exists but cannot be read or is not a valid manifest.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        Ok(Self::read_with_settings(dir)?.map(|(manifest, _)| manifest))
    }

    /// Reads `dir/dataset.toml` if it exists, with its per-symbol tables.
    ///
    /// # Errors
    /// As [`Manifest::read`]; an unknown unit or time zone is an invalid manifest.
    pub(crate) fn read_with_settings(dir: &Path) -> Result<Option<(Manifest, Declared)>> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let file = parse(&path, &text)?;
        let line_of = |at: usize| line_of(&text, at);
        let mut entries: Vec<Entry> = Vec::new();
        for (symbol, unit) in file.units {
            entries.push(Entry {
                line: line_of(unit.span().start),
                symbol,
                setting: Setting::Unit(unit.into_inner()),
            });
        }
        for (symbol, format) in file.date_formats {
            entries.push(Entry {
                line: line_of(format.span().start),
                symbol,
                setting: Setting::DateFormat(format.into_inner()),
            });
        }
        for (symbol, zone) in file.timezones {
            let line = line_of(zone.span().start);
            let zone = zone.into_inner();
            let Ok(parsed) = zone.parse() else {
                return Err(Error::data_line(
                    &path,
                    line,
                    format!(
                        "invalid manifest: [timezones] gives {symbol} {zone:?}, which is not a \
                         time zone of the IANA database: give the exchange's, such as \
                         Europe/London, Africa/Johannesburg or Australia/Sydney"
                    ),
                ));
            };
            entries.push(Entry {
                line,
                symbol,
                setting: Setting::TimeZone(parsed),
            });
        }
        let manifest = Manifest {
            name: file.name.unwrap_or_else(|| directory_name(dir)),
            synthetic: file.synthetic,
            description: file.description,
            generator: file.generator,
            seed: file.seed,
            symbols: file
                .symbols
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
        };
        Ok(Some((manifest, Declared { path, entries })))
    }

    /// Writes the manifest as `dir/dataset.toml`, a directory being published whole (see
    /// [`crate::publish::publish_dir`]).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(MANIFEST_FILE);
        let text = toml::to_string(self).map_err(|e| Error::data_file(&path, e.to_string()))?;
        crate::publish::write_file(&path, text)
    }
}

/// The name of the dataset in `dir`, for a manifest that gives none: the directory's own
/// (`lse` for `prices/lse/`, and for `.` inside it).
fn directory_name(dir: &Path) -> String {
    let named = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    named(dir)
        .or_else(|| dir.canonicalize().ok().as_deref().and_then(named))
        .unwrap_or_default()
}

/// The descriptive fields, which a manifest of generated data (one naming its generator or
/// seed) gives every one of: `backtest synth` writes them all, and the sample's test rebuilds
/// the data from them. Other manifests may leave any out.
const REQUIRED: [&str; 4] = ["name", "synthetic", "description", "symbols"];

/// The line of byte `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// `text`, the manifest at `path`, read and checked: every missing field of generated data
/// named at once, any other problem with the line it is on, and no symbol listed twice.
fn parse(path: &Path, text: &str) -> Result<ManifestFile> {
    let invalid = |e: &toml::de::Error| {
        let problem = format!("invalid manifest: {}", e.message().trim_end());
        match e.span() {
            Some(span) => Error::data_line(path, line_of(text, span.start), problem),
            None => Error::data_file(path, problem),
        }
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| invalid(&e))?;
    let generated = table.contains_key("generator") || table.contains_key("seed");
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|field| generated && !table.contains_key(**field))
        .map(|field| format!("`{field}`"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::data_file(
            path,
            format!(
                "invalid manifest: missing {} (a manifest of generated data, with a generator \
                 or a seed, gives name, synthetic, description and symbols)",
                missing.join(", ")
            ),
        ));
    }
    let file: ManifestFile = toml::from_str(text).map_err(|e| match dotted_key(&table) {
        // TOML reads `RIO.L = "pence"` as `L = "pence"` in a table `RIO`: the error about
        // that table would not say why.
        Some((name, symbol, rest)) => {
            let problem = format!(
                "invalid manifest: [{name}] reads {symbol}.{rest} as the table {symbol} holding \
                 {rest}: write a symbol with a dot in quotes, \"{symbol}.{rest}\" = ..."
            );
            match e.span() {
                Some(span) => Error::data_line(path, line_of(text, span.start), problem),
                None => Error::data_file(path, problem),
            }
        }
        None => invalid(&e),
    })?;
    for (i, symbol) in file.symbols.iter().enumerate() {
        if let Some(first) = file.symbols[..i]
            .iter()
            .find(|s| s.get_ref().eq_ignore_ascii_case(symbol.get_ref()))
        {
            return Err(Error::data_line(
                path,
                line_of(text, symbol.span().start),
                format!(
                    "invalid manifest: symbols lists {} again after {}: list each symbol once",
                    symbol.get_ref(),
                    first.get_ref()
                ),
            ));
        }
    }
    Ok(file)
}

/// The per-symbol tables of a manifest.
const PER_SYMBOL: [&str; 3] = ["units", "date_formats", "timezones"];

/// The first key of a per-symbol table written with a dot and without quotes (`RIO.L`): its
/// table's name, and the key's parts before and after the dot.
fn dotted_key(table: &toml::Table) -> Option<(&'static str, &str, &str)> {
    PER_SYMBOL.iter().find_map(|name| {
        let entries = table.get(*name)?.as_table()?;
        entries.iter().find_map(|(symbol, value)| {
            let inner = value.as_table()?;
            let (rest, _) = inner.iter().next()?;
            Some((*name, symbol.as_str(), rest.as_str()))
        })
    })
}

/// The unit a symbol's prices are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum PriceUnit {
    /// Pence (`"pence"`, `"GBp"`, `"GBX"`): London listings as most vendors quote them.
    #[serde(rename = "pence", alias = "GBp", alias = "GBX")]
    Pence,
    /// Cents (`"cents"`, `"ZAc"`): Johannesburg listings as most vendors quote them.
    #[serde(rename = "cents", alias = "ZAc")]
    Cents,
    /// The currency's own unit (`"currency"`, `"GBP"`, `"ZAR"`, `"pounds"`, `"rand"`): what
    /// a file without an entry is read as, said outright so that a London or Johannesburg
    /// listing really in pounds or rand is not warned about.
    #[serde(
        rename = "currency",
        alias = "GBP",
        alias = "ZAR",
        alias = "pounds",
        alias = "rand"
    )]
    Currency,
}

impl PriceUnit {
    /// What the prices are divided by to be in the currency's unit.
    pub(crate) fn divisor(self) -> f64 {
        match self {
            PriceUnit::Pence | PriceUnit::Cents => 100.0,
            PriceUnit::Currency => 1.0,
        }
    }

    /// The unit's name in messages and reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            PriceUnit::Pence => "pence",
            PriceUnit::Cents => "cents",
            PriceUnit::Currency => "currency",
        }
    }
}

/// How one symbol's file is read where the manifest says so, over the run's options.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FileSettings {
    /// From `[units]`.
    pub unit: Option<PriceUnit>,
    /// From `[date_formats]`: over `--date-format`.
    pub date_format: Option<String>,
    /// From `[timezones]`: over `--timezone`.
    pub timezone: Option<chrono_tz::Tz>,
}

/// The per-symbol tables of a manifest, entry by entry as written, not yet matched to files.
#[derive(Debug)]
pub(crate) struct Declared {
    /// The manifest's path, for errors.
    path: PathBuf,
    entries: Vec<Entry>,
}

/// One line of a per-symbol table.
#[derive(Debug)]
struct Entry {
    line: usize,
    symbol: String,
    setting: Setting,
}

/// What one line of a per-symbol table sets.
#[derive(Debug)]
enum Setting {
    Unit(PriceUnit),
    DateFormat(String),
    TimeZone(chrono_tz::Tz),
}

impl Setting {
    /// The table it is written in.
    fn table(&self) -> &'static str {
        match self {
            Setting::Unit(_) => "units",
            Setting::DateFormat(_) => "date_formats",
            Setting::TimeZone(_) => "timezones",
        }
    }

    /// What it gives a symbol, for a message: "RIO prices in pence".
    fn describe(&self, symbol: &str) -> String {
        match self {
            Setting::Unit(unit) => format!("{symbol} prices in {}", unit.name()),
            Setting::DateFormat(format) => format!("{symbol} dates as {format}"),
            Setting::TimeZone(zone) => format!("{symbol} the time zone {zone}"),
        }
    }

    /// Sets it in `settings`; false where they have one already (a symbol written twice in
    /// one table, in two cases).
    fn apply(self, settings: &mut FileSettings) -> bool {
        fn set<T>(slot: &mut Option<T>, value: T) -> bool {
            slot.replace(value).is_none()
        }
        match self {
            Setting::Unit(unit) => set(&mut settings.unit, unit),
            Setting::DateFormat(format) => set(&mut settings.date_format, format),
            Setting::TimeZone(zone) => set(&mut settings.timezone, zone),
        }
    }
}

impl Declared {
    /// The settings by the symbol of the file each entry is for, `file_of` finding it.
    ///
    /// # Errors
    /// An entry for a symbol no file holds (a misspelt symbol would silently leave its file
    /// read as if unnamed), or two entries of one table for one file; each with its line.
    pub(crate) fn by_file(
        self,
        file_of: impl Fn(&str) -> Option<String>,
    ) -> Result<BTreeMap<String, FileSettings>> {
        let mut settings: BTreeMap<String, FileSettings> = BTreeMap::new();
        for Entry {
            line,
            symbol,
            setting,
        } in self.entries
        {
            let table = setting.table();
            let Some(file_symbol) = file_of(&symbol) else {
                return Err(Error::data_line(
                    &self.path,
                    line,
                    format!(
                        "[{table}] gives {}, but no file holds {symbol}: correct the symbol or \
                         remove the line",
                        setting.describe(&symbol)
                    ),
                ));
            };
            if !setting.apply(settings.entry(file_symbol.clone()).or_default()) {
                return Err(Error::data_line(
                    &self.path,
                    line,
                    format!(
                        "[{table}] names the file of {file_symbol} twice (as {symbol} too): \
                         keep one line"
                    ),
                ));
            }
        }
        Ok(settings)
    }
}

/// `dataset.toml` as written: the manifest, each field optional, and its per-symbol tables
/// (kept out of [`Manifest`] itself, whose fields the generator writes).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    synthetic: bool,
    #[serde(default)]
    description: String,
    #[serde(default)]
    generator: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    /// With where each is written, to name the line of one listed twice.
    #[serde(default)]
    symbols: Vec<toml::Spanned<String>>,
    /// Each with where it is written, to name its line in errors, as in the next two.
    #[serde(default)]
    units: BTreeMap<String, toml::Spanned<PriceUnit>>,
    #[serde(default)]
    date_formats: BTreeMap<String, toml::Spanned<String>>,
    #[serde(default)]
    timezones: BTreeMap<String, toml::Spanned<String>>,
}
