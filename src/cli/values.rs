//! The parsers of the command line's numeric options, shared by every subcommand so that each
//! refuses a value the same way: clap's one line `invalid value 'X' for '--option <V>'`, then
//! the range the option accepts, and exit code 2.
//!
//! Rust reads `nan`, `inf` and `1e999` (infinity) as numbers; none of them is an amount, a
//! rate or a count, so every number must be finite as well as inside its option's range.

/// The largest starting cash. Equity is kept in f64, whose spacing near 1e12 is 2^-13 (about
/// 0.0001): a cent is exact with room to spare, and stays exact until equity grows about
/// seventyfold (f64 spacing reaches a cent near 2^46, 7e13). A larger start would publish
/// amounts whose cents are rounding noise.
const MAX_CASH: f64 = 1e12;

/// The largest `--max-leverage`: a hundred times equity is beyond any margin account, so a
/// larger cap is a typo, not a strategy.
const MAX_LEVERAGE: f64 = 100.0;

/// 100% of traded value in basis points: a cost of this much or more takes the whole trade
/// (or more) and turns every buy into a short.
pub(super) const FULL_COST_BPS: f64 = 10_000.0;

/// A finite number that `accept` takes, else "must be a finite number {range}".
fn finite(text: &str, accept: impl Fn(f64) -> bool, range: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && accept(*v))
        // Adding 0 turns -0 into 0, so that `--commission-bps -0` is recorded as 0.
        .map(|v| v + 0.0)
        .ok_or_else(|| format!("must be a finite number {range}"))
}

/// `--cash`: more than 0, at most [`MAX_CASH`].
pub(super) fn cash(text: &str) -> Result<f64, String> {
    finite(
        text,
        |v| v > 0.0 && v <= MAX_CASH,
        "greater than 0 and at most 1e12",
    )
}

/// `--risk-free`: an annual rate above -100% (at -100% or below every excess return is
/// infinite) and at most 100%.
pub(super) fn rate(text: &str) -> Result<f64, String> {
    finite(
        text,
        |v| v > -1.0 && v <= 1.0,
        "greater than -1 and at most 1 (0.02 is 2% a year)",
    )
}

/// `--commission-bps`, `--slippage-bps`: from 0 to below [`FULL_COST_BPS`] (their sum is
/// checked where both are known).
pub(super) fn cost_bps(text: &str) -> Result<f64, String> {
    finite(
        text,
        |v| (0.0..FULL_COST_BPS).contains(&v),
        "from 0 to below 10000 (100% of traded value)",
    )
}

/// `--max-leverage`: more than 0, at most [`MAX_LEVERAGE`].
pub(super) fn leverage(text: &str) -> Result<f64, String> {
    finite(
        text,
        |v| v > 0.0 && v <= MAX_LEVERAGE,
        "greater than 0 and at most 100",
    )
}

/// `--stop-loss`, `--trailing-stop`: a distance from the price, more than 0 and below 1 (a
/// long's stop at or below zero could never be reached).
pub(super) fn stop_distance(text: &str) -> Result<f64, String> {
    finite(
        text,
        |v| v > 0.0 && v < 1.0,
        "greater than 0 and below 1 (0.05 is 5% from the entry price)",
    )
}

/// `--take-profit`: a distance from the price, more than 0 and at most 100 (a short's target
/// below zero is never reached, which is the trader's choice; 100 is ten-thousand percent).
pub(super) fn profit_distance(text: &str) -> Result<f64, String> {
    finite(
        text,
        |v| v > 0.0 && v <= 100.0,
        "greater than 0 and at most 100 (0.10 is 10% from the entry price)",
    )
}

/// `--cash-rate`: an annual rate as for `--risk-free`, or the symbol of a yield series of the
/// dataset (`^IRX`), which cannot be told from a number by mistake: it does not start with a
/// digit, a sign or a point.
pub(super) fn cash_rate(text: &str) -> Result<crate::engine::CashRate, String> {
    let text = text.trim();
    if text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        rate(text).map(crate::engine::CashRate::Fixed)
    } else if text.is_empty() {
        Err(
            "must be an annual rate (0.02 is 2% a year) or a yield series of the dataset (^IRX)"
                .into(),
        )
    } else {
        Ok(crate::engine::CashRate::Series(text.to_string()))
    }
}

/// `--borrow-bps`: an annual fee in basis points of a short's value, from 0 to 10000.
pub(super) fn borrow_bps(text: &str) -> Result<f64, String> {
    finite(
        text,
        |v| (0.0..=FULL_COST_BPS).contains(&v),
        "from 0 to 10000 (100% a year of the short's value)",
    )
}

/// A parser of whole numbers from `min` to `max`, for counts.
pub(super) fn whole(
    min: usize,
    max: usize,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |text| {
        text.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                let most = if max == usize::MAX {
                    String::new()
                } else {
                    format!(" and at most {max}")
                };
                format!("must be a whole number of at least {min}{most}")
            })
    }
}

/// An IANA time zone name (`Europe/Berlin`), exactly as the tz database spells it.
pub(super) fn time_zone(text: &str) -> Result<chrono_tz::Tz, String> {
    text.parse().map_err(|_| {
        format!(
            "{text:?} is not a time zone of the IANA database: give the exchange's, such as \
             Europe/Berlin, Europe/London, America/New_York or Australia/Sydney"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_are_refused_by_every_parser() {
        for parse in [
            cash,
            rate,
            cost_bps,
            leverage,
            stop_distance,
            profit_distance,
        ] {
            for bad in ["nan", "NaN", "inf", "-inf", "infinity", "1e999", "", "x"] {
                let error = parse(bad).unwrap_err();
                assert!(
                    error.starts_with("must be a finite number"),
                    "{bad}: {error}"
                );
            }
        }
    }

    #[test]
    fn each_range_keeps_its_ends_as_documented() {
        assert_eq!(cash("1e12"), Ok(1e12));
        assert!(cash("1.0000001e12").is_err() && cash("0").is_err());
        assert_eq!(rate("1"), Ok(1.0));
        assert!(rate("-1").is_err() && rate("-0.99").is_ok());
        assert_eq!(cost_bps("-0").map(f64::is_sign_negative), Ok(false));
        assert!(cost_bps("10000").is_err() && cost_bps("9999.99").is_ok());
        assert!(leverage("0").is_err() && leverage("100").is_ok() && leverage("100.5").is_err());
        assert_eq!(cash_rate("0.02"), Ok(crate::engine::CashRate::Fixed(0.02)));
        assert_eq!(
            cash_rate("^IRX"),
            Ok(crate::engine::CashRate::Series("^IRX".into()))
        );
        assert!(cash_rate("-2").is_err() && cash_rate("").is_err() && cash_rate("1e999").is_err());
        assert!(borrow_bps("-1").is_err() && borrow_bps("10000").is_ok());
        assert!(stop_distance("0").is_err() && stop_distance("1").is_err());
        assert_eq!(stop_distance("0.05"), Ok(0.05));
        assert!(profit_distance("0").is_err() && profit_distance("100").is_ok());
        let paths = whole(1, 10);
        assert_eq!(paths("10"), Ok(10));
        assert_eq!(
            paths("0").unwrap_err(),
            "must be a whole number of at least 1 and at most 10"
        );
        assert_eq!(
            whole(1, usize::MAX)("-3").unwrap_err(),
            "must be a whole number of at least 1"
        );
    }
}
