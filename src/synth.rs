//! A seeded synthetic daily OHLCV sample, because real market data cannot be redistributed with
//! the project.
//!
//! Two factors drive everything: a market factor (SPY's daily log return) and a gold factor
//! (GLD's), each a drift plus noise whose drift and volatility follow dated episodes (the equity
//! crashes of 2001–02, 2008 and 2020, gold's 2010–11 boom and its bust) and a slowly varying
//! stochastic volatility. Every other symbol loads on both factors plus noise of its own. Noise is
//! demeaned within each episode, so every episode moves prices by exactly its stated change, and
//! loadings and noise variances are solved from the *realized* factor moments, so that any seed
//! reproduces the real volatilities, betas and growth.

use chrono::Datelike;

use crate::Date;
use crate::data::Bars;
use crate::rng::Rng;

/// The command that writes the generated datasets, as their manifests name their generator: how
/// a dataset of ours is told from one it must not overwrite.
pub const COMMAND: &str = "backtest synth";

/// The most symbols of a scale-test universe: they are named `S0001` to `S9999`.
pub const MAX_SYMBOLS: usize = 9_999;

/// The most years of a scale-test universe: it starts in 1975, and the loader reads dates up to
/// the year 2200.
pub const MAX_YEARS: usize = 200;

/// The symbols of the sample, in this order.
pub const SYMBOLS: [&str; 8] = ["SPY", "GLD", "SLV", "CPER", "GDX", "GDXJ", "XME", "TLT"];

const FIRST: Date = ymd(2000, 1, 3);
const LAST: Date = ymd(2024, 12, 31);
/// Calendar years from `FIRST` to `LAST`, over which each symbol's growth compounds.
const YEARS: f64 = 25.0;
/// The annualisation of the volatility targets (real calendars have about 252 trading days).
const TRADING_DAYS: f64 = 252.0;

/// The real facts one symbol is calibrated to.
struct Profile {
    /// First close, near the real price around 2000.
    start: f64,
    /// Annual volatility of daily returns.
    vol: f64,
    /// Compound annual growth of the close over the whole sample.
    growth: f64,
    /// Univariate betas (to SPY, to GLD) of daily returns.
    betas: (f64, f64),
    /// Typical daily volume.
    volume: f64,
}

/// One profile per symbol, in `SYMBOLS` order. SPY and GLD are the two factors themselves; SPY's
/// beta to GLD follows from GLD's to SPY, as their volatilities are alike.
const PROFILES: [Profile; 8] = [
    profile(140.0, 0.166, 0.075, (1.0, 0.07), 80e6),
    profile(45.0, 0.164, 0.065, (0.07, 1.0), 8e6),
    profile(10.0, 0.305, 0.04, (0.40, 1.48), 15e6),
    profile(20.0, 0.317, 0.02, (0.49, 0.39), 1e6),
    profile(30.0, 0.391, 0.015, (0.47, 1.84), 20e6),
    profile(40.0, 0.465, 0.005, (0.66, 2.15), 8e6),
    profile(30.0, 0.322, 0.05, (1.22, 0.68), 3e6),
    profile(80.0, 0.144, 0.01, (-0.18, 0.21), 10e6),
];

/// A dated regime of one factor, `(start, end, change, vol)`: from the close of `start` to the
/// close of `end` the factor moves by `change` (a simple return), its volatility times `vol`.
type Episode = (Date, Date, f64, f64);

/// Shaped on the real history: the dot-com bear, 2008 in two legs and the rebound, the Covid crash
/// and rebound, 2022.
const MARKET_EPISODES: [Episode; 7] = [
    (ymd(2001, 3, 30), ymd(2002, 10, 9), -0.45, 1.5),
    (ymd(2007, 10, 9), ymd(2008, 9, 12), -0.20, 1.4),
    (ymd(2008, 9, 12), ymd(2009, 3, 9), -0.375, 3.0),
    (ymd(2009, 3, 9), ymd(2010, 4, 23), 0.70, 1.6),
    (ymd(2020, 2, 19), ymd(2020, 3, 23), -0.34, 4.0),
    (ymd(2020, 3, 23), ymd(2020, 8, 31), 0.50, 1.8),
    (ymd(2022, 1, 3), ymd(2022, 10, 12), -0.25, 1.5),
];

