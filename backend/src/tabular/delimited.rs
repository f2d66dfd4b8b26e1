//! CSV, streamed: decoded by [`Utf8Stream`], the delimiter (`,` `;` tab) told from the header line, one
//! record held at a time.

use std::io::{Chain, Cursor, Read};

use super::encoding::{BUFFER, Utf8Stream};
use super::error::{EncodingProblem, Position, Snippet, TableError};
use super::{CFB_MAGIC, Cell, Header, Row, ZIP_MAGIC};

type Text = LineEnds<Chain<Cursor<Vec<u8>>, Utf8Stream<Box<dyn Read + Send>>>>;

/// Turns the bare CRs of a file that has no LF (classic Mac line ends) into LFs, so that csv, which counts
/// LFs, numbers its lines; other files pass unchanged.
struct LineEnds<R> {
    inner: R,
    cr_only: bool,
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.cr_only {
            buf[..n].iter_mut().filter(|b| **b == b'\r').for_each(|b| *b = b'\n');
        }
        Ok(n)
    }
}

pub(crate) struct CsvSource {
    reader: csv::Reader<Text>,
    record: csv::StringRecord,
    width: usize,
    failed: bool,
}

/// Opens CSV text and reads its header: the first row that is not blank (nor Excel's `sep=;` line).
pub(crate) fn open(source: Box<dyn Read + Send>) -> Result<(Header, CsvSource), TableError> {
    let mut stream = Utf8Stream::new(source);
    let magic = stream.peek_raw(ZIP_MAGIC.len().max(CFB_MAGIC.len()))?;
    if magic.starts_with(ZIP_MAGIC) {
        return Err(TableError::NotCsv);
    }
    if magic.starts_with(CFB_MAGIC) {
        return Err(TableError::LegacyXls);
    }
    // The first line, to tell the delimiter by; it is handed on to the CSV reader unchanged.
    let mut first = Vec::new();
    let mut chunk = [0u8; 4096];
    while !first.contains(&b'\n') && first.len() < BUFFER {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        first.extend_from_slice(&chunk[..n]);
    }
    let cr_only = !first.contains(&b'\n') && first.contains(&b'\r');
    let line_end = first.iter().position(|&b| b == b'\n' || (cr_only && b == b'\r')).unwrap_or(first.len());
    let line = String::from_utf8_lossy(&first[..line_end]);
    let excel_separator = excel_separator(&line);
    let delimiter = excel_separator.unwrap_or_else(|| delimiter(&line));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // Not CRLF: csv counts a CRLF's line feed into the next record's line. A CR left before the LF is
        // trimmed with the cell's other white space.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(LineEnds { inner: Cursor::new(first).chain(stream), cr_only });
    let mut record = csv::StringRecord::new();
    let mut skip_separator_line = excel_separator.is_some();
    loop {
        if !reader.read_record(&mut record).map_err(csv_error)? {
            return Err(TableError::Empty);
        }
        if std::mem::take(&mut skip_separator_line) || blank(&record) {
            continue;
        }
        break;
    }
    let mut names: Vec<String> = record.iter().map(|name| name.trim().to_string()).collect();
    let width = names.iter().rposition(|n| !n.is_empty()).map_or(0, |last| last + 1);
    names.truncate(width);
    let header = Header { position: Position::Line(line_of(&record)), names };
    Ok((header, CsvSource { reader, record, width, failed: false }))
}

impl CsvSource {
    /// The next row that is not blank. Errors in a row leave the reader at the next one; errors of the
    /// file (encoding, I/O) end it.
    pub(crate) fn next_row(&mut self) -> Option<Result<Row, TableError>> {
        if self.failed {
            return None;
        }
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(csv_error(e)));
                }
            }
            if blank(&self.record) {
                continue;
            }
            let position = Position::Line(line_of(&self.record));
            // Excel pads rows with empty cells to the widest row; only text beyond the header is wrong.
            let used =
                self.record.iter().enumerate().filter(|(_, c)| !c.trim().is_empty()).last().map_or(0, |(i, _)| i + 1);
            if used > self.width {
                return Some(Err(TableError::TooManyCells { position, found: used, columns: self.width }));
            }
            let cells = (0..self.width).map(|i| Cell::from_text(self.record.get(i).unwrap_or(""))).collect();
            return Some(Ok(Row { position, cells }));
        }
    }
}

fn blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|c| c.trim().is_empty())
}

fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, csv::Position::line)
}

/// The delimiter of a header line: whichever of `,` `;` tab appears most outside quotes; `,` when none does.
fn delimiter(line: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(entry) = counts.iter_mut().find(|(d, _)| *d == b) {
            entry.1 += 1;
        }
    }
    // Stable: a tie keeps the earlier, so `,` wins ties.
    counts.iter().fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

/// Excel's `sep=;` first line, which names the delimiter.
fn excel_separator(line: &str) -> Option<u8> {
    match line.trim_end_matches('\r').strip_prefix("sep=")?.as_bytes() {
        [d @ (b',' | b';' | b'\t' | b'|')] => Some(*d),
        _ => None,
    }
}

fn csv_error(e: csv::Error) -> TableError {
    let line = e.position().map_or(0, csv::Position::line);
    let message = Snippet::new(&e.to_string());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => TableError::from(io),
        csv::ErrorKind::Utf8 { .. } => TableError::Encoding { line, problem: EncodingProblem::NotUtf8 },
        _ => TableError::Csv { line, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_what_the_header_line_uses_most() {
        assert_eq!(delimiter("断面,时间,氨氮"), b',');
        assert_eq!(delimiter("断面;时间;氨氮"), b';');
        assert_eq!(delimiter("断面\t时间\t氨氮"), b'\t');
        assert_eq!(delimiter("\"a;b\",c"), b',');
        assert_eq!(delimiter("断面"), b',');
        assert_eq!(excel_separator("sep=;\r"), Some(b';'));
        assert_eq!(excel_separator("sep=ab"), None);
    }
}
