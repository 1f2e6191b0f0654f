//! Robustness over paths: one strategy with one set of parameters on many alternative price
//! histories, so that a backtest's single number is seen against the spread luck alone gives.
//!
//! Two kinds of paths:
//! - **Monte Carlo**: path k is the sample generator ([`crate::synth::generate`]) with seed
//!   S + k, the strategy's symbols and benchmark taken from it. The generated prices are already
//!   rounded to the 4 decimals `backtest synth` writes, and the loader parses those decimals
//!   back to the very same floats, so a path is exactly `backtest synth --seed S+k` followed by
//!   `backtest run --data` on its files.
//! - **Block bootstrap**: path k resamples the loaded market's bars in blocks of consecutive
//!   bars (the circular block bootstrap of Politis & Romano), drawn with [`Rng`] seeded S + k.
//!   Every symbol takes the same source bar on each date, so cross-correlations survive, and
//!   blocks keep short-range dependence (volatility clusters, trends shorter than a block).
//!
//! Every path runs through [`crate::run::measure`], as `backtest run` does, so a path's row is
//! exactly what a single run on that path's prices gives. Extreme paths are counted, never
//! averaged in as NaN: a path whose run is refused (its prices make a number the engine cannot
//! compute with, say) is counted as failed and its metrics as undefined; a path whose equity
//! reaches zero is a ruined run, measured as such (−100%), and counted; percentiles are over
//! the paths where a metric is defined and finite.

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::data::{Bars, Series, Universe, aggregate};
use crate::indicators::Lines;
use crate::metrics::Performance;
use crate::report::text::{number, percent};
use crate::rng::Rng;
use crate::run::{Market, RunRequest, Setup};
use crate::strategy::{Params, Reads};
use crate::sweep::field;
use crate::{Error, Result, synth};

/// The percentiles reported of each metric.
pub const PERCENTILES: [f64; 5] = [5.0, 25.0, 50.0, 75.0, 95.0];

/// Where the paths come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Seeded synthetic paths of the sample generator.
    MonteCarlo,
    /// Circular block-bootstrap resamples of the loaded data, blocks of `block` bars.
    Bootstrap {
        /// Bars per block.
        block: usize,
    },
}

impl Method {
    /// What the paths are, for a report: "synthetic paths of the sample generator".
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Method::MonteCarlo => "synthetic paths of the sample generator".to_string(),
            Method::Bootstrap { block } => {
                format!("circular block-bootstrap resamples of the data, blocks of {block} bars")
            }
        }
    }
}

/// The metrics of one run (a path or the historical data).
#[derive(Debug, Clone)]
pub struct Measured {
    /// Performance, as in `summary.json`.
    pub performance: Performance,
    /// Trades opened.
    pub trades: usize,
    /// Equity reached zero and the run ended there (see [`crate::engine::Ruin`]).
    pub ruined: bool,
}

/// One path's result.
#[derive(Debug, Clone)]
pub struct PathRow {
    /// The path's index k, from 0.
    pub path: usize,
    /// The seed it was made with: S + k.
    pub seed: u64,
    /// What the strategy did on it, or why its run was refused (the error's one line).
    pub measured: std::result::Result<Measured, String>,
}

/// A strategy resolved against its data, ready to run on any path.
pub struct Plan<'r> {
    /// The request (its dataset gives the historical run and the bootstrap's source).
    pub setup: Setup<'r>,
    /// The strategy's parameters.
    pub params: Params,
    /// The strategy's symbols and benchmark on the actual data.
    pub market: Market,
    /// Where the paths come from.
    pub method: Method,
    /// Number of paths.
    pub paths: usize,
    /// Seed of path 0.
    pub seed: u64,
}

/// Everything a robustness run produced.
#[derive(Debug, Clone)]
pub struct Robustness {
    /// The strategy's name.
    pub strategy: String,
    /// Where the paths came from.
    pub method: Method,
    /// The symbols run, the benchmark last unless traded.
    pub symbols: Vec<String>,
    /// The run on the actual data.
    pub historical: Measured,
    /// One row per path, in path order.
    pub paths: Vec<PathRow>,
}

