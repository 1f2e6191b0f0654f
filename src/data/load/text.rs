//! The file as text: reading its bytes, checking the encoding, and splitting it into lines
//! and quote-aware cells, with the messages for broken quotes and the excerpt of a cell.

use std::borrow::Cow;
use std::io::Read as _;
use std::path::Path;

use crate::{Error, Result};

/// Largest CSV read: a century of daily bars is a few megabytes, a vendor's long file of
/// thousands of symbols a few gigabytes (held in memory while it is read).
const MAX_FILE_BYTES: u64 = 4 << 30;
/// Characters of a cell or a column name quoted in a message.
pub(super) const EXCERPT_CHARS: usize = 40;

/// The data error for a file the operating system would not read: exit code 2, since the
/// input the user named is wrong.
pub(super) fn unreadable(path: &Path, e: &std::io::Error) -> Error {
    Error::data_file(
        path,
        format!("cannot be read: {e}: check that the file exists and is readable"),
    )
}

/// Reads the file, refusing what is not a regular file (a directory named `X.csv`, a pipe
/// that would block, a device that never ends) and what is too large to be a daily file.
/// Failures are data errors (exit code 2): the input the user named is wrong.
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>> {
    let unreadable = |e| unreadable(path, &e);
    let too_large = || {
        Error::data_file(
            path,
            format!(
                "is larger than {} MiB, too large to read as a CSV: is it the right file? (a long \
                 file that large reads faster as Parquet)",
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

/// Bytes of a file's head read to find its layout: a header line, or yfinance's three.
const HEAD_BYTES: usize = 64 << 10;

/// The first whole lines of the file, up to [`HEAD_BYTES`] (the whole file if it is shorter,
/// or if its first line is longer); refused as [`read_file`] refuses.
pub(super) fn read_head(path: &Path) -> Result<Vec<u8>> {
    let unreadable = |e| unreadable(path, &e);
    let file = std::fs::File::open(path).map_err(unreadable)?;
    if !file.metadata().map_err(unreadable)?.is_file() {
        return read_file(path);
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    file.take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    if head.len() < HEAD_BYTES {
        return Ok(head);
    }
    match head.iter().rposition(|&b| b == b'\n') {
        Some(end) => {
            head.truncate(end + 1);
            Ok(head)
        }
        None => read_file(path),
    }
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
    if let Some(at) = bytes
        .contains(&0)
        .then(|| bytes.iter().position(|&b| b == 0))
        .flatten()
    {
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

/// The text with every lone `\r` (an old Mac line end) made `\n`: the csv crate ends a record
/// at either but counts lines at `\n` only, and a message must name the line a user sees.
pub(super) fn unify_line_ends(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes.get(i + 1) != Some(&b'\n');
    // `match_indices` finds each `\r` at memchr's speed: nearly every file has none, or only
    // in `\r\n`.
    if !text.match_indices('\r').any(|(i, _)| lone(i)) {
        return Cow::Borrowed(text);
    }
    let mut unified = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\r') {
        unified.push_str(&rest[..at]);
        unified.push('\n');
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('\n') {
            unified.pop();
            unified.push_str("\r\n");
            rest = after;
        }
    }
    unified.push_str(rest);
    Cow::Owned(unified)
}

/// The records of a CSV text as the csv crate tokenizes them (rows of any width; each cell
/// trimmed as it is read, which costs nothing where the crate's own trimming copies the row), each with the 1-based line of the file it starts on. Records of empty cells only
/// (blank lines, `,,,,`) are skipped; a record whose quoting the csv crate would read
/// leniently (an unclosed quote, text after a closing one) is refused with its line, since
/// either would silently join or change cells.
pub(super) struct Records<'a> {
    text: &'a str,
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    separator: Separator,
    /// The current record's line, and whether `advance` should return it again.
    line: usize,
    unread: bool,
}

impl<'a> Records<'a> {
    pub(super) fn new(text: &'a str, separator: Separator) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(separator.byte())
            .from_reader(text.as_bytes());
        Records {
            text,
            reader,
            record: csv::StringRecord::new(),
            separator,
            line: 0,
            unread: false,
        }
    }

    /// Moves to the next record with a non-empty cell and returns its line; `None` at the end.
    pub(super) fn advance(&mut self, path: &Path) -> Result<Option<usize>> {
        if std::mem::take(&mut self.unread) {
            return Ok(Some(self.line));
        }
        loop {
            // The text is valid UTF-8 in memory: reading it cannot fail.
            if !self.reader.read_record(&mut self.record).unwrap_or(false) {
                return Ok(None);
            }
            // The csv crate's position is where it began to read: before the line ends it
            // skips. Those are counted here, so the line is the record's own.
            let begun = self.record.position().map_or(0, csv::Position::byte);
            let start = usize::try_from(begun).unwrap_or(0);
            let end = usize::try_from(self.reader.position().byte()).unwrap_or(start);
            let raw = &self.text[start.min(end)..end];
            let body = raw.trim_start_matches(['\r', '\n']);
            let skipped = raw[..raw.len() - body.len()].matches('\n').count();
            let begun_line = self.record.position().map_or(1, csv::Position::line);
            self.line = usize::try_from(begun_line).unwrap_or(1) + skipped;
            if body.contains('"') {
                let first_line = body.split(['\r', '\n']).next().unwrap_or_default();
                check_quotes(first_line, self.separator)
                    .map_err(|(index, e)| quote_error(path, self.line, index, e))?;
            }
            if self.record.iter().any(|cell| !cell.trim().is_empty()) {
                return Ok(Some(self.line));
            }
        }
    }

    /// The current record's cell `index`, trimmed; `None` past its last.
    pub(super) fn cell(&self, index: usize) -> Option<&str> {
        self.record.get(index).map(str::trim)
    }

    /// The current record's cells, trimmed.
    pub(super) fn cells(&self) -> impl Iterator<Item = &str> {
        self.record.iter().map(str::trim)
    }

    /// How many cells the current record has.
    pub(super) fn width(&self) -> usize {
        self.record.len()
    }

    /// Makes the next [`Records::advance`] return the current record again.
    pub(super) fn unread(&mut self) {
        self.unread = true;
    }
}

/// Checks the quoting of one line as the project reads it: a cell whose first character is
/// `"` must close its quote on the line (`""` inside stands for one quote), and only spaces
/// may follow the closing quote before the next separator. On failure, the 0-based cell.
fn check_quotes(line: &str, separator: Separator) -> std::result::Result<(), (usize, QuoteError)> {
    let bytes = line.as_bytes();
    let sep = separator.byte();
    let (mut at, mut index) = (0, 0);
    while at <= bytes.len() {
        if bytes.get(at) == Some(&b'"') {
            let mut from = at + 1;
            let close = loop {
                let Some(offset) = bytes[from.min(bytes.len())..]
                    .iter()
                    .position(|&b| b == b'"')
                else {
                    return Err((index, QuoteError::Unclosed));
                };
                let quote = from + offset;
                if bytes.get(quote + 1) == Some(&b'"') {
                    from = quote + 2;
                } else {
                    break quote;
                }
            };
            let after = bytes[close + 1..].iter().position(|&b| b != b' ');
            match after.map(|offset| close + 1 + offset) {
                None => return Ok(()),
                Some(next) if bytes[next] == sep => at = next,
                Some(_) => return Err((index, QuoteError::TextAfter)),
            }
        } else {
            match bytes[at..].iter().position(|&b| b == sep) {
                None => return Ok(()),
                Some(offset) => at += offset,
            }
        }
        at += 1;
        index += 1;
    }
    Ok(())
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
    use std::path::Path;

    use super::{QuoteError, Records, Separator, check_quotes, locate, unify_line_ends};

    /// Every non-blank record of `text` with its line, or the error's message.
    fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
        let text = unify_line_ends(text);
        let mut records = Records::new(&text, Separator::Comma);
        let mut all = Vec::new();
        while let Some(line) = records
            .advance(Path::new("f.csv"))
            .map_err(|e| e.to_string())?
        {
            all.push((line, records.cells().map(str::to_string).collect()));
        }
        Ok(all)
    }

    #[test]
    fn records_are_unquoted_trimmed_and_numbered_by_the_line_they_start_on() {
        let cells = |line: usize, cells: &[&str]| {
            (
                line,
                cells.iter().map(|c| (*c).to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            records("a,b\r\n\r\n\"1,5\" ,\"say \"\"hi\"\"\",x\"y\rc\n,,\n\n  \nd\n").unwrap(),
            [
                cells(1, &["a", "b"]),
                cells(3, &["1,5", "say \"hi\"", "x\"y"]),
                cells(4, &["c"]),
                cells(8, &["d"]),
            ]
        );
        assert_eq!(
            records("a\n1,\"2\"3,4\n").unwrap_err(),
            "f.csv:2: column 2: text follows the closing quote: quote the whole cell on one line (\"...\")"
        );
        assert_eq!(
            records("a\n\n1,\"2\n3\"\n").unwrap_err(),
            "f.csv:3: column 2: a quote opens the cell and is not closed on this line: quote the whole cell on one line (\"...\")"
        );
        assert_eq!(
            check_quotes("1,\"2", Separator::Comma),
            Err((1, QuoteError::Unclosed))
        );
        assert_eq!(check_quotes("\"a\"\"b\" ,x\"y", Separator::Comma), Ok(()));
        assert_eq!(locate(b"a\r\nb\rcd", 6), (3, 2));
    }
}