/// Gold's 2008 dip, its 2010–11 parabola (silver, loading 1.5 on gold, goes further) and the bust.
const GOLD_EPISODES: [Episode; 3] = [
    (ymd(2008, 3, 17), ymd(2008, 10, 24), -0.28, 1.8),
    (ymd(2010, 8, 24), ymd(2011, 8, 22), 0.90, 1.3),
    (ymd(2011, 8, 22), ymd(2015, 12, 17), -0.45, 1.1),
];

/// Generates the sample dataset: one `Bars` per symbol in SYMBOLS order, the same business-day calendar
/// (Monday–Friday, no holidays) from 2000-01-03 to 2024-12-31 for all.
#[must_use]
pub fn generate(seed: u64) -> Vec<Bars> {
    let mut rng = Rng::new(seed);
    let weekday = |d: &Date| d.weekday().number_from_monday() <= 5;
    let calendar = FIRST.iter_days().take_while(|d| *d <= LAST);
    let dates: Vec<Date> = calendar.filter(weekday).collect();
    let days = &dates[1..]; // the day of each close-to-close return
    // Noise is demeaned within each run of days sharing their market and gold episodes.
    let regime = |d: &Date| (during(&MARKET_EPISODES, *d), during(&GOLD_EPISODES, *d));
    let regimes: Vec<_> = days.iter().map(regime).collect();
    let runs: Vec<usize> = regimes.chunk_by(|a, b| a == b).map(<[_]>::len).collect();
    let [spy, gold_etf, ..] = &PROFILES;

    let (market_drift, market_scale) = factor_path(&MARKET_EPISODES, days, spy);
    let own_var = daily_var(spy) - var(&market_drift);
    let market_noise = noise(&market_scale, &runs, &[], own_var, &mut rng);
    let market = combine(&[(1.0, &market_drift), (1.0, &market_noise)]);

    // Gold loads on the market's noise just enough for its beta, plus noise of its own.
    let (gold_drift, gold_scale) = factor_path(&GOLD_EPISODES, days, gold_etf);
    let beta_gap = gold_etf.betas.0 * var(&market) - cov(&gold_drift, &market_drift);
    let loading = beta_gap / var(&market_noise);
    let own_var = daily_var(gold_etf) - var(&gold_drift) - loading.powi(2) * var(&market_noise);
    let gold_noise = noise(&gold_scale, &runs, &[&market_noise], own_var, &mut rng);
    let gold_systematic = combine(&[(1.0, &gold_drift), (loading, &market_noise)]);
    let gold = combine(&[(1.0, &gold_systematic), (1.0, &gold_noise)]);

    let (vm, vg, c) = (var(&market), var(&gold), cov(&market, &gold));
    let mut sample = Vec::new();
    for (i, (symbol, p)) in SYMBOLS.iter().zip(&PROFILES).enumerate() {
        let returns = match i {
            0 => market.clone(),
            1 => gold.clone(),
            _ => {
                let (beta_market, beta_gold) = p.betas;
                // Loadings (a, b) whose univariate betas on the realized factors are the targets:
                // [vm c; c vg]·(a, b) = (beta_market·vm, beta_gold·vg).
                let det = vm * vg - c * c;
                let a = (beta_market * vm * vg - beta_gold * vg * c) / det;
                let b = (beta_gold * vg * vm - beta_market * vm * c) / det;
                let systematic = combine(&[(a, &market), (b, &gold)]);
                // Own noise is stressed in market episodes too, as in real crises.
                let basis = [market_noise.as_slice(), &gold_noise];
                let own_var = daily_var(p) - var(&systematic);
                let own = noise(&market_scale, &runs, &basis, own_var, &mut rng);
                let drift = (growth_log(p) - systematic.iter().sum::<f64>()) / count(days.len());
                let total = combine(&[(1.0, &systematic), (1.0, &own)]);
                total.iter().map(|r| r + drift).collect()
            }
        };
        sample.push(bars(symbol, p, &dates, &returns, &mut rng));
    }
    sample
}