impl<'r> Plan<'r> {
    /// Resolves `request`'s strategy, parameters and market.
    ///
    /// # Errors
    /// No paths or an empty block (usage errors), a seed range that overflows, or whatever
    /// `backtest run` would fail with on the request.
    pub fn new(request: &'r RunRequest, method: Method, paths: usize, seed: u64) -> Result<Self> {
        if paths == 0 {
            return Err(Error::Usage(
                "the number of paths must be at least 1".into(),
            ));
        }
        if method == (Method::Bootstrap { block: 0 }) {
            return Err(Error::Usage("--block must be at least 1 bar".into()));
        }
        if u64::try_from(paths - 1)
            .ok()
            .and_then(|last| seed.checked_add(last))
            .is_none()
        {
            return Err(Error::Usage(format!(
                "--seed {seed} with {paths} paths runs past the largest seed"
            )));
        }
        let setup = Setup::new(request)?;
        let params = setup.params(&request.params)?;
        let market = setup.market(&Reads::of(setup.build(&params)?.as_ref()))?;
        if method == Method::MonteCarlo {
            for series in &market.universe.series {
                generated(&series.symbol)?;
            }
        }
        if let Method::Bootstrap { .. } = method
            && market.universe.len() < 2
        {
            return Err(Error::Usage(
                "a bootstrap needs at least 2 bars of data to resample".into(),
            ));
        }
        Ok(Plan {
            setup,
            params,
            market,
            method,
            paths,
            seed,
        })
    }

    /// The seed of path `k`: S + k (checked in [`Plan::new`] not to overflow).
    #[must_use]
    pub fn seed_of(&self, k: usize) -> u64 {
        self.seed
            .saturating_add(u64::try_from(k).unwrap_or(u64::MAX))
    }

    /// The prices of path `k`, the market's symbols in the market's order.
    ///
    /// # Errors
    /// A Monte Carlo path of a symbol the generator does not make, or dates that leave none of
    /// its bars.
    pub fn universe(&self, k: usize) -> Result<Universe> {
        let seed = self.seed_of(k);
        match self.method {
            Method::MonteCarlo => {
                let symbols: Vec<&str> = self
                    .market
                    .universe
                    .series
                    .iter()
                    .map(|s| s.symbol.as_str())
                    .collect();
                synthetic(&symbols, seed, self.setup.request)
            }
            Method::Bootstrap { block } => Ok(bootstrap(&self.market.universe, block, seed)),
        }
    }

    /// Runs the strategy on `universe`, exactly as `backtest run` does.
    ///
    /// # Errors
    /// A strategy answer the engine refuses.
    pub fn measure(&self, universe: &Universe) -> Result<Measured> {
        let outcome =
            self.setup
                .measure(&self.params, &Lines::new(universe), self.setup.request)?;
        Ok(Measured {
            performance: outcome.performance,
            trades: outcome.trades.len(),
            ruined: outcome.run.ruin.is_some(),
        })
    }

    /// Runs the historical data and every path, the paths in parallel (they share nothing);
    /// the rows keep path order, so the output is the same on any number of threads.
    /// `on_done` is called as each path finishes.
    ///
    /// # Errors
    /// The first error of a path, in path order.
    pub fn run(&self, on_done: &(dyn Fn() + Sync)) -> Result<Robustness> {
        let historical = self.measure(&self.market.universe)?;
        let paths: Vec<Result<PathRow>> = (0..self.paths)
            .into_par_iter()
            .map(|k| {
                let row = PathRow {
                    path: k,
                    seed: self.seed_of(k),
                    measured: self.measure(&self.universe(k)?).map_err(|e| e.to_string()),
                };
                on_done();
                Ok(row)
            })
            .collect();
        let paths = paths.into_iter().collect::<Result<Vec<_>>>()?;
        Ok(Robustness {
            strategy: self.setup.spec.name.to_string(),
            method: self.method,
            symbols: self
                .market
                .universe
                .series
                .iter()
                .map(|s| s.symbol.clone())
                .collect(),
            historical,
            paths,
        })
    }
}

/// Runs `request`'s strategy on `paths` paths of `method`, path k seeded `seed + k`.
///
/// # Errors
/// As [`Plan::new`] and [`Plan::run`].
pub fn run(request: &RunRequest, method: Method, paths: usize, seed: u64) -> Result<Robustness> {
    Plan::new(request, method, paths, seed)?.run(&|| {})
}

