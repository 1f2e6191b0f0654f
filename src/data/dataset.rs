//! A dataset: the data files (CSV or Parquet) a run may draw symbols from, by symbol: a file
//! per symbol, or files of many (a long table, yfinance's multi-ticker layout, a wide panel).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::load::{Values, Wanted, load_series, symbols_in};
use super::manifest::{FileSettings, PriceUnit};
use super::{Bars, FileReport, LoadOptions, Manifest, PriceMode, Universe, aggregate};
use crate::{Error, Result};

/// The files of a dataset, by the symbols they hold, plus its manifest if any.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The paths the user named (directories or files), for the report.
    pub roots: Vec<PathBuf>,
    /// The manifest of the (single) dataset directory, if it has one.
    pub manifest: Option<Manifest>,
    files: BTreeMap<String, Source>,
    /// The manifest's per-symbol tables, by symbol (as its file names it).
    settings: BTreeMap<String, FileSettings>,
}

impl Dataset {
    /// Opens the given directories and files. A directory contributes every entry named
    /// `*.csv`, `*.parquet` or `*.pq` in it (one that is not a readable file, such as a directory or a dangling link,
    /// is refused when loaded rather than silently skipped); a file contributes itself.
    ///
    /// # Errors
    /// A path does not exist, a directory holds no CSV, two files claim the same symbol, or
    /// the manifest is invalid or gives a unit, a date format or a time zone to a symbol
    /// without a file.
    pub fn open(paths: &[PathBuf]) -> Result<Dataset> {
        let mut files = BTreeMap::new();
        let mut manifest = None;
        let mut declared = None;
        for root in paths {
            if root.is_dir() {
                let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
                let mut found = 0;
                for entry in entries {
                    let path = entry.map_err(|e| Error::io(root, e))?.path();
                    if is_data_file(&path) {
                        insert(&mut files, path)?;
                        found += 1;
                    }
                }
                if found == 0 {
                    return Err(Error::data_file(
                        root,
                        "directory holds no .csv or .parquet file: point --data at a folder of one file \
                         per symbol, or of files of many",
                    ));
                }
                if paths.len() == 1
                    && let Some((read, settings)) = Manifest::read_with_settings(root)?
                {
                    manifest = Some(read);
                    declared = Some(settings);
                }
            } else if root.is_file() {
                insert(&mut files, root.clone())?;
            } else {
                return Err(not_a_dataset(root));
            }
        }
        let settings = match declared {
            Some(declared) => {
                declared.by_file(|symbol| find(&files, symbol).map(|(s, _)| s.clone()))?
            }
            None => BTreeMap::new(),
        };
        Ok(Dataset {
            roots: paths.to_vec(),
            manifest,
            files,
            settings,
        })
    }

    /// The symbols to trade when none are named: in the manifest's order where there is one
    /// (so the sample's first symbol, and default benchmark, is SPY), then any others in sorted
    /// order; yield series ([`is_rate`]) left out, since they are not prices.
    #[must_use]
    pub fn symbols(&self) -> Vec<String> {
        let mut symbols = self.all_symbols();
        symbols.retain(|s| !is_rate(s));
        symbols
    }

    /// Every series of the dataset, the yield series ([`is_rate`]) included, in the order of
    /// [`Dataset::symbols`].
    #[must_use]
    pub fn all_symbols(&self) -> Vec<String> {
        let listed = self.manifest.as_ref().map_or(&[][..], |m| &m.symbols[..]);
        let mut symbols: Vec<String> = listed
            .iter()
            .filter(|s| self.files.contains_key(*s))
            .cloned()
            .collect();
        symbols.extend(self.files.keys().filter(|s| !listed.contains(s)).cloned());
        symbols
    }