/// A large universe for scale measurements: `symbols` random walks (`S0001`, `S0002`...) over
/// `years` of business days from 1975 (up to [`MAX_SYMBOLS`] and [`MAX_YEARS`], which the loader
/// reads), each loading on one shared market factor, with annual
/// volatilities from 20% to 40%. Not calibrated to anything: it measures speed and memory.
#[must_use]
pub fn scale_universe(symbols: usize, years: usize, seed: u64) -> Vec<Bars> {
    let mut rng = Rng::new(seed);
    let first = ymd(1975, 1, 2);
    let weekday = |d: &Date| d.weekday().number_from_monday() <= 5;
    let dates: Vec<Date> = first
        .iter_days()
        .filter(weekday)
        .take(years * 261)
        .collect();
    let market: Vec<f64> = (1..dates.len()).map(|_| rng.normal()).collect();
    (1..=symbols)
        .map(|i| {
            let vol = 0.2 + 0.2 * rng.uniform();
            let p = profile(50.0, vol, 0.05, (0.0, 0.0), 1e6);
            let sigma = daily_var(&p).sqrt();
            let returns: Vec<f64> = market
                .iter()
                .map(|m| sigma * (0.6 * m + 0.8 * rng.normal()) + 0.0002)
                .collect();
            bars(&format!("S{i:04}"), &p, &dates, &returns, &mut rng)
        })
        .collect()
}

/// Builds the bars from close-to-close log returns: opens gap part of the way to the close, highs
/// and lows reach beyond the body by an amount proportional to the day's volatility, and volume
/// swells on big moves.
fn bars(symbol: &str, p: &Profile, dates: &[Date], returns: &[f64], rng: &mut Rng) -> Bars {
    let sigma = daily_var(p).sqrt();
    let mut log_close = p.start.ln();
    let (mut open, mut high, mut low, mut close, mut volume) =
        (vec![], vec![], vec![], vec![], vec![]);
    for r in std::iter::once(0.0).chain(returns.iter().copied()) {
        let day_sigma = 0.5 * (sigma + r.abs());
        let gap = 0.5 * rng.uniform() * r + 0.15 * day_sigma * rng.normal();
        let (first, last) = (price((log_close + gap).exp()), price((log_close + r).exp()));
        log_close += r;
        let (top, bottom) = (first.max(last), first.min(last));
        high.push(price(top * (0.6 * day_sigma * rng.normal().abs()).exp()).max(top));
        low.push(price(bottom * (-0.6 * day_sigma * rng.normal().abs()).exp()).min(bottom));
        open.push(first);
        close.push(last);
        let swell = 0.3 * rng.normal() + 0.5 * (r.abs() / sigma - 0.8);
        volume.push((p.volume * swell.exp()).round().max(1.0));
    }
    let (symbol, dates, volume) = (symbol.to_string(), dates.to_vec(), Some(volume));
    Bars {
        symbol,
        dates,
        open,
        high,
        low,
        close,
        adj_close: None,
        volume,
        close_only: false,
    }
}

/// A factor's daily drift and volatility multiple: each episode's change spread evenly over its
/// days, the rest of the symbol's growth spread evenly over the calm days.
fn factor_path(episodes: &[Episode], days: &[Date], p: &Profile) -> (Vec<f64>, Vec<f64>) {
    let under_way: Vec<Option<usize>> = days.iter().map(|d| during(episodes, *d)).collect();
    let days_in = |i: Option<usize>| count(under_way.iter().filter(|e| **e == i).count());
    let drifts: Vec<f64> = (0..episodes.len())
        .map(|i| episodes[i].2.ln_1p() / days_in(Some(i)))
        .collect();
    let calm_drift = (growth_log(p) - under_way.iter().flatten().map(|i| drifts[*i]).sum::<f64>())
        / days_in(None);
    let regime = |e: Option<usize>| e.map_or((calm_drift, 1.0), |i| (drifts[i], episodes[i].3));
    under_way.into_iter().map(regime).unzip()
}

/// The index of the episode under way on `day`, if any.
fn during(episodes: &[Episode], day: Date) -> Option<usize> {
    episodes
        .iter()
        .position(|&(start, end, ..)| start < day && day <= end)
}