/// The generator's bars of `symbols` for `seed`, cut to the request's dates, aggregated into its
/// bars (`--bars`) and aligned as the loader's would be: the universe `backtest run` sees on
/// the files of `backtest synth`.
///
/// # Errors
/// A symbol the generator does not make, or `--from`/`--to` leaving no bars.
pub fn synthetic(symbols: &[&str], seed: u64, request: &RunRequest) -> Result<Universe> {
    let indexes = symbols
        .iter()
        .map(|s| generated(s))
        .collect::<Result<Vec<_>>>()?;
    let sample = synth::generate(seed);
    let (from, to) = (request.load.from, request.load.to);
    let mut bars = Vec::with_capacity(symbols.len());
    for b in indexes.into_iter().map(|i| &sample[i]) {
        // The loader's date cut: from <= date <= to.
        let first = b.dates.partition_point(|d| from.is_some_and(|f| *d < f));
        let end = b.dates.partition_point(|d| to.is_none_or(|t| *d <= t));
        if first >= end {
            return Err(Error::Usage(format!(
                "--from/--to leave no generated bars (the generator makes {} to {})",
                b.dates.first().map_or(String::new(), ToString::to_string),
                b.dates.last().map_or(String::new(), ToString::to_string)
            )));
        }
        let cut = |x: &[f64]| x[first..end].to_vec();
        // Then the loader's bars: a weekly run's paths are weekly, as its history is.
        let daily = Bars {
            symbol: b.symbol.clone(),
            dates: b.dates[first..end].to_vec(),
            open: cut(&b.open),
            high: cut(&b.high),
            low: cut(&b.low),
            close: cut(&b.close),
            adj_close: b.adj_close.as_deref().map(cut),
            volume: b.volume.as_deref().map(cut),
            close_only: b.close_only,
        };
        bars.push(aggregate(daily, request.load.bars));
    }
    Universe::align(&bars, request.prices)
}

/// The index among the generator's symbols of `symbol` (as the dataset spells it, any case).
///
/// # Errors
/// A symbol the generator does not make: a usage error naming it.
fn generated(symbol: &str) -> Result<usize> {
    synth::SYMBOLS
        .iter()
        .position(|s| s.eq_ignore_ascii_case(symbol))
        .ok_or_else(|| {
            Error::Usage(format!(
                "Monte Carlo paths need {symbol}, which the sample generator does not make (it \
                 makes {}); use --bootstrap, or other --symbols",
                synth::SYMBOLS.join(", ")
            ))
        })
}

/// The source bar of each new bar of a circular block bootstrap of `bars` bars: bar 0 is
/// itself; bars 1.. come in blocks of `block` consecutive source bars, each block starting at a
/// uniform draw among the `bars − 1` bars that have a previous close, and wrapping from the last
/// bar to bar 1 (so every source bar is equally likely and any block length fits); the last
/// block is cut at the end.
#[must_use]
pub fn block_sources(bars: usize, block: usize, rng: &mut Rng) -> Vec<usize> {
    let moves = bars.saturating_sub(1);
    let mut sources = Vec::with_capacity(bars);
    sources.extend((bars > 0).then_some(0));
    while sources.len() < bars {
        let start = rng.below(moves);
        let left = bars - sources.len();
        sources.extend((0..block.min(left)).map(|i| 1 + (start + i) % moves));
    }
    sources
}

/// `universe` rebuilt from the relative moves of the source bars: new bar t's open, high, low
/// and close are the new close of bar t − 1 times the source bar's own prices over its previous
/// close, for every symbol from the same source bar; the first bar is the original one. The
/// calendar stays; each bar's `present` is its source bar's.
#[must_use]
pub fn resample(universe: &Universe, sources: &[usize]) -> Universe {
    let series = universe
        .series
        .iter()
        .map(|s| {
            let n = sources.len();
            let mut new = Series {
                open: Vec::with_capacity(n),
                high: Vec::with_capacity(n),
                low: Vec::with_capacity(n),
                close: Vec::with_capacity(n),
                present: Vec::with_capacity(n),
                ..s.clone()
            };
            for &j in sources {
                let (open, high, low, close) = match (j, new.close.last()) {
                    (1.., Some(&last)) => {
                        let moved = |price: f64| last * (price / s.close[j - 1]);
                        (
                            moved(s.open[j]),
                            moved(s.high[j]),
                            moved(s.low[j]),
                            moved(s.close[j]),
                        )
                    }
                    _ => (s.open[j], s.high[j], s.low[j], s.close[j]),
                };
                new.open.push(open);
                new.high.push(high);
                new.low.push(low);
                new.close.push(close);
                new.present.push(s.present[j]);
            }
            new
        })
        .collect();
    Universe {
        dates: universe.dates.clone(),
        series,
    }
}