    /// The yield series `symbol` (in percent, as [`is_rate`] series are) on `dates`: on each
    /// date the last value known on or before it, so a holiday of the bond market carries the
    /// previous day's yield. The series is read daily whatever `options.bars`: on weekly or
    /// monthly dates this is the yield at each bar's close.
    ///
    /// # Errors
    /// The dataset does not hold it, its file is refused, or it begins after the first date
    /// (the rate of the first days would be unknown).
    pub fn rates_on(
        &self,
        symbol: &str,
        dates: &[crate::Date],
        options: &LoadOptions,
    ) -> Result<Vec<f64>> {
        let symbol = self.canonical(symbol)?;
        let source = &self.files[&symbol];
        let path = source.path.as_path();
        let options = self.options_for(&symbol, options);
        let wanted = [Wanted {
            symbol: &symbol,
            values: Values::Rates,
        }];
        let (bars, _) = load_series(path, &wanted, source.named, &options)?.remove(0);
        let mut next = 0;
        let mut rates = Vec::with_capacity(dates.len());
        for date in dates {
            while bars.dates.get(next).is_some_and(|d| d <= date) {
                next += 1;
            }
            let Some(latest) = next.checked_sub(1) else {
                return Err(Error::data_file(
                    path,
                    format!(
                        "the yield series {symbol} begins on {} after the run's first date {date}: \
                         start the run later with --from",
                        bars.dates[0]
                    ),
                ));
            };
            rates.push(bars.close[latest]);
        }
        Ok(rates)
    }

