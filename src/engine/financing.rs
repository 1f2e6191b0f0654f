//! What holding cash, borrowing it and borrowing shares cost or earn between two bars.
//!
//! The convention, for every rate (annual, as a fraction: 0.02 is 2%): over the calendar days
//! `d` from one bar to the next, a balance grows by `(1 + r)^(d / 365)`, compounded daily on
//! calendar days as money-market funds and T-bills do (a weekend earns three days, credited on
//! Monday). The rate of each stretch is the one known at the close that starts it:
//!
//! - cash above zero earns the cash rate, a constant or a yield series of the dataset
//!   (`^IRX`, quoted in percent);
//! - cash below zero (borrowed to hold more than equity, leverage above 1) pays the margin
//!   rate;
//! - a short position pays the borrow rate on its value at that close.
//!
//! Each is booked to cash at the start of the next bar, before its open's fills, so cash plus
//! positions is equity on every bar. Dividends: on prices adjusted for dividends both a long's
//! dividends and what a short owes are in the price returns already; on raw prices neither is
//! (the data holds none), which flatters shorts and understates longs alike.

use serde::Serialize;

/// The rate cash earns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CashRate {
    /// A constant annual rate (0.02 is 2%).
    Fixed(f64),
    /// A yield series of the dataset, in percent (`^IRX`: the 13-week T-bill), read at each
    /// close; its values aligned on the calendar are in [`Financing::yields`].
    Series(String),
}

impl Default for CashRate {
    fn default() -> Self {
        CashRate::Fixed(0.0)
    }
}

/// The rates a run pays and earns.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Financing {
    /// What cash earns.
    pub cash_rate: CashRate,
    /// What borrowed cash pays, annual.
    pub margin_rate: f64,
    /// What a short position pays on its value, annual.
    pub borrow_rate: f64,
    /// With [`CashRate::Series`], its yield in percent at each bar of the calendar (the last
    /// value known on each date); set where the series is loaded.
    #[serde(skip)]
    pub yields: Option<std::sync::Arc<[f64]>>,
}

impl Financing {
    /// True when anything accrues, so the engine must visit every bar.
    #[must_use]
    pub fn accrues(&self) -> bool {
        self.cash_rate != CashRate::Fixed(0.0) || self.margin_rate != 0.0 || self.borrow_rate != 0.0
    }

    /// The cash rate known at the close of bar `t`, annual, as a fraction.
    fn cash_rate_at(&self, t: usize) -> f64 {
        match (&self.cash_rate, &self.yields) {
            (CashRate::Fixed(rate), _) => *rate,
            (CashRate::Series(_), Some(yields)) => yields[t] / 100.0,
            // A series never loaded earns nothing; `run.rs` loads it before any simulation.
            (CashRate::Series(_), None) => 0.0,
        }
    }

    /// What accrues over `days` calendar days from the close of bar `t` on `cash` and on the
    /// value of the shorts (`short_value`, at or above 0): (interest on cash, positive earned
    /// or negative paid; borrow fee, at or above 0).
    pub(super) fn accrual(&self, t: usize, days: i64, cash: f64, short_value: f64) -> (f64, f64) {
        let years = days as f64 / 365.0;
        let growth = |rate: f64| (1.0 + rate).powf(years) - 1.0;
        let interest = if cash > 0.0 {
            cash * growth(self.cash_rate_at(t))
        } else {
            cash * growth(self.margin_rate)
        };
        (interest, short_value * growth(self.borrow_rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_of_calendar_days_earns_the_annual_rate() {
        let financing = Financing {
            cash_rate: CashRate::Fixed(0.02),
            margin_rate: 0.05,
            borrow_rate: 0.01,
            yields: None,
        };
        let (interest, fee) = financing.accrual(0, 365, 1000.0, 500.0);
        assert!((interest - 20.0).abs() < 1e-9 && (fee - 5.0).abs() < 1e-9);
        let (paid, _) = financing.accrual(0, 365, -1000.0, 0.0);
        assert!(
            (paid + 50.0).abs() < 1e-9,
            "borrowed cash pays the margin rate"
        );
        let (weekend, _) = financing.accrual(0, 3, 1000.0, 0.0);
        assert!((weekend - 1000.0 * (1.02_f64.powf(3.0 / 365.0) - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn a_yield_series_is_read_in_percent_at_the_close_that_starts_the_stretch() {
        let financing = Financing {
            cash_rate: CashRate::Series("^IRX".into()),
            yields: Some(vec![5.0, -0.03].into()),
            ..Financing::default()
        };
        let (interest, _) = financing.accrual(0, 365, 100.0, 0.0);
        assert!((interest - 5.0).abs() < 1e-9);
        let (negative, _) = financing.accrual(1, 365, 100.0, 0.0);
        assert!(negative < 0.0, "a negative yield costs");
    }
}
