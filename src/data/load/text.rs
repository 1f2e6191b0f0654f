//! The file as text: reading its bytes, checking the encoding, and splitting it into lines
//! and quote-aware cells, with the messages for broken quotes and the excerpt of a cell.

use std::borrow::Cow;
use std::io::Read as _;
use std::path::Path;

use crate::{Error, Result};

/// Largest file read: a century of daily bars is a few megabytes.
const MAX_FILE_BYTES: u64 = 256 << 20;
/// Characters of a cell or a column name quoted in a message.
pub(super) const EXCERPT_CHARS: usize = 40;

/// Reads the file, refusing what is not a regular file (a directory named `X.csv`, a pipe
/// that would block, a device that never ends) and what is too large to be a daily file.
/// Failures are data errors (exit code 2): the input the user named is wrong.
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>> {
    let unreadable = |e: std::io::Error| {
        Error::data_file(
            path,
            format!("cannot be read: {e}: check that the file exists and is readable"),
        )
    };
    let too_large = || {
        Error::data_file(
            path,
            format!(
                "is larger than {} MiB, too large for a daily CSV: is it the right file?",
                MAX_FILE_BYTES >> 20
            ),
        )
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(Error::data_file(
            path,
            "is a directory, not a CSV file: name the file, or the directory with --data",
        ));
    }
    if !meta.is_file() {
        return Err(Error::data_file(
            path,
            "is not a regular file (a pipe or a device?): copy the data into a CSV file",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The text of the file without its UTF-8 byte-order mark, or an error saying what the bytes
/// are instead (UTF-16, a workbook, a compressed file, another encoding) and where.
pub(super) fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    let save_as = "save it as CSV UTF-8";
    let refuse = |what: &str| Error::data_file(path, format!("{what}: {save_as}"));
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(refuse(
            "is UTF-16 text (Excel's \"Unicode text\"?), not UTF-8",
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(refuse(
            "is a ZIP archive (an Excel .xlsx workbook?), not a CSV",
        ));
    }
    if bytes.starts_with(&[0x1F, 0x8B]) {
        return Err(Error::data_file(
            path,
            "is gzip-compressed: decompress it first (gunzip)",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, column) = locate(bytes, at);
        let byte = bytes.get(at).copied().unwrap_or(0);
        Error::data_line(
            path,
            line,
            format!(
                "byte 0x{byte:02X} (byte {column} of the line) is not UTF-8 \
                 (a Latin-1 or Windows-1252 export?): save the file as UTF-8"
            ),
        )
    })?;
    // Unicode's line and paragraph separators and NEL: not line ends here (only `\n`, `\r\n`
    // and `\r` are), yet `str::trim` takes them for white space, so rows joined by them read as
    // one overlong line and a line of nothing else reads as blank. Neither is what the file
    // means, so they are refused where they are.
    // (An ASCII file, nearly every one, has none: `is_ascii` checks a word at a time.)
    let separator = (!text.is_ascii())
        .then(|| {
            text.char_indices()
                .find(|(_, c)| matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}'))
        })
        .flatten();
    if let Some((at, c)) = separator {
        let (line, column) = locate(bytes, at);
        return Err(Error::data_line(
            path,
            line,
            format!(
                "{} (byte {column} of the line) is not a line end of a CSV file: end lines \
                 with a newline, and remove the character from cells",
                match c {
                    '\u{2028}' => "Unicode line separator U+2028",
                    '\u{2029}' => "Unicode paragraph separator U+2029",
                    _ => "Unicode next-line character U+0085",
                }
            ),
        ));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let (line, column) = locate(bytes, at);
        return Err(Error::data_line(
            path,
            line,
            format!(
                "NUL byte (byte {column} of the line): this is not text (UTF-16 or binary?): {save_as}"
            ),
        ));
    }
    Ok(text)
}

/// The 1-based line and byte-in-line of `at`, counting line ends as [`Lines`] does.
fn locate(bytes: &[u8], at: usize) -> (usize, usize) {
    let mut line = 1;
    let mut start = 0;
    for (i, pair) in bytes[..at.min(bytes.len())].iter().enumerate() {
        let ends = match pair {
            b'\n' => true,
            b'\r' => bytes.get(i + 1) != Some(&b'\n'),
            _ => false,
        };
        if ends {
            line += 1;
            start = i + 1;
        }
    }
    (line, at - start + 1)
}

/// The lines of the text with their 1-based numbers; `\n`, `\r\n` and a lone `\r` end a line.
#[derive(Clone)]
pub(super) struct Lines<'a> {
    rest: &'a str,
    next: usize,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Lines {
            rest: text,
            next: 1,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let number = self.next;
        self.next += 1;
        let text = self.rest;
        let Some(end) = text.bytes().position(|b| b == b'\n' || b == b'\r') else {
            self.rest = "";
            return Some((number, text));
        };
        let skip = if text[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        self.rest = &text[end + skip..];
        Some((number, &text[..end]))
    }
}

/// The cell separator, chosen from the header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Separator {
    Comma,
    Tab,
    Semicolon,
}

impl Separator {
    /// Comma when the header has one; else tab (`MetaTrader`) when it has one; else semicolon
    /// when it has one; else comma (a one-column header).
    pub(super) fn detect(header: &str) -> Separator {
        if header.contains(',') {
            Separator::Comma
        } else if header.contains('\t') {
            Separator::Tab
        } else if header.contains(';') {
            Separator::Semicolon
        } else {
            Separator::Comma
        }
    }

    fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Tab => b'\t',
            Separator::Semicolon => b';',
        }
    }
}

/// A cell whose quoting is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QuoteError {
    /// A quote opens the cell and the line ends before it closes.
    Unclosed,
    /// Text follows the closing quote before the next separator.
    TextAfter,
}