/// Block-bootstrap path of `universe` for `seed` (see [`block_sources`] and [`resample`]).
#[must_use]
pub fn bootstrap(universe: &Universe, block: usize, seed: u64) -> Universe {
    let sources = block_sources(universe.len(), block, &mut Rng::new(seed));
    resample(universe, &sources)
}

/// The `p`-th percentile (0–100) of ascending `sorted` values, by linear interpolation between
/// the closest ranks (numpy's default): rank h = (n − 1)·p/100, the values at ⌊h⌋ and ⌈h⌉
/// weighted by how close h is to each. `None` for no values.
#[must_use]
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 100.0) / 100.0;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "h is in [0, n − 1]"
    )]
    let below = (h.floor() as usize).min(last);
    let above = (below + 1).min(last);
    Some(sorted[below] + (h - below as f64) * (sorted[above] - sorted[below]))
}

/// Where `x` falls among `values`, in percent: the share below it plus half the share equal to
/// it (scipy's `percentileofscore(kind="mean")`), so the median of an odd count ranks 50.
/// `None` for no values.
#[must_use]
pub fn percentile_rank(values: &[f64], x: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let below = values.iter().filter(|v| **v < x).count() as f64;
    let equal = values.iter().filter(|v| **v == x).count() as f64;
    Some(100.0 * (below + 0.5 * equal) / values.len() as f64)
}

