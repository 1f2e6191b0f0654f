//! Walk-forward analysis: choose parameters on a training window, trade them on the window
//! that follows, roll forward, and stitch the traded windows into one out-of-sample equity
//! curve. A sweep's best run has seen the whole history; this shows what choosing by the same
//! rule, with only the past in hand, would have earned.
//!
//! Windows are calendar spans rolled by the test span: training `[start + k·test,
//! start + k·test + train)`, test the `test` span after it (the last one may be shorter). Each
//! test window is an ordinary run from the training window's first bar with `trade_from` at
//! its last bar (see [`crate::engine::simulate_on`]): the chosen strategy warms up on the
//! training bars, decides at that close and fills at the first test bar's open, starting from
//! the previous window's final equity. A position held across two windows is therefore
//! closed at one window's last close and reopened at the next window's first open.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::Months;

use crate::engine::EngineOptions;
use crate::indicators::Lines;
use crate::metrics::{self, Performance};
use crate::report::text::{markdown_cell, number, percent};
use crate::run::{RunRequest, Setup};
use crate::sweep::{Grid, Metric, Plan, Row, Sweep, evaluate_all, field, setting};
use crate::{Date, Error, Result};

/// A calendar span: `5y`, `18m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    months: u32,
}

impl FromStr for Span {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let form = || format!("{text:?} is not a span such as 5y or 18m");
        let (number, unit) = text.trim().split_at(text.trim().len().saturating_sub(1));
        let count: u32 = number.parse().map_err(|_| form())?;
        let months = match unit {
            "y" | "Y" => count.checked_mul(12),
            "m" | "M" => Some(count),
            _ => None,
        }
        .filter(|m| *m > 0)
        .ok_or_else(form)?;
        Ok(Span { months })
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.months.is_multiple_of(12) {
            write!(f, "{}y", self.months / 12)
        } else {
            write!(f, "{}m", self.months)
        }
    }
}

impl Span {
    /// `date` plus this span (month ends clamp: Feb 29 + 1y is Feb 28).
    fn after(self, date: Date, times: u32) -> Option<Date> {
        date.checked_add_months(Months::new(self.months.checked_mul(times)?))
    }
}

/// One training window and the test window after it, as bars of the universe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// First training bar.
    pub train_start: usize,
    /// First test bar (one past the last training bar).
    pub test_start: usize,
    /// One past the last test bar.
    pub test_end: usize,
}

/// How the windows are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// The training span.
    pub train: Span,
    /// The test span after it; the windows roll forward by it.
    pub test: Span,
    /// Every training window starts at the first bar and grows (anchored, or expanding,
    /// walk-forward), instead of rolling forward with the test window.
    pub anchored: bool,
}

/// The windows over `dates`; empty when the data is shorter than one training span plus one
/// test bar.
#[must_use]
pub fn schedule(dates: &[Date], windows: Windows) -> Vec<Schedule> {
    let Windows {
        train,
        test,
        anchored,
    } = windows;
    let bar_on_or_after = |date: Date| dates.partition_point(|d| *d < date);
    let Some(first) = dates.first().copied() else {
        return vec![];
    };
    let mut windows = Vec::new();
    for k in 0.. {
        let Some(train_from) = test.after(first, k) else {
            break;
        };
        let train_start = if anchored {
            0
        } else {
            bar_on_or_after(train_from)
        };
        let test_start = train
            .after(train_from, 1)
            .map_or(dates.len(), bar_on_or_after);
        if test_start >= dates.len() {
            break;
        }
        let test_end = train
            .after(train_from, 1)
            .and_then(|d| test.after(d, 1))
            .map_or(dates.len(), bar_on_or_after);
        if test_start > train_start {
            windows.push(Schedule {
                train_start,
                test_start,
                test_end,
            });
        }
    }
    windows
}

/// What one window chose and earned.
#[derive(Debug, Clone)]
pub struct Window {
    /// First and last training dates.
    pub train: (Date, Date),
    /// First and last test dates.
    pub test: (Date, Date),
    /// The best training run by the ranking metric; `None` when no combination had the metric
    /// (then the window stays in cash).
    pub chosen: Option<Row>,
    /// Equity at the last training close, where the window's trading starts.
    pub start_equity: f64,
    /// Equity at the window's last close.
    pub end_equity: f64,
    /// Its run over the test bars, from the last training close.
    pub performance: Performance,
    /// Round trips in the test window.
    pub trades: usize,
}

