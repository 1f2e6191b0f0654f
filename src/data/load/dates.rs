//! Date cells: the formats read without `--date-format`, one style per file, and the hints
//! for a date that is not read.

use std::borrow::Cow;
use std::path::Path;

use chrono::{DateTime, Datelike as _, NaiveDateTime};
use chrono_tz::Tz;

use super::MAX_CELL_CHARS;
use super::header::Column;
use super::text::excerpt;
use crate::{Date, Error, Result};

/// Years a daily bar can have.
const YEARS: std::ops::RangeInclusive<i32> = 1800..=2200;

/// The date formats read without `--date-format`: none can be misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateStyle {
    /// `2024-01-02`, and ISO date-times with or without an offset.
    Iso,
    /// `MetaTrader`'s `2024.01.02` (a time after a space is allowed).
    Dotted,
    /// Stooq's `20240102`.
    Compact,
    /// `Jan 02, 2025`, `January 2, 2025`, `02 Jan 2025`, `2-Jan-2025`.
    MonthName,
}

impl DateStyle {
    const ALL: [DateStyle; 4] = [
        DateStyle::Iso,
        DateStyle::Dotted,
        DateStyle::Compact,
        DateStyle::MonthName,
    ];

    fn parse(self, text: &str, zone: Option<Tz>) -> Option<Date> {
        match self {
            DateStyle::Iso => parse_iso_date(text, zone),
            DateStyle::Dotted => {
                let (day, time) = text.split_once(' ').unwrap_or((text, ""));
                let time_ok = time.is_empty()
                    || ["%H:%M", "%H:%M:%S"]
                        .iter()
                        .any(|f| chrono::NaiveTime::parse_from_str(time.trim(), f).is_ok());
                fixed_date(day, Some(b'.')).filter(|_| time_ok)
            }
            DateStyle::Compact => fixed_date(text, None),
            DateStyle::MonthName => {
                // chrono's %Y takes any number of digits: insist on four, or "25" is year 25.
                let year = text.get(text.len().saturating_sub(4)..)?;
                let before = text.len().checked_sub(5).and_then(|i| text.get(i..=i))?;
                if !year.bytes().all(|b| b.is_ascii_digit()) || before.parse::<u8>().is_ok() {
                    return None;
                }
                ["%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y"]
                    .iter()
                    .find_map(|f| Date::parse_from_str(text, f).ok())
            }
        }
    }

    fn describe(self) -> &'static str {
        match self {
            DateStyle::Iso => "YYYY-MM-DD",
            DateStyle::Dotted => "YYYY.MM.DD",
            DateStyle::Compact => "YYYYMMDD",
            DateStyle::MonthName => "a month name",
        }
    }
}

/// Reads the date cells of a file: in the style of the first data row, which every later
/// row must share. That style is `--date-format` where it is given, except in a file whose
/// first date is ISO (`2024-01-02`), which cannot be misread whatever the format says: so a
/// folder of day-first files and ISO ones runs with one `--date-format`.
pub(super) struct DateReader<'f> {
    format: Option<&'f str>,
    /// The exchange's time zone, into which a time stamp with an offset is converted.
    zone: Option<Tz>,
    /// The style of the first data row, with its line and cell.
    style: Option<(DateStyle, usize, String)>,
    /// A date has been read: the first decides the style of the file.
    read_one: bool,
}

impl<'f> DateReader<'f> {
    pub(super) fn new(format: Option<&'f str>, zone: Option<Tz>) -> Self {
        DateReader {
            format,
            zone,
            style: None,
            read_one: false,
        }
    }

    /// `text` is a date this reader reads.
    pub(super) fn reads(&self, text: &str) -> bool {
        if text.is_empty() || text.len() > MAX_CELL_CHARS {
            return false;
        }
        let iso = || DateStyle::Iso.parse(text, self.zone).is_some();
        match self.format {
            Some(format) => parse_with(text, format).is_some() || iso(),
            None => DateStyle::ALL
                .iter()
                .any(|s| s.parse(text, self.zone).is_some()),
        }
    }

