//! Exponentially smoothed indicators: the exponential moving average, and Welles Wilder's
//! smoothing with the two indicators he built on it, RSI and ATR.

/// Exponential moving average over a span of `n` values: `alpha = 2 / (n + 1)` and
/// `ema[t] = alpha · x[t] + (1 − alpha) · ema[t−1]`, seeded with the first value,
/// `ema[0] = x[0]` (pandas' `ewm(span=n, adjust=False)`).
///
/// Warm-up: `None` until `n` values have been seen, as `ewm(span=n, adjust=False,
/// min_periods=n)` gives NaN: the seed weighs `(1 − alpha)^t` in `ema[t]`, still `(n−1)/(n+1)`
/// after one value and a sizeable share until about `n` values have come, so earlier values say
/// more about the first price than about the average.
#[derive(Debug, Clone)]
pub struct Ema {
    span: usize,
    alpha: f64,
    /// Values seen, counted up to `span` only.
    seen: usize,
    value: f64,
}

impl Ema {
    /// An average over a span of `span` values (`span` ≥ 1; a span of 1 is the value itself).
    #[must_use]
    pub fn new(span: usize) -> Self {
        let span = span.max(1);
        Ema {
            span,
            alpha: 2.0 / (span as f64 + 1.0),
            seen: 0,
            value: 0.0,
        }
    }

    /// Adds the newest value and returns the average once `span` values have been seen.
    #[inline]
    pub fn push(&mut self, value: f64) -> Option<f64> {
        self.value = if self.seen == 0 {
            value
        } else {
            self.alpha * value + (1.0 - self.alpha) * self.value
        };
        self.seen = (self.seen + 1).min(self.span);
        (self.seen == self.span).then_some(self.value)
    }
}

/// Wilder's smoothing over `n` values: the first average is the simple mean of the first `n`
/// values, each later one `(average · (n − 1) + x) / n` (an exponential average with
/// `alpha = 1 / n`, seeded with a simple mean).
#[derive(Debug, Clone)]
struct Wilder {
    period: usize,
    /// Values seen, counted up to `period` only.
    seen: usize,
    /// The sum of the first values, then the average.
    average: f64,
}

impl Wilder {
    fn new(period: usize) -> Self {
        Wilder {
            period: period.max(1),
            seen: 0,
            average: 0.0,
        }
    }

    /// Adds the newest value; the average once `period` values have been seen.
    fn push(&mut self, value: f64) -> Option<f64> {
        let n = self.period as f64;
        if self.seen < self.period {
            self.seen += 1;
            self.average += value;
            if self.seen < self.period {
                return None;
            }
            self.average /= n;
        } else {
            self.average = (self.average * (n - 1.0) + value) / n;
        }
        Some(self.average)
    }
}

/// Relative strength index of a close over `n` bars (Wilder's, usually 14): with the change
/// `d = close[t] − close[t−1]`, gain `max(d, 0)` and loss `max(−d, 0)`, each smoothed by
/// Wilder's rule (the first average the simple mean of the first `n` gains or losses, then
/// `(average · (n − 1) + newest) / n`), `RS = average gain / average loss` and
/// `RSI = 100 − 100 / (1 + RS)`; 100 when the average loss is zero (no losses, a flat stretch
/// included).
///
/// Warm-up: `None` until `n + 1` closes, the first `n` changes, have been seen.
#[derive(Debug, Clone)]
pub struct Rsi {
    previous: Option<f64>,
    gains: Wilder,
    losses: Wilder,
}

impl Rsi {
    /// An RSI over `period` changes (`period` ≥ 1).
    #[must_use]
    pub fn new(period: usize) -> Self {
        Rsi {
            previous: None,
            gains: Wilder::new(period),
            losses: Wilder::new(period),
        }
    }

    /// Adds the newest close and returns the RSI, between 0 and 100, once defined.
    #[inline]
    pub fn push(&mut self, close: f64) -> Option<f64> {
        let change = close - self.previous.replace(close)?;
        let gain = self.gains.push(change.max(0.0));
        let loss = self.losses.push((-change).max(0.0));
        let (gain, loss) = gain.zip(loss)?;
        Some(if loss == 0.0 {
            100.0
        } else {
            100.0 - 100.0 / (1.0 + gain / loss)
        })
    }
}

