//! `dataset.toml`: what a dataset directory says about itself. The sample dataset carries one
//! so that every report can say the data is synthetic; a folder of user CSVs needs none.
//!
//! ```toml
//! name = "lse"
//! synthetic = false
//! description = "London listings, prices in pence as the vendor writes them."
//! symbols = ["RIO", "SHEL"]
//!
//! [units]          # optional: the unit of a symbol's prices, when it is not the currency unit
//! RIO = "pence"    # or "GBp" / "GBX": open, high, low, close and Adj Close are divided by 100
//! ```
//!
//! The units are `"pence"` (aliases `"GBp"`, `"GBX"`) and `"cents"` (alias `"ZAc"`), each a
//! hundredth of the currency.
//!
//! A symbol in `[units]` must have a file in the directory (a misspelt symbol would silently
//! leave its prices 100 times too large); volumes are never scaled.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use crate::{Error, Result};

/// File name of the manifest inside a dataset directory.
pub const MANIFEST_FILE: &str = "dataset.toml";

/// The manifest of a dataset directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Short name of the dataset.
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
    /// The symbols the dataset holds, one CSV each.
    pub symbols: Vec<String>,
}

impl Manifest {
    /// Reads `dir/dataset.toml` if it exists.
    ///
    /// # Errors
    /// The file exists but cannot be read or is not a valid manifest.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        Ok(Self::read_with_units(dir)?.map(|(manifest, _)| manifest))
    }

    /// Reads `dir/dataset.toml` if it exists, with its `[units]` table (symbol → unit).
    ///
    /// # Errors
    /// As [`Manifest::read`]; an unknown unit is an invalid manifest.
    pub(crate) fn read_with_units(dir: &Path) -> Result<Option<(Manifest, Units)>> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let file = parse(&path, &text)?;
        let manifest = Manifest {
            name: file.name,
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
        Ok(Some((manifest, file.units)))
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

/// The fields every manifest has, in the order the documentation lists them.
const REQUIRED: [&str; 4] = ["name", "synthetic", "description", "symbols"];

/// `text`, the manifest at `path`, read and checked: every missing field named at once, any
/// other problem with the line it is on, and no symbol listed twice.
fn parse(path: &Path, text: &str) -> Result<ManifestFile> {
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let invalid = |e: &toml::de::Error| {
        let problem = format!("invalid manifest: {}", e.message().trim_end());
        match e.span() {
            Some(span) => Error::data_line(path, line_of(span.start), problem),
            None => Error::data_file(path, problem),
        }
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| invalid(&e))?;
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|field| !table.contains_key(**field))
        .map(|field| format!("`{field}`"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::data_file(
            path,
            format!(
                "invalid manifest: missing {} (every manifest gives name, synthetic, description \
                 and symbols)",
                missing.join(", ")
            ),
        ));
    }
    let file: ManifestFile = toml::from_str(text).map_err(|e| invalid(&e))?;
    for (i, symbol) in file.symbols.iter().enumerate() {
        if let Some(first) = file.symbols[..i]
            .iter()
            .find(|s| s.get_ref().eq_ignore_ascii_case(symbol.get_ref()))
        {
            return Err(Error::data_line(
                path,
                line_of(symbol.span().start),
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

/// The `[units]` table of a manifest: symbol → the unit its prices are written in.
pub(crate) type Units = BTreeMap<String, PriceUnit>;

/// The unit a symbol's prices are written in, when it is not the currency's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum PriceUnit {
    /// Pence (`"pence"`, `"GBp"`, `"GBX"`): London listings as most vendors quote them.
    #[serde(rename = "pence", alias = "GBp", alias = "GBX")]
    Pence,
    /// Cents (`"cents"`, `"ZAc"`): Johannesburg listings as most vendors quote them.
    #[serde(rename = "cents", alias = "ZAc")]
    Cents,
}

impl PriceUnit {
    /// What the prices are divided by to be in the currency's unit.
    pub(crate) fn divisor(self) -> f64 {
        match self {
            PriceUnit::Pence | PriceUnit::Cents => 100.0,
        }
    }

    /// The unit's name in messages and reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            PriceUnit::Pence => "pence",
            PriceUnit::Cents => "cents",
        }
    }
}

/// `dataset.toml` as written: the manifest and its optional `[units]` (kept out of
/// [`Manifest`] itself, whose fields the generator writes).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    name: String,
    synthetic: bool,
    description: String,
    #[serde(default)]
    generator: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    /// With where each is written, to name the line of one listed twice.
    symbols: Vec<toml::Spanned<String>>,
    #[serde(default)]
    units: Units,
}