/// Normal shocks times `scale` and a persistent random multiple (volatility clusters), demeaned
/// within each run of days (so episodes keep their exact change), freed of any least-squares
/// component along the mutually orthogonal `basis` (so exactly uncorrelated with it) and scaled
/// to variance `target`.
fn noise(scale: &[f64], runs: &[usize], basis: &[&[f64]], target: f64, rng: &mut Rng) -> Vec<f64> {
    let (persistence, mut clustering) = (0.98_f64, 0.0);
    let mut cluster = |s: &f64| {
        clustering =
            persistence * clustering + 0.25 * (1.0 - persistence.powi(2)).sqrt() * rng.normal();
        s * clustering.exp() * rng.normal()
    };
    let mut x: Vec<f64> = scale.iter().map(&mut cluster).collect();
    let mut rest = &mut x[..];
    for &len in runs {
        let (run, tail) = rest.split_at_mut(len);
        let m = mean(run);
        for v in run {
            *v -= m;
        }
        rest = tail;
    }
    for b in basis {
        let k = cov(&x, b) / var(b);
        x.iter_mut().zip(*b).for_each(|(v, b)| *v -= k * b);
    }
    let k = (target / var(&x)).sqrt();
    x.iter().map(|v| v * k).collect()
}

/// The weighted sum of series.
fn combine(terms: &[(f64, &[f64])]) -> Vec<f64> {
    (0..terms[0].1.len())
        .map(|t| terms.iter().map(|(w, x)| w * x[t]).sum())
        .collect()
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / count(x.len())
}

/// Sample covariance (ddof = 1, as the targets were measured).
fn cov(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let sum: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    sum / (count(x.len()) - 1.0)
}

fn var(x: &[f64]) -> f64 {
    cov(x, x)
}

fn daily_var(p: &Profile) -> f64 {
    p.vol * p.vol / TRADING_DAYS
}

/// The total log return that compounds to the symbol's growth over the sample.
fn growth_log(p: &Profile) -> f64 {
    YEARS * p.growth.ln_1p()
}

fn count(n: usize) -> f64 {
    n as f64
}

