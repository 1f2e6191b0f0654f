//! Numbers as the file writes them: decimal commas, thousands separators and volume
//! suffixes, and the message for a cell that is not a number.

use std::borrow::Cow;
use std::path::Path;

use super::MAX_CELL_CHARS;
use super::header::Column;
use super::text::{Separator, excerpt};
use crate::Error;

/// Why a cell is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumberError {
    Empty,
    NotNumber,
    /// A comma that is not a thousands separator, in a comma- or tab-separated file.
    Comma,
    /// Digits grouped by dots (`1.234`) in a semicolon-separated file: 1234 or 1.234.
    AmbiguousDot,
    NotFinite,
}

pub(super) fn number_error(
    path: &Path,
    line: usize,
    column: &Column,
    text: &str,
    error: NumberError,
) -> Error {
    let (name, at, cell) = (column.shown(), column.at(), excerpt(text));
    let problem = match error {
        NumberError::Empty => format!("{name} is empty ({at}): fill the cell or delete the row"),
        NumberError::NotNumber => {
            format!("{name} {cell} is not a number ({at}): correct the cell or delete the row")
        }
        NumberError::Comma => format!(
            "{name} {cell} is not a number ({at}): in a comma-separated file a comma may only \
             group thousands (\"1,234.50\"); write decimals with a point"
        ),
        NumberError::AmbiguousDot => format!(
            "{name} {cell} is ambiguous ({at}): in a semicolon-separated file it could be a \
             thousands group or a decimal point; write 1234 or 1,234"
        ),
        NumberError::NotFinite => format!(
            "{name} {cell} is not a finite number ({at}): correct the cell or delete the row"
        ),
    };
    Error::data_line(path, line, problem)
}

/// Parses a number as the file's separator implies: in a semicolon-separated file the comma
/// is the decimal mark (and dots may group thousands before it); elsewhere a comma may only
/// group thousands (`1,234.50`).
pub(super) fn parse_number(
    text: &str,
    separator: Separator,
) -> std::result::Result<f64, NumberError> {
    parse_scaled(text, separator, 0)
}

/// [`parse_number`] times `10^exponent`, exactly as the decimal is written (`1.23M` is
/// 1230000, not the product of the float 1.23 and a million).
pub(super) fn parse_scaled(
    text: &str,
    separator: Separator,
    exponent: u8,
) -> std::result::Result<f64, NumberError> {
    if text.is_empty() {
        return Err(NumberError::Empty);
    }
    if text.len() > MAX_CELL_CHARS {
        return Err(NumberError::NotNumber);
    }
    let unsigned = text.trim_start_matches(['+', '-']);
    let plain: Cow<'_, str> = if separator == Separator::Semicolon {
        match unsigned.split_once(',') {
            Some((whole, fraction)) => {
                let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                if !digits(fraction) || !(digits(whole) || grouped(whole, b'.')) {
                    return Err(NumberError::NotNumber);
                }
                Cow::Owned(text.replace('.', "").replace(',', "."))
            }
            // 1.234.567 can only be grouped; 1.234 could be 1234 or 1.234.
            None if grouped(unsigned, b'.') && unsigned.matches('.').count() > 1 => {
                Cow::Owned(text.replace('.', ""))
            }
            None if grouped(unsigned, b'.') => return Err(NumberError::AmbiguousDot),
            None => Cow::Borrowed(text),
        }
    } else if text.contains(',') {
        let whole = unsigned.split_once('.').map_or(unsigned, |(w, _)| w);
        if !grouped(whole, b',') {
            return Err(NumberError::Comma);
        }
        Cow::Owned(text.replace(',', ""))
    } else {
        Cow::Borrowed(text)
    };
    let plain = match exponent {
        0 => plain,
        _ if plain.contains(['e', 'E']) => return Err(NumberError::NotNumber),
        _ => Cow::Owned(format!("{plain}e{exponent}")),
    };
    let value: f64 = plain.parse().map_err(|_| NumberError::NotNumber)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(NumberError::NotFinite)
    }
}

/// `text` is digits grouped by threes with `mark` (`1,234`, `12.345.678`), at least one group.
fn grouped(text: &str, mark: u8) -> bool {
    let mut groups = text.split(char::from(mark));
    let head_ok = groups
        .next()
        .is_some_and(|h| (1..=3).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_digit()));
    let mut tail = 0;
    let tail_ok = groups.all(|g| {
        tail += 1;
        g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())
    });
    head_ok && tail_ok && tail > 0
}

#[cfg(test)]
mod tests {
    use super::{NumberError, Separator, parse_number};

    #[test]
    fn numbers_follow_the_separator_of_the_file() {
        use Separator::{Comma, Semicolon, Tab};
        assert_eq!(parse_number("1,234.50", Comma), Ok(1234.5));
        assert_eq!(parse_number("1,234,567", Tab), Ok(1_234_567.0));
        assert_eq!(parse_number("1,5", Comma), Err(NumberError::Comma));
        assert_eq!(parse_number("12,34.5", Comma), Err(NumberError::Comma));
        assert_eq!(parse_number("1234,5", Semicolon), Ok(1234.5));
        assert_eq!(parse_number("1.234,5", Semicolon), Ok(1234.5));
        assert_eq!(parse_number("10.5", Semicolon), Ok(10.5));
        assert_eq!(
            parse_number("1.234", Semicolon),
            Err(NumberError::AmbiguousDot)
        );
        assert_eq!(parse_number("1.234.567", Semicolon), Ok(1_234_567.0));
        assert_eq!(
            parse_number("1,2,3", Semicolon),
            Err(NumberError::NotNumber)
        );
        assert_eq!(parse_number("NaN", Comma), Err(NumberError::NotFinite));
        assert_eq!(parse_number("-inf", Comma), Err(NumberError::NotFinite));
        assert_eq!(parse_number("", Comma), Err(NumberError::Empty));
        assert_eq!(
            parse_number(&"9".repeat(100), Comma),
            Err(NumberError::NotNumber)
        );
    }
}