    pub(super) fn read(
        &mut self,
        path: &Path,
        line: usize,
        column: &Column,
        text: &str,
    ) -> Result<Date> {
        let at = column.index + 1;
        if text.is_empty() {
            return Err(Error::data_line(
                path,
                line,
                format!("date is empty (column {at}): fill the cell or delete the row"),
            ));
        }
        let parsed = if text.len() > MAX_CELL_CHARS {
            None
        } else if let Some(format) = self.format {
            let parsed = parse_with(text, format);
            match DateStyle::Iso.parse(text, self.zone) {
                Some(date) if parsed.is_none() && !self.read_one => {
                    // From here on the file is read as ISO, which the format cannot override.
                    self.format = None;
                    self.style = Some((DateStyle::Iso, line, excerpt(text)));
                    Some(date)
                }
                _ => parsed,
            }
        } else if let Some((style, _, _)) = &self.style {
            style.parse(text, self.zone)
        } else {
            let zone = self.zone;
            let found = DateStyle::ALL
                .into_iter()
                .find_map(|style| style.parse(text, zone).map(|date| (style, date)));
            if let Some((style, _)) = found {
                self.style = Some((style, line, excerpt(text)));
            }
            found.map(|(_, date)| date)
        };
        let Some(date) = parsed else {
            return Err(Error::data_line(
                path,
                line,
                format!("date {} in column {at} {}", excerpt(text), self.hint(text)),
            ));
        };
        self.read_one = true;
        if !YEARS.contains(&date.year()) {
            let todo = if self.format.is_some() {
                "a two-digit year? Use %y in --date-format"
            } else {
                "write the year with four digits"
            };
            return Err(Error::data_line(
                path,
                line,
                format!(
                    "date {} in column {at} is in the year {}: {todo}",
                    excerpt(text),
                    date.year()
                ),
            ));
        }
        Ok(date)
    }

    /// What is wrong with a date that did not parse, and what to do.
    fn hint(&self, text: &str) -> String {
        if let Some(format) = self.format {
            return format!("does not match --date-format {format:?}");
        }
        if let Some((style, line, example)) = &self.style {
            return format!(
                "is not written like the date on line {line} ({example}, {}): write every date of the file one way",
                style.describe()
            );
        }
        // 02/01/2024, 02.01.24, 2-1-2024: day-first or month-first cannot be told.
        let mut parts = text.split(['/', '.', '-']);
        let small = |p: Option<&str>| {
            p.is_some_and(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        };
        let (first, second, year) = (parts.next(), parts.next(), parts.next());
        let year_digits = year.filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
        if small(first)
            && small(second)
            && parts.next().is_none()
            && let Some(year) = year_digits.filter(|y| y.len() == 2 || y.len() == 4)
        {
            let sep = &text[first.map_or(0, str::len)..][..1];
            let y = if year.len() == 2 { "%y" } else { "%Y" };
            return format!(
                "could be day-first or month-first: pass --date-format %d{sep}%m{sep}{y} (day first) \
                 or --date-format %m{sep}%d{sep}{y} (month first)"
            );
        }
        "is not a date read without a format (2024-01-02, 2024.01.02, 20240102, \
         Jan 02, 2024): pass --date-format, e.g. %d/%m/%Y"
            .into()
    }
}

fn parse_with(text: &str, format: &str) -> Option<Date> {
    Date::parse_from_str(text, format).ok().or_else(|| {
        NaiveDateTime::parse_from_str(text, format)
            .ok()
            .map(|d| d.date())
    })
}

/// An ISO date, or an ISO date-time with or without an offset. A time stamp with an offset is
/// an instant: with the exchange's time `zone` it is read as the date there
/// (`2015-06-30 22:00:00+00:00` is 2015-07-01 in `Europe/Berlin`); without one, as the calendar
/// date written (weekend bars, counted as defects, show when that is wrong).
fn parse_iso_date(text: &str, zone: Option<Tz>) -> Option<Date> {
    const WITH_OFFSET: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ];
    const WITHOUT_OFFSET: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    let date = fixed_date(text.get(..10)?, Some(b'-'))?;
    if text.len() == 10 {
        return Some(date);
    }
    let text = text
        .strip_suffix('Z')
        .map_or(Cow::Borrowed(text), |t| Cow::Owned(format!("{t}+00:00")));
    let stamped = WITH_OFFSET
        .iter()
        .find_map(|f| DateTime::parse_from_str(&text, f).ok());
    if let (Some(stamp), Some(zone)) = (stamped, zone) {
        return Some(stamp.with_timezone(&zone).date_naive());
    }
    let full = stamped.map(|d| d.naive_local().date()).or_else(|| {
        WITHOUT_OFFSET
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
            .map(|d| d.date())
    });
    full.filter(|d| *d == date)
}

