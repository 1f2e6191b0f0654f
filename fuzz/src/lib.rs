//! What the fuzz targets share: the fuzzer's bytes written as a CSV file, the load options
//! each input is read with, and the promises every load must keep.
//!
//! The loader reads files, not bytes (it checks that the path is a regular file and reads it
//! itself), so each input is written to one file in a directory the process reuses; that is
//! also exactly how the binary meets a user's file.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use backtest::Error;
use backtest::data::{Bars, LoadOptions, load_bars};

/// The file each input is written to, in a directory of this process (one per fuzzing job).
fn input_path() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("backtest-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for the fuzzed file");
        dir.join("F.csv")
    })
}

/// Writes `bytes` as the input file and returns its path.
///
/// # Panics
/// The temporary directory cannot be written: no input could be tried.
#[must_use]
pub fn write_input(bytes: &[u8]) -> &'static Path {
    let path = input_path();
    std::fs::write(path, bytes).expect("the fuzzed file written");
    path
}

/// The options every input is read with, as in `tests/loader.rs`: plain, a date cut, and a
/// day-first date format (each reaches code the others do not).
#[must_use]
pub fn options() -> [LoadOptions; 3] {
    [
        LoadOptions::default(),
        LoadOptions {
            from: "2024-01-03".parse().ok(),
            to: "2025-01-08".parse().ok(),
            ..LoadOptions::default()
        },
        LoadOptions {
            date_format: Some("%d/%m/%Y".into()),
            ..LoadOptions::default()
        },
    ]
}

/// Loads the file at `path` (holding `bytes`) and checks what the loader promises; panics,
/// which the fuzzer records as a crash, when a promise is broken.
///
/// A refusal is a data error (exit code 2) naming this file, on one short line, with a line
/// number, if any, within the file or just after it. A success is a valid series: at least
/// one bar, dates strictly increasing and inside the date cut, every price finite and
/// positive, every volume finite and not negative, and a report that agrees with the bars.
/// High ≥ low is not promised: a bar outside its range loads and is recorded as a defect.
///
/// Returns the bars, for the targets that go on to use them.
///
/// # Panics
/// A promise is broken: that is the finding.
pub fn check_load(path: &Path, bytes: &[u8], options: &LoadOptions) -> Option<Bars> {
    match load_bars(path, "F", options) {
        Err(error) => {
            let message = error.to_string();
            assert_eq!(error.exit_code(), 2, "{message}");
            assert!(!message.contains(['\n', '\r']), "one line: {message}");
            assert!(message.len() < 3000, "short: {message}");
            let Error::Data { file, line, .. } = &error else {
                panic!("not a data error: {message}");
            };
            assert_eq!(file, path, "names the file: {message}");
            if let Some(line) = *line {
                // A file of `ends + 1` lines at most; a message about a missing line may
                // name the one after the last (`Price`, `Ticker` and no `Date` line: line 3).
                let ends = bytes.iter().filter(|b| matches!(b, b'\n' | b'\r')).count();
                assert!(
                    (1..=ends + 2).contains(&line),
                    "a line of the file: {message}"
                );
            }
            None
        }
        Ok((bars, report)) => {
            let n = bars.len();
            assert!(n > 0, "no bars");
            assert_eq!(report.rows, n);
            assert!(bars.dates.windows(2).all(|w| w[0] < w[1]), "dates increase");
            assert_eq!(
                (report.first_date, report.last_date),
                (bars.dates[0], bars.dates[n - 1])
            );
            assert!(options.from.is_none_or(|from| bars.dates[0] >= from));
            assert!(options.to.is_none_or(|to| bars.dates[n - 1] <= to));
            let mut prices = vec![&bars.open, &bars.high, &bars.low, &bars.close];
            prices.extend(bars.adj_close.as_ref());
            for series in prices {
                assert_eq!(series.len(), n);
                assert!(
                    series.iter().all(|p| p.is_finite() && *p > 0.0),
                    "{series:?}"
                );
            }
            if let Some(volume) = &bars.volume {
                assert_eq!(volume.len(), n);
                assert!(
                    volume.iter().all(|v| v.is_finite() && *v >= 0.0),
                    "{volume:?}"
                );
            }
            Some(bars)
        }
    }
}
