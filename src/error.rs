//! One error type for the whole library, so the binary turns every failure into one message
//! and one exit code in one place.

use std::fmt;
use std::path::PathBuf;

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, said so that a user can find and fix it.
#[derive(Debug)]
pub enum Error {
    /// A data file is unreadable or malformed: names the file and, where it applies, the line.
    Data {
        /// The file, as the user named it.
        file: PathBuf,
        /// 1-based line of the file (the header is line 1), where the problem sits on one line.
        line: Option<usize>,
        /// What is wrong and, where it helps, what to do.
        problem: String,
    },
    /// The command line asks for something that cannot be done (unknown strategy, bad parameter,
    /// missing symbol...).
    Usage(String),
    /// A strategy answered something the engine refuses to trade.
    Strategy {
        /// The strategy's registered name.
        strategy: String,
        /// The date of the bar whose close produced the answer.
        date: crate::Date,
        /// What was wrong with the answer.
        problem: String,
    },
    /// Reading or writing a file failed for a reason outside the data itself.
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Drawing a chart failed.
    Chart(String),
}

impl Error {
    /// A data error on one line of one file.
    pub fn data_line(file: impl Into<PathBuf>, line: usize, problem: impl Into<String>) -> Self {
        Error::Data {
            file: file.into(),
            line: Some(line),
            problem: problem.into(),
        }
    }

    /// A data error at a position of a file: `file:N: problem` for a line, `file: row N:
    /// problem` for a row of a table.
    pub fn data_at(
        file: impl Into<PathBuf>,
        at: crate::data::Position,
        problem: impl Into<String>,
    ) -> Self {
        match at {
            crate::data::Position::Line(line) => Error::data_line(file, line, problem),
            crate::data::Position::Row(row) => {
                Error::data_file(file, format!("row {row}: {}", problem.into()))
            }
        }
    }

    /// A data error about a whole file.
    pub fn data_file(file: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Error::Data {
            file: file.into(),
            line: None,
            problem: problem.into(),
        }
    }

    /// An I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The same error, saying which strategy's run it stopped (when several run at once). Said
    /// once: an error that already names the strategy is returned as it is, so that the layers
    /// it passes through (a run, then `run --all`) do not repeat the name.
    #[must_use]
    pub fn for_strategy(self, name: &str) -> Self {
        match self {
            Error::Data {
                file,
                line,
                problem,
            } => {
                let context = format!(" (in the run of {name})");
                Error::Data {
                    file,
                    line,
                    problem: if problem.ends_with(&context) {
                        problem
                    } else {
                        problem + &context
                    },
                }
            }
            Error::Usage(message) if !message.starts_with(&format!("{name}: ")) => {
                Error::Usage(format!("{name}: {message}"))
            }
            other => other,
        }
    }

    /// The process exit code for this error: 2 for bad input (data, usage, strategy answers),
    /// 1 for failures of the machine (I/O, drawing).
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Data { .. } | Error::Usage(_) | Error::Strategy { .. } => 2,
            Error::Io { .. } | Error::Chart(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Data {
                file,
                line: Some(line),
                problem,
            } => write!(f, "{}:{line}: {problem}", file.display()),
            Error::Data {
                file,
                line: None,
                problem,
            } => write!(f, "{}: {problem}", file.display()),
            Error::Usage(message) | Error::Chart(message) => f.write_str(message),
            Error::Strategy {
                strategy,
                date,
                problem,
            } => write!(f, "strategy {strategy} at the close of {date}: {problem}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn an_error_names_its_strategy_once_however_many_layers_add_it() {
        // Regression: `run --all` said "defensive-miners: defensive-miners: symbol SPY ...".
        let usage = Error::Usage("symbol SPY is not in the dataset".into())
            .for_strategy("defensive-miners")
            .for_strategy("defensive-miners");
        assert_eq!(
            usage.to_string(),
            "defensive-miners: symbol SPY is not in the dataset"
        );
        let data = Error::data_line("GLD.csv", 3, "high below low")
            .for_strategy("sma-cross")
            .for_strategy("sma-cross");
        assert_eq!(
            data.to_string(),
            "GLD.csv:3: high below low (in the run of sma-cross)"
        );
    }
}