/// `YYYY<sep>MM<sep>DD`, or `YYYYMMDD` without a separator, read directly: nearly every daily
/// file writes its dates so, and a format-driven parser costs more than the rest of the row.
fn fixed_date(text: &str, separator: Option<u8>) -> Option<Date> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (month, day) = match separator {
        Some(sep) if b.len() == 10 && b[4] == sep && b[7] == sep => (5..7, 8..10),
        None if b.len() == 8 => (4..6, 6..8),
        _ => return None,
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    Date::from_ymd_opt(year, digits(month)?, digits(day)?)
}

#[cfg(test)]
mod tests {
    use super::{DateStyle, parse_iso_date};
    use crate::Date;

    fn day(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn iso_date_times_keep_the_calendar_date_as_written() {
        let day = day(2024, 3, 1);
        for text in [
            "2024-03-01",
            "2024-03-01 00:00:00",
            "2024-03-01T16:00:00",
            "2024-03-01 00:00:00-05:00",
            "2024-03-01T23:30:00+09:00",
            "2024-03-01T21:00:00Z",
            "2024-03-01 09:30",
        ] {
            assert_eq!(parse_iso_date(text, None), Some(day), "{text}");
        }
        assert_eq!(parse_iso_date("01/03/2024", None), None);
        assert_eq!(parse_iso_date("2024-03-01 garbage", None), None);
        assert_eq!(
            parse_iso_date("24-03-01 00:00:00", None),
            None,
            "two-digit year"
        );
    }

    #[test]
    fn a_time_stamp_with_an_offset_is_read_as_the_date_of_the_exchange_zone() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let new_york: chrono_tz::Tz = "America/New_York".parse().unwrap();
        // Midnight in Berlin, summer (UTC+2) and winter (UTC+1), written in UTC.
        let summer = "2015-06-30 22:00:00+00:00";
        let winter = "2015-12-31T23:00:00Z";
        assert_eq!(parse_iso_date(summer, None), Some(day(2015, 6, 30)));
        assert_eq!(parse_iso_date(summer, Some(berlin)), Some(day(2015, 7, 1)));
        assert_eq!(parse_iso_date(winter, Some(berlin)), Some(day(2016, 1, 1)));
        // Midnight in New York written in UTC; and a plain date, which has no instant.
        let york = "2015-07-01 04:00:00+00:00";
        assert_eq!(parse_iso_date(york, Some(new_york)), Some(day(2015, 7, 1)));
        assert_eq!(
            parse_iso_date("2015-07-01", Some(berlin)),
            Some(day(2015, 7, 1))
        );
    }

    #[test]
    fn unambiguous_styles_need_four_digit_years() {
        let jan2 = Some(day(2025, 1, 2));
        assert_eq!(DateStyle::Dotted.parse("2025.01.02", None), jan2);
        assert_eq!(DateStyle::Dotted.parse("2025.01.02 00:00", None), jan2);
        assert_eq!(DateStyle::Compact.parse("20250102", None), jan2);
        for text in [
            "Jan 02, 2025",
            "January 2, 2025",
            "jan 2, 2025",
            "02 Jan 2025",
            "2 January 2025",
            "2-Jan-2025",
        ] {
            assert_eq!(DateStyle::MonthName.parse(text, None), jan2, "{text}");
        }
        assert_eq!(DateStyle::MonthName.parse("Jan 02, 25", None), None);
        assert_eq!(DateStyle::MonthName.parse("Jan 02, 12025", None), None);
        assert_eq!(DateStyle::Compact.parse("2025012", None), None);
        assert_eq!(DateStyle::Dotted.parse("02.01.2025", None), None);
    }
}