/// The cells of one line, trimmed and unquoted, with their 0-based index. A cell is quoted
/// when its first non-space character is `"`; `""` inside stands for one quote; a quote
/// elsewhere is an ordinary character.
pub(super) struct Cells<'a> {
    rest: &'a str,
    separator: u8,
    index: usize,
    done: bool,
}

impl<'a> Cells<'a> {
    pub(super) fn new(line: &'a str, separator: Separator) -> Self {
        Cells {
            rest: line,
            separator: separator.byte(),
            index: 0,
            done: false,
        }
    }

    fn quoted(&mut self, open: usize) -> std::result::Result<Cow<'a, str>, QuoteError> {
        let text = self.rest;
        let bytes = text.as_bytes();
        let mut from = open + 1;
        let mut escaped = false;
        let close = loop {
            let Some(offset) = bytes[from..].iter().position(|&b| b == b'"') else {
                self.done = true;
                return Err(QuoteError::Unclosed);
            };
            let quote = from + offset;
            if bytes.get(quote + 1) == Some(&b'"') {
                escaped = true;
                from = quote + 2;
            } else {
                break quote;
            }
        };
        let after = &text[close + 1..];
        let next = after
            .as_bytes()
            .iter()
            .position(|&b| b != b' ')
            .unwrap_or(after.len());
        match after.as_bytes().get(next) {
            None => self.done = true,
            Some(&b) if b == self.separator => self.rest = &after[next + 1..],
            Some(_) => {
                self.done = true;
                return Err(QuoteError::TextAfter);
            }
        }
        let inner = text[open + 1..close].trim();
        Ok(if escaped {
            Cow::Owned(inner.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(inner)
        })
    }
}

impl<'a> Iterator for Cells<'a> {
    type Item = (usize, std::result::Result<Cow<'a, str>, QuoteError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let index = self.index;
        self.index += 1;
        let text = self.rest;
        let bytes = text.as_bytes();
        let start = bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len());
        if bytes.get(start) == Some(&b'"') {
            return Some((index, self.quoted(start)));
        }
        let cell = if let Some(end) = bytes.iter().position(|&b| b == self.separator) {
            self.rest = &text[end + 1..];
            &text[..end]
        } else {
            self.done = true;
            text
        };
        Some((index, Ok(Cow::Borrowed(cell.trim()))))
    }
}

pub(super) fn quote_error(path: &Path, line: usize, index: usize, error: QuoteError) -> Error {
    let problem = match error {
        QuoteError::Unclosed => "a quote opens the cell and is not closed on this line",
        QuoteError::TextAfter => "text follows the closing quote",
    };
    Error::data_line(
        path,
        line,
        format!(
            "column {}: {problem}: quote the whole cell on one line (\"...\")",
            index + 1
        ),
    )
}

/// At most [`EXCERPT_CHARS`] characters of `text`, quoted and escaped (one line, no terminal
/// control characters), with the full length when cut.
pub(super) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} characters)", &text[..cut], text.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::{Cells, Lines, QuoteError, Separator, locate};

    #[test]
    fn cells_are_unquoted_and_line_ends_all_count() {
        let cells: Vec<_> = Cells::new(r#" "a,b" ,"say ""hi""",,x"y "#, Separator::Comma)
            .map(|(i, c)| (i, c.map(std::borrow::Cow::into_owned)))
            .collect();
        assert_eq!(
            cells,
            [
                (0, Ok("a,b".to_string())),
                (1, Ok("say \"hi\"".to_string())),
                (2, Ok(String::new())),
                (3, Ok("x\"y".to_string()))
            ]
        );
        let errors: Vec<_> = Cells::new(r#"1,"2"3,4"#, Separator::Comma)
            .map(|(_, c)| c.err())
            .collect();
        assert_eq!(errors, [None, Some(QuoteError::TextAfter)]);
        let unclosed = Cells::new("1,\"2", Separator::Comma).nth(1).unwrap().1;
        assert_eq!(unclosed.err(), Some(QuoteError::Unclosed));
        let lines: Vec<_> = Lines::new("a\r\nb\rc\n\nd").collect();
        assert_eq!(lines, [(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]);
        assert_eq!(locate(b"a\r\nb\rcd", 6), (3, 2));
    }
}
