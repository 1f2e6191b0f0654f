//! Target weights computed anywhere (pandas, polars, R, a spreadsheet), traded here with the
//! engine's fills, costs, reports and baselines.
//!
//! The parameter `file` names a CSV of `date,symbol,weight` rows (a header first; ISO dates;
//! weights as fractions of equity, negative for a short), sorted by date. The rows of one date
//! are the whole portfolio at that date: a symbol of the file absent from a date's rows is 0
//! then. The strategy trades every symbol the file names, in the order they first appear (the
//! run's `--symbols` are ignored).
//!
//! Timing: a weight dated d was decided at the close of d and fills at the open of the first
//! bar dated after d. So at the close of bar t the strategy answers the latest portfolio dated
//! before the next bar's date (on the last bar: dated on or before it), if it has not answered
//! it yet; several dates between two bars answer only the latest. Rows dated before the first
//! bar apply at its close, rows after the last bar never. Knowing the next bar's date is
//! calendar knowledge (see `crate::calendar`), never its prices.

use std::path::{Path, PathBuf};

use crate::strategy::{History, ParamSpec, Params, Strategy, StrategySpec, Targets};
use crate::{Date, Error};

/// Registry entry.
pub const SPEC: StrategySpec = StrategySpec {
    name: "weights",
    summary: "Target weights read from a CSV of date,symbol,weight (decided at each date's close)",
    params: &[ParamSpec {
        name: "file",
        default: "strategies/examples/weights.csv",
        help: "the CSV of date,symbol,weight rows, sorted by date",
    }],
    build,
};

fn build(params: &Params, _symbols: &[String]) -> crate::Result<Box<dyn Strategy>> {
    let path = PathBuf::from(params.text("file"));
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let (symbols, portfolios) = parse(&path, &text)?;
    Ok(Box::new(Weights {
        symbols,
        portfolios,
        next: 0,
    }))
}

/// One date's portfolio: the symbols it names and their weights, in file order.
type Rows = Vec<(String, f64)>;

/// Each date's target weights over the file's symbols, in date order.
type Portfolios = Vec<(Date, Targets)>;

/// The symbols of the file in order of first appearance, and each date's weights over them.
fn parse(path: &Path, text: &str) -> crate::Result<(Vec<String>, Portfolios)> {
    let mut lines = text.lines().enumerate();
    let header: Vec<String> = lines
        .next()
        .map(|(_, l)| l.split(',').map(|c| c.trim().to_ascii_lowercase()).collect())
        .unwrap_or_default();
    if header != ["date", "symbol", "weight"] {
        return Err(Error::data_line(
            path,
            1,
            "the header must be date,symbol,weight",
        ));
    }
    let mut symbols: Vec<String> = Vec::new();
    let mut dated: Vec<(Date, Rows)> = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |problem: String| Error::data_line(path, number, problem);
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [date, symbol, weight] = cells[..] else {
            return Err(bad(format!(
                "{} cells where date,symbol,weight has 3",
                cells.len()
            )));
        };
        let date: Date = date
            .parse()
            .map_err(|_| bad(format!("date {date:?} is not YYYY-MM-DD")))?;
        let weight = weight
            .parse::<f64>()
            .ok()
            .filter(|w| w.is_finite())
            .ok_or_else(|| bad(format!("weight {weight:?} is not a finite number")))?;
        if symbol.is_empty() {
            return Err(bad("no symbol".into()));
        }
        match dated.last_mut() {
            Some((last, _)) if date < *last => {
                return Err(bad(format!(
                    "{date} after {last}: sort the rows by date"
                )));
            }
            Some((last, rows)) if date == *last => {
                if rows.iter().any(|(s, _)| s.eq_ignore_ascii_case(symbol)) {
                    return Err(bad(format!("{symbol} twice on {date}: keep one row")));
                }
                rows.push((symbol.to_string(), weight));
            }
            _ => dated.push((date, vec![(symbol.to_string(), weight)])),
        }
        if !symbols.iter().any(|s| s.eq_ignore_ascii_case(symbol)) {
            symbols.push(symbol.to_string());
        }
    }
    if dated.is_empty() {
        return Err(Error::data_file(path, "no rows after the header"));
    }
    let portfolios = dated
        .into_iter()
        .map(|(date, rows)| {
            let weights = symbols
                .iter()
                .map(|s| {
                    rows.iter()
                        .find(|(r, _)| r.eq_ignore_ascii_case(s))
                        .map_or(0.0, |(_, w)| *w)
                })
                .collect();
            (date, weights)
        })
        .collect();
    Ok((symbols, portfolios))
}