    /// The file of `symbol`: exact match first, then a case-insensitive one.
    ///
    /// # Errors
    /// No file holds the symbol; the message lists the ones that exist.
    pub fn path(&self, symbol: &str) -> Result<&Path> {
        match find(&self.files, symbol) {
            Some((_, source)) => Ok(&source.path),
            None => Err(Error::Usage(format!(
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
        self.path(symbol)?;
        Ok(find(&self.files, symbol).map_or_else(String::new, |(s, _)| s.clone()))
    }

    /// Loads `symbols` and aligns them on one calendar, in that order. Each file's report
    /// covers the bars of that calendar alone: rows and defects of a longer history that the
    /// run leaves out are not counted.
    ///
    /// # Errors
    /// A symbol is missing, a file is refused, or the symbols share no dates.
    pub fn universe(
        &self,
        symbols: &[String],
        options: &LoadOptions,
        prices: PriceMode,
    ) -> Result<(Universe, Vec<FileReport>)> {
        let mut slots: Vec<Option<(Bars, FileReport)>> = symbols.iter().map(|_| None).collect();
        for (wanted, series) in self.load_by_file(symbols, options)? {
            for (k, one) in wanted.into_iter().zip(series?) {
                slots[k] = Some(one);
            }
        }
        let (bars, files): (Vec<Bars>, Vec<FileReport>) = slots.into_iter().flatten().unzip();
        let universe = Universe::align(&bars, prices)?;
        let (first, last) = (universe.dates[0], universe.dates[universe.len() - 1]);
        let files = files
            .iter()
            .zip(&bars)
            .map(|(report, bars)| report.within(&bars.dates, first, last))
            .collect();
        Ok((universe, files))
    }

    /// Loads `symbols`, each file read once for all of them it holds (in parallel: files share
    /// nothing): for each file, in the order of its first symbol, the indexes in `symbols` of
    /// those it holds and their bars and reports, or why the file is refused.
    ///
    /// # Errors
    /// A symbol the dataset does not hold.
    #[allow(clippy::type_complexity)] // one pair per file: the symbols asked, what was read
    pub fn load_by_file(
        &self,
        symbols: &[String],
        options: &LoadOptions,
    ) -> Result<Vec<(Vec<usize>, Result<Vec<(Bars, FileReport)>>)>> {
        use rayon::prelude::*;
        let symbols = symbols
            .iter()
            .map(|s| self.canonical(s))
            .collect::<Result<Vec<_>>>()?;
        let mut by_file: Vec<(&Source, Vec<usize>)> = Vec::new();
        for (k, symbol) in symbols.iter().enumerate() {
            let source = &self.files[symbol];
            match by_file.iter_mut().find(|(s, _)| s.path == source.path) {
                Some((_, wanted)) => wanted.push(k),
                None => by_file.push((source, vec![k])),
            }
        }
        let loaded: Vec<Result<Vec<(Bars, FileReport)>>> = by_file
            .par_iter()
            .map(|(source, wanted)| {
                let names: Vec<&str> = wanted.iter().map(|&k| symbols[k].as_str()).collect();
                self.load_from(source, &names, options)
            })
            .collect();
        Ok(by_file
            .into_iter()
            .map(|(_, wanted)| wanted)
            .zip(loaded)
            .collect())
    }

    /// Loads one symbol's file, in the currency's unit: prices the manifest's `[units]` gives
    /// in pence or cents are divided by 100 (volumes are not); its dates are read with the
    /// manifest's `[date_formats]` and `[timezones]` for it where they name it, else with
    /// `options`'. The validated daily rows are
    /// then aggregated into bars of `options.bars` (see [`aggregate`]), each symbol on its own
    /// before alignment: a period ends on the last day of it in this file. Where two files' weeks end
    /// on different days (a holiday in one market only), the calendar holds both days and each
    /// symbol misses a bar on the other's, counted as any missing bar. The [`FileReport`]
    /// describes the daily file, as written.
    ///
    /// # Errors
    /// The symbol is missing or its file is refused.
    pub fn load(&self, symbol: &str, options: &LoadOptions) -> Result<(Bars, FileReport)> {
        let symbol = self.canonical(symbol)?;
        let mut loaded = self.load_from(&self.files[&symbol], &[&symbol], options)?;
        Ok(loaded.remove(0))
    }

    /// [`Dataset::load`] for `symbols`, all held by `source`, which is read once. A file's
    /// date format and time zone are the manifest's for its first symbol here, where it gives
    /// them: they are the file's, whichever of its symbols names them.
    fn load_from(
        &self,
        source: &Source,
        symbols: &[&str],
        options: &LoadOptions,
    ) -> Result<Vec<(Bars, FileReport)>> {
        let wanted: Vec<Wanted<'_>> = symbols
            .iter()
            .map(|&symbol| Wanted {
                symbol,
                values: if is_rate(symbol) {
                    Values::Rates
                } else {
                    Values::Prices {
                        divisor: self
                            .settings_of(symbol)
                            .and_then(|s| s.unit)
                            .map_or(1.0, PriceUnit::divisor),
                    }
                },
            })
            .collect();
        let options = self.options_for(symbols[0], options);
        let loaded = load_series(&source.path, &wanted, source.named, &options)?;
        Ok(loaded
            .into_iter()
            .map(|(daily, report)| (aggregate(daily, options.bars), report))
            .collect())
    }

    /// `options` with the date format and the time zone the manifest gives `symbol`, where it
    /// gives them: the run's options are the default of the symbols it does not name, so one
    /// folder may mix a vendor's day-first dates with ISO ones, or exchanges of several zones.
    fn options_for<'o>(&self, symbol: &str, options: &'o LoadOptions) -> Cow<'o, LoadOptions> {
        let Some(settings) = self
            .settings_of(symbol)
            .filter(|s| s.date_format.is_some() || s.timezone.is_some())
        else {
            return Cow::Borrowed(options);
        };
        Cow::Owned(LoadOptions {
            date_format: settings
                .date_format
                .clone()
                .or_else(|| options.date_format.clone()),
            timezone: settings.timezone.or(options.timezone),
            ..options.clone()
        })
    }

    /// The manifest's settings for the file of `symbol`, if it has any.
    fn settings_of(&self, symbol: &str) -> Option<&FileSettings> {
        let (file_symbol, _) = find(&self.files, symbol)?;
        self.settings.get(file_symbol)
    }

    /// The unit the manifest's `[units]` gives `symbol`'s prices in (`"pence"`, `"cents"`,
    /// `"currency"`), where it gives one: [`Dataset::load`] has divided pence and cents by
    /// 100, and a report can say so.
    #[must_use]
    pub fn price_unit(&self, symbol: &str) -> Option<&'static str> {
        self.settings_of(symbol)?.unit.map(PriceUnit::name)
    }

    /// The date format the manifest's `[date_formats]` gives `symbol`, where it gives one.
    #[must_use]
    pub fn date_format(&self, symbol: &str) -> Option<&str> {
        self.settings_of(symbol)?.date_format.as_deref()
    }

    /// The time zone the manifest's `[timezones]` gives `symbol`, where it gives one.
    #[must_use]
    pub fn timezone(&self, symbol: &str) -> Option<chrono_tz::Tz> {
        self.settings_of(symbol)?.timezone
    }

    /// Why `symbol`'s prices may be 100 times too large: a London (`.L`) or Johannesburg
    /// (`.JO`) listing, which vendors mostly quote in pence or cents, without a `[units]`
    /// entry saying which unit its file is in. Nothing can tell from the numbers alone (a
    /// share may trade at 58 pounds or 58 pence), so the run goes on, reading them as written,
    /// and the report says so; `"currency"` in `[units]` silences it.
    #[must_use]
    pub fn unit_warning(&self, symbol: &str) -> Option<String> {
        const LISTINGS: [(&str, &str, &str, &str); 2] = [
            (".L", "London", "pence", "pounds"),
            (".JO", "Johannesburg", "cents", "rand"),
        ];
        if self.price_unit(symbol).is_some() {
            return None;
        }
        let (_, market, minor, major) = LISTINGS.iter().find(|(suffix, ..)| {
            let upper = symbol.to_ascii_uppercase();
            upper.len() > suffix.len() && upper.ends_with(suffix)
        })?;
        Some(format!(
            "{symbol}: a {market} listing usually quoted in {minor} is read as {major}: add \
             \"{symbol}\" = \"{minor}\" under [units] in the dataset.toml of its folder (or \
             \"{symbol}\" = \"{major}\" where the file is in {major})"
        ))
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

/// Why `root`, neither a directory nor a regular file, cannot be a dataset: it does not exist,
/// cannot be looked at, or is a pipe or a device (`/dev/stdin`), which could be read only once.
fn not_a_dataset(root: &Path) -> Error {
    let problem = match std::fs::metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "no such file or directory (the sample dataset is data/ at the repository's root)"
                .to_string()
        }
        Err(e) => format!("cannot be read: {e}"),
        Ok(_) => "is not a regular file or a directory (a pipe or a device?): save the data \
                  into a CSV file and name that file or its directory"
            .to_string(),
    };
    Error::data_file(root, problem)
}

/// A file a dataset directory contributes: a CSV (`.csv`) or a Parquet file (`.parquet`,
/// `.pq`).
fn is_data_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        ["csv", "parquet", "pq"]
            .iter()
            .any(|known| e.eq_ignore_ascii_case(known))
    })
}