/// A finished walk-forward analysis.
#[derive(Debug, Clone)]
pub struct WalkForward {
    /// The strategy.
    pub strategy: String,
    /// The swept parameters' names.
    pub names: Vec<String>,
    /// How the windows were cut.
    pub windowing: Windows,
    /// What the windows ranked by.
    pub metric: Metric,
    /// The combinations tried in each window, and those the strategy refused.
    pub combinations: (usize, usize),
    /// The windows in time order.
    pub windows: Vec<Window>,
    /// Dates of the stitched curve: from the first window's last training bar to the end.
    pub dates: Vec<Date>,
    /// The stitched out-of-sample equity.
    pub equity: Vec<f64>,
    /// Its statistics.
    pub out_of_sample: Performance,
    /// The best combination of the whole history, chosen with hindsight, traded over the same
    /// dates as the stitched curve.
    pub hindsight: Option<Hindsight>,
    /// The data warnings of its market (see [`crate::run::Market::warnings`]).
    pub warnings: Vec<String>,
}

/// The hindsight best: the combination that ranks first over the whole history.
#[derive(Debug, Clone)]
pub struct Hindsight {
    /// Its row of the whole-history sweep.
    pub row: Row,
    /// Its equity over the stitched curve's dates, from the same starting cash.
    pub equity: Vec<f64>,
    /// Its statistics over those dates.
    pub performance: Performance,
}

/// Every candidate of `plan` run on the universe of `lines`, as a sweep to rank.
fn sweep_on(
    setup: &Setup<'_>,
    plan: &Plan,
    lines: &Lines<'_>,
    on_done: &(dyn Fn() + Sync),
) -> Result<Sweep> {
    Ok(Sweep {
        strategy: setup.spec.name.to_string(),
        names: plan.names.clone(),
        rows: evaluate_all(setup, &plan.candidates, |_| lines, on_done)?,
        skipped: vec![],
        // The walk-forward says its market's warnings once, not each window's sweep.
        warnings: vec![],
    })
}

/// The best combination over the whole of `universe`, and its statistics trading from
/// `from`.
fn hindsight(
    setup: &Setup<'_>,
    plan: &Plan,
    universe: &crate::data::Universe,
    metric: Metric,
    from: Date,
    on_done: &(dyn Fn() + Sync),
) -> Result<Option<Hindsight>> {
    let lines = Lines::new(universe);
    let whole = sweep_on(setup, plan, &lines, on_done)?;
    let Some((best, candidate)) = whole
        .best(metric)
        .and_then(|row| Some((row, plan.candidate(row)?)))
    else {
        return Ok(None);
    };
    let request = RunRequest {
        trade_from: Some(from),
        ..setup.request.clone()
    };
    let outcome = setup.measure(&candidate.params, &lines, &candidate.request(&request))?;
    Ok(Some(Hindsight {
        row: best.clone(),
        equity: outcome.run.equity,
        performance: outcome.performance,
    }))
}