struct Weights {
    symbols: Vec<String>,
    portfolios: Portfolios,
    /// The first portfolio not yet answered.
    next: usize,
}

impl Strategy for Weights {
    fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn rebalances(&self) -> bool {
        true
    }

    fn on_bar(&mut self, history: &History<'_>) -> Option<Targets> {
        let due = |date: Date| match history.next_date() {
            Some(next) => date < next,
            None => date <= history.date(),
        };
        let ready = self.portfolios[self.next..]
            .iter()
            .take_while(|(date, _)| due(*date))
            .count();
        if ready == 0 {
            return None;
        }
        self.next += ready;
        Some(self.portfolios[self.next - 1].1.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing;

    fn file(text: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.csv");
        std::fs::write(&path, text).unwrap();
        let param = format!("file={}", path.display());
        (dir, param)
    }

    #[test]
    fn a_weight_fills_at_the_open_of_the_first_bar_after_its_date() {
        // One bar a day from 2024-01-01; bars 3 and 4 are removed, so 2024-01-04 and -05 fall
        // between bar 2 (the 3rd) and bar 3 (the 6th).
        let mut u = testing::universe(&[("A", vec![10.0; 8]), ("B", vec![20.0; 8])]);
        u.dates.drain(3..5);
        for s in &mut u.series {
            for column in [&mut s.open, &mut s.high, &mut s.low, &mut s.close] {
                column.drain(3..5);
            }
            s.present.drain(3..5);
        }
        let (_dir, param) = file(
            "date,symbol,weight\n2023-12-30,A,1\n2024-01-02,A,0.5\n2024-01-02,B,0.5\n\
             2024-01-04,B,1\n2024-01-05,A,0.25\n",
        );
        let (strategy, run) = testing::run(&SPEC, &[&param], &u);
        assert_eq!(strategy.symbols(), ["A", "B"]);
        // Dated before the first bar: answered at its close. 2024-01-02 is bar 1. The 4th and
        // 5th come before bar 3 (the 6th): only the 5th is answered, at bar 2's close, with B
        // at 0 since the 5th's rows leave it out.
        let answers: Vec<(usize, Vec<f64>)> = run.decisions.clone();
        assert_eq!(
            answers,
            vec![(0, vec![1.0, 0.0]), (1, vec![0.5, 0.5]), (2, vec![0.25, 0.0])]
        );
        assert!(run.fills.iter().all(|f| f.bar >= 1), "every answer fills a bar later");
    }

    #[test]
    fn bad_files_are_refused_naming_the_line() {
        for (text, line, expected) in [
            ("day,symbol,weight\n", 1, "the header must be date,symbol,weight"),
            ("date,symbol,weight\n2024-01-01,A\n", 2, "2 cells"),
            ("date,symbol,weight\n01/02/2024,A,1\n", 2, "is not YYYY-MM-DD"),
            ("date,symbol,weight\n2024-01-01,A,nan\n", 2, "not a finite number"),
            ("date,symbol,weight\n2024-01-02,A,1\n2024-01-01,A,1\n", 3, "sort the rows"),
            ("date,symbol,weight\n2024-01-01,A,1\n2024-01-01,a,1\n", 3, "twice on 2024-01-01"),
        ] {
            let (_dir, param) = file(text);
            let error = testing::build(&SPEC, &[&param]).err().unwrap().to_string();
            assert!(error.contains(&format!("w.csv:{line}: ")), "{text}: {error}");
            assert!(error.contains(expected), "{text}: {error}");
        }
        let (_dir, param) = file("date,symbol,weight\n");
        let error = testing::build(&SPEC, &[&param]).err().unwrap().to_string();
        assert!(error.contains("no rows after the header"), "{error}");
    }
}