/// The symbol a file holds: its stem.
fn symbol_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file of `symbol`: an exact match, else the only case-insensitive one.
fn find<'a>(files: &'a BTreeMap<String, Source>, symbol: &str) -> Option<(&'a String, &'a Source)> {
    if let Some(found) = files.get_key_value(symbol) {
        return Some(found);
    }
    let mut matches = files.iter().filter(|(s, _)| s.eq_ignore_ascii_case(symbol));
    match (matches.next(), matches.next()) {
        (Some(found), None) => Some(found),
        _ => None,
    }
}

/// Where a symbol's rows are: its file, and whether the file names its symbols (a long file,
/// yfinance's multi-ticker layout, a wide panel) or is named after its one symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Source {
    path: PathBuf,
    named: bool,
}

/// Adds the symbols of the file at `path`: the file's stem, or the symbols it names where it
/// names more than one. A file whose header cannot be read counts as one symbol's, so that
/// loading it says what is wrong with it, on its line.
fn insert(files: &mut BTreeMap<String, Source>, path: PathBuf) -> Result<()> {
    let named = match symbols_in(&path, &LoadOptions::default()) {
        Ok(Some(symbols)) if symbols.len() > 1 => symbols,
        _ => vec![symbol_of(&path)],
    };
    let source = Source {
        named: named.len() > 1,
        path,
    };
    for symbol in named {
        // A symbol is printed in one-line messages, table rows and CSV cells: a line break or
        // other control character in it would break each of them.
        if symbol.chars().any(char::is_control) {
            let what = if source.named {
                format!("the symbol {symbol:?}")
            } else {
                "the file name".to_string()
            };
            return Err(Error::Usage(format!(
                "{:?}: {what} holds a line break or another control character, which no \
                 symbol may: rename {}",
                source.path.display().to_string(),
                if source.named { "it" } else { "the file" }
            )));
        }
        if let Some(previous) = files.get(&symbol) {
            return Err(Error::data_file(
                &source.path,
                format!(
                    "symbol {symbol} is also held by {}: give each symbol one file",
                    previous.path.display()
                ),
            ));
        }
        files.insert(symbol, source.clone());
    }
    Ok(())
}

/// Whether `symbol` is a rate or yield series rather than a price: the Treasury yield indexes
/// as Yahoo names them (`^IRX` 13 weeks, `^FVX` 5 years, `^TNX` 10 years, `^TYX` 30 years),
/// quoted in percent. They load as rates (zero and negative values allowed), are never
/// traded by default, and serve as a cash rate (`--cash-rate ^IRX`) or a signal.
#[must_use]
pub fn is_rate(symbol: &str) -> bool {
    const YIELDS: [&str; 4] = ["^IRX", "^FVX", "^TNX", "^TYX"];
    YIELDS.iter().any(|y| y.eq_ignore_ascii_case(symbol))
}