/// Runs the walk-forward analysis of `template`'s strategy over `grids`.
///
/// # Errors
/// A bad grid, spans that leave no window in the data, combinations that trade different
/// symbols, or any error of a run.
pub fn run(
    template: &RunRequest,
    grids: &[Grid],
    windows: Windows,
    metric: Metric,
    on_done: &(dyn Fn() + Sync),
) -> Result<WalkForward> {
    let setup = Setup::new(template)?;
    let plan = Plan::new(&setup, grids)?;
    // `Plan::new` refuses a plan whose every combination the strategy refused (naming the
    // first refusal); a plan with no candidate at all is refused here rather than indexed.
    let Some(reads) = plan.candidates.first().map(|c| &c.reads) else {
        return Err(Error::Usage(format!(
            "strategy {} refused every combination of the grids",
            setup.spec.name
        )));
    };
    if plan.candidates.iter().any(|c| c.reads != *reads) {
        return Err(Error::Usage(
            "walk-forward needs every combination to trade the same symbols".into(),
        ));
    }
    let market = setup.market(reads)?;
    let universe = &market.universe;
    let windowing = windows;
    let windows = schedule(&universe.dates, windowing);
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
        return Err(Error::Usage(format!(
            "the data ({} to {}) is shorter than one training span and a test bar after it",
            universe.dates[0],
            universe.dates[universe.len() - 1]
        )));
    };
    let span = first.test_start - 1..last.test_end;
    let mut cash = template.engine.cash;
    let mut equity: Vec<f64> = Vec::with_capacity(span.len());
    let mut done = Vec::with_capacity(windows.len());
    for bars in windows {
        let training = universe.slice(bars.train_start..bars.test_start);
        let lines = Lines::new(&training);
        let trained = sweep_on(&setup, &plan, &lines, on_done)?;
        let chosen = trained.best(metric).cloned();
        let window = universe.slice(bars.train_start..bars.test_end);
        let request = RunRequest {
            engine: EngineOptions {
                cash,
                ..template.engine.clone()
            },
            trade_from: Some(universe.dates[bars.test_start - 1]),
            ..template.clone()
        };
        let (curve, trades) = match chosen.as_ref().and_then(|row| plan.candidate(row)) {
            Some(candidate) => {
                let request = candidate.request(&request);
                let outcome = setup.measure(&candidate.params, &Lines::new(&window), &request)?;
                (outcome.run.equity, outcome.trades.len())
            }
            None => (vec![cash; bars.test_end - bars.test_start + 1], 0),
        };
        let skip = usize::from(!equity.is_empty());
        equity.extend_from_slice(&curve[skip..]);
        let dates = &universe.dates;
        done.push(Window {
            train: (dates[bars.train_start], dates[bars.test_start - 1]),
            test: (dates[bars.test_start], dates[bars.test_end - 1]),
            chosen,
            start_equity: cash,
            end_equity: curve[curve.len() - 1],
            performance: metrics::performance(
                &universe.dates[bars.test_start - 1..bars.test_end],
                &curve,
                template.risk_free,
                template.load.bars,
            ),
            trades,
        });
        cash = curve[curve.len() - 1];
    }
    let dates = universe.dates[span.clone()].to_vec();
    let out_of_sample =
        metrics::performance(&dates, &equity, template.risk_free, template.load.bars);
    let hindsight = hindsight(&setup, &plan, universe, metric, dates[0], on_done)?;
    Ok(WalkForward {
        strategy: setup.spec.name.to_string(),
        names: plan.names,
        windowing,
        metric,
        combinations: (plan.candidates.len(), plan.skipped.len()),
        windows: done,
        dates,
        equity,
        out_of_sample,
        hindsight,
        warnings: market.warnings.clone(),
    })
}

