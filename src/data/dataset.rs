//! A dataset: the CSV files a run may draw symbols from, by symbol.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{FileReport, LoadOptions, Manifest, PriceMode, Universe, load_bars};
use crate::{Error, Result};

/// The files of a dataset, one per symbol (file stem = symbol), plus its manifest if any.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The paths the user named (directories or files), for the report.
    pub roots: Vec<PathBuf>,
    /// The manifest of the (single) dataset directory, if it has one.
    pub manifest: Option<Manifest>,
    files: BTreeMap<String, PathBuf>,
}

impl Dataset {
    /// Opens the given directories and files. A directory contributes every `*.csv` in it; a
    /// file contributes itself.
    ///
    /// # Errors
    /// A path does not exist, a directory holds no CSV, or two files claim the same symbol.
    pub fn open(paths: &[PathBuf]) -> Result<Dataset> {
        let mut files = BTreeMap::new();
        let mut manifest = None;
        for root in paths {
            if root.is_dir() {
                let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
                let mut found = 0;
                for entry in entries {
                    let path = entry.map_err(|e| Error::io(root, e))?.path();
                    if path.is_file() && has_csv_extension(&path) {
                        insert(&mut files, path)?;
                        found += 1;
                    }
                }
                if found == 0 {
                    return Err(Error::data_file(
                        root,
                        "directory holds no .csv file: point --data at a folder of one CSV per symbol",
                    ));
                }
                if paths.len() == 1 {
                    manifest = Manifest::read(root)?;
                }
            } else if root.is_file() {
                insert(&mut files, root.clone())?;
            } else {
                return Err(Error::data_file(
                    root,
                    "no such file or directory (the sample dataset is data/ at the repository's root)",
                ));
            }
        }
        Ok(Dataset {
            roots: paths.to_vec(),
            manifest,
            files,
        })
    }

    /// All symbols: in the manifest's order where there is one (so the sample's first symbol,
    /// and default benchmark, is SPY), then any others in sorted order.
    #[must_use]
    pub fn symbols(&self) -> Vec<String> {
        let listed = self.manifest.as_ref().map_or(&[][..], |m| &m.symbols[..]);
        let mut symbols: Vec<String> = listed
            .iter()
            .filter(|s| self.files.contains_key(*s))
            .cloned()
            .collect();
        symbols.extend(self.files.keys().filter(|s| !listed.contains(s)).cloned());
        symbols
    }

    /// The file of `symbol`: exact match first, then a case-insensitive one.
    ///
    /// # Errors
    /// No file holds the symbol; the message lists the ones that exist.
    pub fn path(&self, symbol: &str) -> Result<&Path> {
        if let Some(path) = self.files.get(symbol) {
            return Ok(path);
        }
        let mut matches = self
            .files
            .iter()
            .filter(|(s, _)| s.eq_ignore_ascii_case(symbol));
        match (matches.next(), matches.next()) {
            (Some((_, path)), None) => Ok(path),
            _ => Err(Error::Usage(format!(
                "symbol {symbol} is not in the dataset {}; it has: {}",
                self.describe_roots(),
                self.symbols().join(", ")
            ))),
        }
    }

    /// The canonical symbol name for a user-typed one (case as in the file name).
    ///
    /// # Errors
    /// As [`Dataset::path`].
    pub fn canonical(&self, symbol: &str) -> Result<String> {
        let path = self.path(symbol)?;
        Ok(symbol_of(path))
    }

    /// Loads `symbols` and aligns them on one calendar, in that order.
    ///
    /// # Errors
    /// A symbol is missing, a file is refused, or the symbols share no dates.
    pub fn universe(
        &self,
        symbols: &[String],
        options: &LoadOptions,
        prices: PriceMode,
    ) -> Result<(Universe, Vec<FileReport>)> {
        let mut bars = Vec::with_capacity(symbols.len());
        let mut files = Vec::with_capacity(symbols.len());
        for symbol in symbols {
            let (b, report) = load_bars(self.path(symbol)?, symbol, options)?;
            bars.push(b);
            files.push(report);
        }
        Ok((Universe::align(&bars, prices)?, files))
    }

    /// True when the manifest says the data was generated.
    #[must_use]
    pub fn synthetic(&self) -> bool {
        self.manifest.as_ref().is_some_and(|m| m.synthetic)
    }

    /// The user's paths, joined for a message.
    #[must_use]
    pub fn describe_roots(&self) -> String {
        self.roots
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn has_csv_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// The symbol a file holds: its stem.
fn symbol_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn insert(files: &mut BTreeMap<String, PathBuf>, path: PathBuf) -> Result<()> {
    let symbol = symbol_of(&path);
    if let Some(previous) = files.get(&symbol) {
        return Err(Error::data_file(
            &path,
            format!(
                "symbol {symbol} is also held by {}: give each symbol one file",
                previous.display()
            ),
        ));
    }
    files.insert(symbol, path);
    Ok(())
}