/// A summarized metric: its name, how it is read, and whether it prints as a percentage.
type Summarized = (&'static str, fn(&Performance) -> Option<f64>, bool);

/// The metrics summarized.
const METRICS: [Summarized; 3] = [
    ("CAGR", |p| p.cagr, true),
    ("Sharpe", |p| p.sharpe, false),
    ("max drawdown", |p| Some(p.max_drawdown), true),
];

/// One summarized metric over the paths.
#[derive(Debug, Clone)]
pub struct Spread {
    /// Its name.
    pub name: &'static str,
    /// Its values on the paths where it is defined, ascending.
    pub values: Vec<f64>,
    /// Its value on the actual data, if defined.
    pub historical: Option<f64>,
    /// Whether it is a return (printed in percent).
    pub percent: bool,
}

impl Robustness {
    /// CAGR, Sharpe ratio and max drawdown over the paths, beside the historical run's.
    #[must_use]
    pub fn spreads(&self) -> Vec<Spread> {
        METRICS
            .iter()
            .map(|&(name, of, percent)| {
                let mut values: Vec<f64> = self
                    .paths
                    .iter()
                    .filter_map(|r| of(&r.measured.as_ref().ok()?.performance))
                    .filter(|v| v.is_finite())
                    .collect();
                values.sort_by(f64::total_cmp);
                Spread {
                    name,
                    values,
                    historical: of(&self.historical.performance).filter(|v| v.is_finite()),
                    percent,
                }
            })
            .collect()
    }

    /// `robustness.csv`: one row per path in path order; numbers in full (shortest round-trip
    /// form), empty where undefined.
    #[must_use]
    pub fn csv(&self) -> String {
        let mut out = String::from("path,seed,cagr,sharpe,max_drawdown,total_return,trades\n");
        for row in &self.paths {
            let _ = write!(out, "{},{},", row.path, row.seed);
            let _ = match &row.measured {
                Ok(m) => {
                    let p = &m.performance;
                    writeln!(
                        out,
                        "{},{},{},{},{}",
                        field(p.cagr),
                        field(p.sharpe),
                        p.max_drawdown,
                        p.total_return,
                        m.trades
                    )
                }
                // A refused path: every field empty, as an undefined metric's.
                Err(_) => writeln!(out, ",,,,"),
            };
        }
        out
    }

    /// The Markdown summary (`robustness.md`, and the terminal): the percentiles of each metric
    /// over the paths, beside the historical run's value and its percentile rank among them.
    #[must_use]
    pub fn markdown(&self) -> String {
        let (Some(first), Some(last)) = (self.paths.first(), self.paths.last()) else {
            return String::new();
        };
        let source = self.method.describe();
        let mut out = format!(
            "# Robustness of {}\n\n{} {source} (seeds {} to {}), on {}.\n\n| metric |",
            self.strategy,
            self.paths.len(),
            first.seed,
            last.seed,
            self.symbols.join(", ")
        );
        for p in PERCENTILES {
            let _ = write!(out, " p{p} |");
        }
        out.push_str(" historical | its rank | undefined |\n|---|");
        out.push_str(&"---:|".repeat(PERCENTILES.len() + 3));
        out.push('\n');
        for Spread {
            name,
            values,
            historical,
            percent: is_percent,
        } in self.spreads()
        {
            let show = |x: Option<f64>| if is_percent { percent(x) } else { number(x) };
            let _ = write!(out, "| {name} |");
            for p in PERCENTILES {
                let _ = write!(out, " {} |", show(percentile(&values, p)));
            }
            let rank = historical.and_then(|x| percentile_rank(&values, x));
            let _ = writeln!(
                out,
                " {} | {} | {} |",
                show(historical),
                rank.map_or("n/a".into(), |r| format!("{r:.1}%")),
                self.paths.len() - values.len()
            );
        }
        out.push_str(
            "\npN: the N-th percentile over the paths with the metric defined, by linear \
             interpolation between the closest ranks (numpy's default). historical: the run on \
             the actual data; its rank: the percentage of paths below it (ties count half). \
             undefined: paths where the metric is undefined (the Sharpe ratio of a flat equity curve, say).\n",
        );
        out.push_str(&self.casualties());
        out
    }

    /// The paths that were ruined or refused, said in a paragraph (nothing when none was).
    fn casualties(&self) -> String {
        let ruined = self
            .paths
            .iter()
            .filter(|r| r.measured.as_ref().is_ok_and(|m| m.ruined))
            .count();
        let mut failed = self
            .paths
            .iter()
            .filter_map(|r| Some((r.path, r.measured.as_ref().err()?)));
        let first = failed.next();
        let mut out = String::new();
        if ruined > 0 {
            let _ = writeln!(
                out,
                "\n{ruined} of {} paths ruined: equity reached zero and the run ended there \
                 (measured as such: a CAGR and a max drawdown of -100%).",
                self.paths.len()
            );
        }
        if let Some((path, error)) = first {
            let _ = writeln!(
                out,
                "\n{} of {} paths could not be computed, so every metric is undefined on them; \
                 the first, path {path}: {error}",
                1 + failed.count(),
                self.paths.len()
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_closest_ranks_as_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 5, 25, 50, 75, 95, 100])
        //   = [1, 1.2, 2, 3, 4, 8.8, 10]: rank h = 4·p/100.
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        let got: Vec<f64> = [0.0, 5.0, 25.0, 50.0, 75.0, 95.0, 100.0]
            .iter()
            .map(|p| percentile(&x, *p).unwrap())
            .collect();
        let want = [1.0, 1.2, 2.0, 3.0, 4.0, 8.8, 10.0];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn percentile_rank_counts_ties_half() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile_rank(&x, 0.0), Some(0.0));
        assert_eq!(percentile_rank(&x, 2.5), Some(50.0));
        assert_eq!(percentile_rank(&x, 2.0), Some(37.5));
        assert_eq!(percentile_rank(&x, 9.0), Some(100.0));
        assert_eq!(percentile_rank(&[], 1.0), None);
    }

    #[test]
    fn blocks_are_consecutive_and_wrap_past_the_last_bar() {
        let sources = block_sources(10, 4, &mut Rng::new(3));
        assert_eq!(sources.len(), 10);
        assert_eq!(sources[0], 0);
        assert!(sources[1..].iter().all(|j| (1..10).contains(j)));
        for block in sources[1..].chunks(4) {
            let next = |j: usize| if j == 9 { 1 } else { j + 1 };
            assert!(block.windows(2).all(|w| w[1] == next(w[0])), "{sources:?}");
        }
        // A block longer than the data wraps round it.
        let long = block_sources(5, 100, &mut Rng::new(1));
        assert_eq!(long.len(), 5);
        let next = |j: usize| if j == 4 { 1 } else { j + 1 };
        assert!(long[1..].windows(2).all(|w| w[1] == next(w[0])), "{long:?}");
        assert_eq!(block_sources(1, 3, &mut Rng::new(1)), [0]);
        assert!(block_sources(0, 3, &mut Rng::new(1)).is_empty());
    }
}