impl WalkForward {
    /// `walkforward.csv`: one row per window, its dates, the chosen values (empty when it
    /// stayed in cash), the training metric, and the test run; numbers in full.
    #[must_use]
    pub fn csv(&self) -> String {
        let mut out = format!(
            "window,train_from,train_to,test_from,test_to,{},in_sample_{},start_equity,end_equity,test_return,test_sharpe,test_max_drawdown,trades\n",
            self.names.join(","),
            self.metric.name()
        );
        for (k, w) in self.windows.iter().enumerate() {
            let values = w.chosen.as_ref().map_or_else(
                || vec![String::new(); self.names.len()],
                |row| row.values.clone(),
            );
            let p = &w.performance;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                k + 1,
                w.train.0,
                w.train.1,
                w.test.0,
                w.test.1,
                values.join(","),
                field(
                    w.chosen
                        .as_ref()
                        .and_then(|r| self.metric.of(&r.performance))
                ),
                w.start_equity,
                w.end_equity,
                p.total_return,
                field(p.sharpe),
                p.max_drawdown,
                w.trades
            );
        }
        out
    }

    /// `equity.csv`: the stitched out-of-sample equity by date.
    #[must_use]
    pub fn equity_csv(&self) -> String {
        let mut out = String::from("date,equity\n");
        for (date, value) in self.dates.iter().zip(&self.equity) {
            let _ = writeln!(out, "{date},{value}");
        }
        out
    }

    /// The Markdown summary (`walkforward.md`, and the terminal): the stitched out-of-sample
    /// run beside the hindsight best over the same dates, then each window's choice.
    #[must_use]
    pub fn markdown(&self) -> String {
        let (tried, refused) = self.combinations;
        let Windows {
            train,
            test,
            anchored,
        } = self.windowing;
        let training = if anchored {
            format!("training from the first bar, at least {train}")
        } else {
            format!("training over the last {train}")
        };
        let mut out = format!(
            "# Walk-forward of {}\n\n{} test windows of {test} ({training}) from {} to {}; in \
             each, {tried} combinations ranked by {} on the training window ({refused} refused \
             by the strategy).\n\n",
            self.strategy,
            self.windows.len(),
            self.dates[0],
            self.dates[self.dates.len() - 1],
            self.metric.name()
        );
        out.push_str(
            "| over the same dates | total return | CAGR | Sharpe | max drawdown |\n|---|---|---|---|---|\n",
        );
        let line = |label: &str, p: &Performance| {
            format!(
                "| {} | {} | {} | {} | {} |\n",
                markdown_cell(label),
                percent(Some(p.total_return)),
                percent(p.cagr),
                number(p.sharpe),
                percent(Some(p.max_drawdown))
            )
        };
        out.push_str(&line("walk-forward (out of sample)", &self.out_of_sample));
        if let Some(best) = &self.hindsight {
            out.push_str(&line(&self.hindsight_label(best), &best.performance));
        }
        let _ = write!(
            out,
            "\nThe hindsight best is the combination that ranks first over the whole history: \
             no one could have chosen it in advance.\n\n\
             | window | trained | tested | chosen | in-sample {} | test return | test max drawdown |\n\
             |---|---|---|---|---|---|---|\n",
            self.metric.name()
        );
        for (k, w) in self.windows.iter().enumerate() {
            let chosen = w.chosen.as_ref();
            let _ = writeln!(
                out,
                "| {} | {} → {} | {} → {} | {} | {} | {} | {} |",
                k + 1,
                w.train.0,
                w.train.1,
                w.test.0,
                w.test.1,
                chosen.map_or_else(
                    || "none: stayed in cash".into(),
                    |r| markdown_cell(&self.label(&r.values))
                ),
                number(chosen.and_then(|r| self.metric.of(&r.performance))),
                percent(Some(w.performance.total_return)),
                percent(Some(w.performance.max_drawdown))
            );
        }
        out
    }

    /// "hindsight best (fast=10 slow=20)".
    #[must_use]
    pub fn hindsight_label(&self, best: &Hindsight) -> String {
        format!("hindsight best ({})", self.label(&best.row.values))
    }

    /// `fast=10 slow=50`.
    fn label(&self, values: &[String]) -> String {
        setting(&self.names, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn spans_read_and_print_years_and_months() {
        assert_eq!("5y".parse::<Span>(), Ok(Span { months: 60 }));
        assert_eq!("18m".parse::<Span>(), Ok(Span { months: 18 }));
        assert_eq!(
            ["5y", "18m", "24m"].map(|s| s.parse::<Span>().unwrap().to_string()),
            ["5y", "18m", "2y"]
        );
        for bad in ["", "y", "0y", "5", "5w", "-1y", "1.5y"] {
            assert!(bad.parse::<Span>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn windows_roll_by_the_test_span_and_the_last_one_may_be_short_or_anchored() {
        // One bar a day through 2000-01-01 .. 2003-06-30.
        let dates: Vec<Date> = ymd(2000, 1, 1)
            .iter_days()
            .take_while(|d| *d <= ymd(2003, 6, 30))
            .collect();
        let at = |d: Date| dates.iter().position(|x| *x == d).unwrap();
        let spans = |train: &str, anchored| Windows {
            train: train.parse().unwrap(),
            test: "1y".parse().unwrap(),
            anchored,
        };
        let windows = schedule(&dates, spans("2y", false));
        assert_eq!(
            windows,
            [
                Schedule {
                    train_start: 0,
                    test_start: at(ymd(2002, 1, 1)),
                    test_end: at(ymd(2003, 1, 1)),
                },
                Schedule {
                    train_start: at(ymd(2001, 1, 1)),
                    test_start: at(ymd(2003, 1, 1)),
                    test_end: dates.len(),
                },
            ]
        );
        assert!(schedule(&dates, spans("4y", false)).is_empty());
        // Anchored: the same test windows, every training window from the first bar.
        let anchored = schedule(&dates, spans("2y", true));
        assert_eq!(anchored.len(), windows.len());
        for (a, w) in anchored.iter().zip(&windows) {
            assert_eq!(
                (a.train_start, a.test_start, a.test_end),
                (0, w.test_start, w.test_end)
            );
        }
    }
}