/// Average true range over `n` bars (Wilder's, usually 14): the true range of a bar is
/// `max(high − low, |high − previous close|, |low − previous close|)`, so a gap counts as range,
/// and `high − low` on the first bar, which has no previous close (as Wilder's worksheet starts;
/// TA-Lib instead leaves the first bar out and is defined one bar later). The true ranges are
/// smoothed by Wilder's rule: the first average the simple mean of the first `n`, then
/// `(average · (n − 1) + newest) / n`.
///
/// Warm-up: `None` until `n` bars have been seen.
#[derive(Debug, Clone)]
pub struct Atr {
    previous_close: Option<f64>,
    average: Wilder,
}

impl Atr {
    /// An average true range over `period` bars (`period` ≥ 1).
    #[must_use]
    pub fn new(period: usize) -> Self {
        Atr {
            previous_close: None,
            average: Wilder::new(period),
        }
    }

    /// Adds the newest bar and returns the average true range once defined.
    #[inline]
    pub fn push(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let range = match self.previous_close.replace(close) {
            None => high - low,
            Some(previous) => (high - low)
                .max((high - previous).abs())
                .max((low - previous).abs()),
        };
        self.average.push(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::testing::{assert_close, series};

    /// Wilder's average of `x[..=t]` over `n` values written out as the weighted sum it is:
    /// the mean of the first `n` weighted `(1 − 1/n)^(t − n + 1)`, and each later value `x[i]`
    /// weighted `(1/n) · (1 − 1/n)^(t − i)`.
    fn wilder_by_weights(x: &[f64], n: usize, t: usize) -> f64 {
        let keep = 1.0 - 1.0 / n as f64;
        let seed = x[..n].iter().sum::<f64>() / n as f64;
        let later: f64 = (n..=t)
            .map(|i| x[i] / n as f64 * keep.powf((t - i) as f64))
            .sum();
        seed * keep.powf((t + 1 - n) as f64) + later
    }

    #[test]
    fn ema_matches_the_weighted_sum_of_its_definition() {
        let x = series(4, 400);
        for span in [1, 2, 10, 50] {
            let alpha = 2.0 / (span as f64 + 1.0);
            let mut ema = Ema::new(span);
            for t in 0..x.len() {
                let got = ema.push(x[t]);
                if t + 1 < span {
                    assert_eq!(got, None, "span {span}, bar {t}");
                    continue;
                }
                // ema[t] = (1 − alpha)^t · x[0] + Σ_{i=1..t} alpha · (1 − alpha)^(t − i) · x[i]
                let keep = 1.0 - alpha;
                let want = keep.powf(t as f64) * x[0]
                    + (1..=t)
                        .map(|i| alpha * keep.powf((t - i) as f64) * x[i])
                        .sum::<f64>();
                assert_close(
                    got.expect("warmed up"),
                    want,
                    &format!("span {span}, bar {t}"),
                );
            }
        }
    }

    #[test]
    fn ema_is_seeded_with_the_first_value() {
        let mut ema = Ema::new(3);
        assert_eq!((ema.push(8.0), ema.push(4.0)), (None, None));
        // alpha = 1/2: 8, then 6, then 0.5 · 2 + 0.5 · 6 = 4.
        assert_eq!(ema.push(2.0), Some(4.0));
        assert_eq!(Ema::new(1).push(5.0), Some(5.0), "a span of 1 is the value");
    }

    #[test]
    fn rsi_matches_wilders_averages_written_as_weighted_sums() {
        let close = series(5, 400);
        let change: Vec<f64> = close.windows(2).map(|w| w[1] - w[0]).collect();
        let gains: Vec<f64> = change.iter().map(|d| d.max(0.0)).collect();
        let losses: Vec<f64> = change.iter().map(|d| (-d).max(0.0)).collect();
        for n in [1, 2, 14, 30] {
            let mut rsi = Rsi::new(n);
            for (t, &c) in close.iter().enumerate() {
                let got = rsi.push(c);
                if t < n {
                    assert_eq!(got, None, "n {n}, bar {t}: needs {n} changes");
                    continue;
                }
                // Change i (of close i + 1) is index i of the changes: bar t has t of them.
                let gain = wilder_by_weights(&gains, n, t - 1);
                let loss = wilder_by_weights(&losses, n, t - 1);
                let want = 100.0 * gain / (gain + loss);
                assert_close(got.expect("warmed up"), want, &format!("n {n}, bar {t}"));
            }
        }
    }

    #[test]
    fn rsi_of_a_short_example_worked_by_hand() {
        // n = 3. Changes +1, −0.5, +1.5, −1, +0.5.
        let mut rsi = Rsi::new(3);
        let got: Vec<Option<f64>> = [10.0, 11.0, 10.5, 12.0, 11.0, 11.5]
            .into_iter()
            .map(|c| rsi.push(c))
            .collect();
        assert_eq!(got[..3], [None; 3]);
        // Bar 3: gains (1 + 0 + 1.5) / 3 = 5/6, losses 0.5 / 3 = 1/6: RS 5, RSI 100 − 100/6.
        // Bar 4 (−1): gains (5/6 · 2 + 0) / 3 = 5/9, losses (1/6 · 2 + 1) / 3 = 4/9: RS 5/4,
        // RSI 100 − 100 / (9/4) = 500/9.
        // Bar 5 (+0.5): gains (5/9 · 2 + 1/2) / 3 = 29/54, losses (4/9 · 2) / 3 = 16/54:
        // RS 29/16, RSI 100 − 100 / (45/16) = 580/9.
        for (got, want) in got[3..].iter().zip([250.0 / 3.0, 500.0 / 9.0, 580.0 / 9.0]) {
            assert_close(got.expect("warmed up"), want, "hand-worked RSI");
        }
    }

    #[test]
    fn rsi_without_losses_is_100() {
        let mut rsi = Rsi::new(2);
        let rising: Vec<Option<f64>> = [1.0, 2.0, 2.0, 3.0].map(|c| rsi.push(c)).into();
        assert_eq!(rising, [None, None, Some(100.0), Some(100.0)]);
        let mut falling = Rsi::new(2);
        let last = [3.0, 2.0, 1.0].map(|c| falling.push(c))[2];
        assert_eq!(last, Some(0.0), "no gains");
    }

    /// Bars (high, low, close) around the closes of `series`, 0.5% to 2.5% wide, with gaps:
    /// every tenth bar lies 10% above where it would.
    fn bars(seed: u64, n: usize) -> Vec<(f64, f64, f64)> {
        let mut rng = crate::rng::Rng::new(seed + 100);
        series(seed, n)
            .into_iter()
            .enumerate()
            .map(|(t, mid)| {
                let gap = if t % 10 == 0 { 0.1 * mid } else { 0.0 };
                let half = mid * (0.0025 + 0.01 * rng.uniform());
                let (high, low) = (mid + gap + half, mid + gap - half);
                (high, low, low + rng.uniform() * (high - low))
            })
            .collect()
    }

    #[test]
    fn atr_matches_wilders_average_of_true_ranges_written_as_a_weighted_sum() {
        let bars = bars(6, 400);
        let range: Vec<f64> = (0..bars.len())
            .map(|t| {
                let (high, low, _) = bars[t];
                let mut candidates = vec![high - low];
                if t > 0 {
                    let previous = bars[t - 1].2;
                    candidates.extend([(high - previous).abs(), (low - previous).abs()]);
                }
                candidates.into_iter().fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        for n in [1, 2, 14, 30] {
            let mut atr = Atr::new(n);
            for (t, &(high, low, close)) in bars.iter().enumerate() {
                let got = atr.push(high, low, close);
                if t + 1 < n {
                    assert_eq!(got, None, "n {n}, bar {t}: needs {n} bars");
                } else {
                    let want = wilder_by_weights(&range, n, t);
                    assert_close(got.expect("warmed up"), want, &format!("n {n}, bar {t}"));
                }
            }
        }
    }

    #[test]
    fn atr_of_a_short_example_with_gaps_worked_by_hand() {
        // n = 3. True ranges: 1 (first bar, high − low); 1; 2 (a gap up: 12 − previous close
        // 10); 1.5 (a gap down: previous close 11.5 − 10); 0.5 (inside the previous close).
        let mut atr = Atr::new(3);
        let got: Vec<Option<f64>> = [
            (10.0, 9.0, 9.5),
            (10.5, 9.5, 10.0),
            (12.0, 11.0, 11.5),
            (11.0, 10.0, 10.5),
            (10.75, 10.25, 10.5),
        ]
        .into_iter()
        .map(|(h, l, c)| atr.push(h, l, c))
        .collect();
        assert_eq!(got[..2], [None; 2]);
        // Bar 2: (1 + 1 + 2) / 3 = 4/3. Bar 3: (4/3 · 2 + 1.5) / 3 = 25/18.
        // Bar 4: (25/18 · 2 + 0.5) / 3 = 59/54.
        for (got, want) in got[2..].iter().zip([4.0 / 3.0, 25.0 / 18.0, 59.0 / 54.0]) {
            assert_close(got.expect("warmed up"), want, "hand-worked ATR");
        }
    }
}