/// Rounds to the 4 decimals the files are written with, before the high and low are enforced.
fn price(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

const fn profile(start: f64, vol: f64, growth: f64, betas: (f64, f64), volume: f64) -> Profile {
    Profile {
        start,
        vol,
        growth,
        betas,
        volume,
    }
}

/// A date known at compile time: an invalid one fails the build, not a run.
const fn ymd(year: i32, month: u32, day: u32) -> Date {
    match Date::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid date"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::{FIRST, LAST, SYMBOLS, cov, generate, mean, var};
    use crate::Date;
    use crate::data::Bars;

    fn returns(b: &Bars) -> Vec<f64> {
        b.close.windows(2).map(|w| w[1] / w[0] - 1.0).collect()
    }

    /// The deepest peak-to-trough fall of the close with both ends within `years`.
    fn max_drawdown(b: &Bars, years: std::ops::RangeInclusive<i32>) -> f64 {
        let mut peak = 0.0_f64;
        let within = |t: &usize| years.contains(&b.dates[*t].year());
        (0..b.close.len()).filter(within).fold(0.0, |worst, t| {
            peak = peak.max(b.close[t]);
            worst.max(1.0 - b.close[t] / peak)
        })
    }

    /// Whether the close at least doubles within 252 bars and then falls 30% from that peak.
    fn has_parabola(b: &Bars) -> bool {
        let lowest = |closes: &[f64]| closes.iter().fold(f64::INFINITY, |low, c| low.min(*c));
        (1..b.close.len()).any(|peak| {
            let top = b.close[peak];
            top >= 2.0 * lowest(&b.close[peak.saturating_sub(252)..peak])
                && lowest(&b.close[peak..]) <= 0.7 * top
        })
    }

    #[test]
    fn bars_are_valid_rounded_ohlcv_on_one_weekday_calendar_from_real_start_prices() {
        let sample = generate(7);
        assert!(sample.iter().map(|b| b.symbol.as_str()).eq(SYMBOLS));
        let dates = &sample[0].dates;
        assert!(dates[0] == FIRST && dates[dates.len() - 1] == LAST && dates.len() == 6522);
        let weekdays = |w: &[Date]| w[0] < w[1] && w[1].weekday().number_from_monday() <= 5;
        assert!(dates.windows(2).all(weekdays));
        let starts = [140.0, 45.0, 10.0, 20.0, 30.0, 40.0, 30.0, 80.0];
        for (b, start) in sample.iter().zip(starts) {
            assert!(b.dates == *dates && !b.close_only && b.adj_close.is_none());
            assert!((b.close[0] / start - 1.0).abs() < 0.05, "{}", b.symbol);
            let rounded = |x: &f64| (x * 1e4 - (x * 1e4).round()).abs() < 1e-6;
            let mut prices = [&b.open, &b.high, &b.low, &b.close].into_iter().flatten();
            assert!(prices.all(|x| (0.5..=1e5).contains(x) && rounded(x)));
            let (open, close) = (&b.open, &b.close);
            let in_range =
                |t: usize| b.low[t] <= open[t].min(close[t]) && b.high[t] >= open[t].max(close[t]);
            assert!((0..close.len()).all(in_range), "{}", b.symbol);
            let volume = b.volume.as_ref().expect("the sample has volume");
            assert!(volume.iter().all(|v| *v > 0.0 && v.fract() == 0.0));
        }
    }

    #[test]
    fn sample_matches_real_volatility_and_betas() {
        let vols = [0.166, 0.164, 0.305, 0.317, 0.391, 0.465, 0.322, 0.144];
        let spy_betas = [1.00, 0.07, 0.40, 0.49, 0.47, 0.66, 1.22, -0.18];
        let gld_betas = [0.07, 1.00, 1.48, 0.39, 1.84, 2.15, 0.68, 0.21];
        let r: Vec<Vec<f64>> = generate(7).iter().map(returns).collect();
        for (i, symbol) in SYMBOLS.iter().enumerate() {
            let beta = |j: usize| cov(&r[i], &r[j]) / var(&r[j]);
            let measured = [(var(&r[i]) * 252.0).sqrt(), beta(0), beta(1)];
            let target = [vols[i], spy_betas[i], gld_betas[i]];
            let close = measured
                .iter()
                .zip(target)
                .all(|(m, t)| (m - t).abs() < 0.02);
            assert!(close, "{symbol}: {measured:?}");
        }
    }

    #[test]
    fn spy_crashes_three_times_and_a_metal_goes_parabolic() {
        let sample = generate(7);
        for years in [2000..=2003, 2007..=2009, 2020..=2020] {
            let fall = max_drawdown(&sample[0], years.clone());
            assert!(fall >= 0.30, "{years:?}: {fall}");
        }
        assert!(sample[1..=2].iter().any(has_parabola));
    }

    #[test]
    fn growth_is_realistic() {
        let cagr = |b: &Bars| (b.close[b.close.len() - 1] / b.close[0]).powf(1.0 / 25.0) - 1.0;
        let growth: Vec<f64> = generate(7).iter().map(cagr).collect();
        assert!((0.07..=0.10).contains(&growth[0]) && (0.05..=0.08).contains(&growth[1]));
        assert!(growth[4] < growth[1] && growth[5] < growth[1] && growth[7].abs() < 0.03);
    }

    #[test]
    fn opens_gap_part_way_and_volume_swells_on_big_moves() {
        let spy = &generate(7)[0];
        let moves: Vec<f64> = returns(spy).iter().map(|r| r.abs()).collect();
        let gap = |(close, open): (&f64, &f64)| (open / close - 1.0).abs();
        let gaps: Vec<f64> = spy.close.iter().zip(&spy.open[1..]).map(gap).collect();
        assert!(mean(&gaps) > 0.0 && mean(&gaps) < 0.5 * mean(&moves));
        let volume = &spy.volume.as_ref().expect("the sample has volume")[1..];
        assert!(cov(volume, &moves) / (var(volume) * var(&moves)).sqrt() > 0.3);
    }

    #[test]
    fn same_seed_gives_same_sample_and_other_seeds_differ() {
        assert!(generate(7) == generate(7));
        assert!(generate(7)[2].close != generate(8)[2].close);
    }
}
