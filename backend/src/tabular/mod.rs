//! One reader for the tables bureaus keep: CSV (UTF-8 with or without BOM, GBK as Chinese Excel saves it,
//! UTF-16 with its BOM) and XLSX, row by row with each row's place as people see it. Imports map the columns to their fields
//! ([`Columns`]) and read the cells with the common forms ([`Cell::number`], [`Cell::measured`], [`Cell::time`]).
//!
//! ```no_run
//! # use backend::tabular::{Table, Columns, ColumnSpec, Cell, TableError};
//! # fn main() -> Result<(), TableError> {
//! const SPECS: &[ColumnSpec] = &[
//!     ColumnSpec { field: "section", aliases: &["section", "断面", "断面编码"], required: true },
//!     ColumnSpec { field: "value", aliases: &["value", "检测值"], required: true },
//! ];
//! let mut table = Table::open("readings.csv".as_ref(), None)?;
//! let columns = Columns::map(table.header(), SPECS)?;
//! for row in table.rows() {
//!     let row = row?;
//!     let section = columns.require(&row, "section", |c| Ok(c.as_str().to_string()))?;
//!     let value = columns.require(&row, "value", Cell::measured)?;
//! }
//! # Ok(()) }
//! ```

mod delimited;
mod encoding;
pub mod error;
pub mod forms;
pub mod header;
pub mod readings;
pub mod registry;
pub mod time;
mod xlsx;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, Utc};

pub use error::{
    Column, EncodingProblem, Missing, Place, Position, RowProblem, Snippet, TableError, ValueError, column_letters,
};
pub use forms::{Measured, parse_measured, parse_number};
pub use header::{ColumnSpec, Columns, Header};
pub use time::{excel_serial_time, parse_time};

pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// OLE compound files: Excel 97–2003 `.xls`.
pub(crate) const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// A seekable byte source, as calamine needs for XLSX (a ZIP archive is read from its end).
pub trait ReadSeek: Read + Seek + Send {}

impl<T: Read + Seek + Send> ReadSeek for T {}

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Xlsx,
}

impl Kind {
    /// What a file's first bytes say it is: a ZIP archive is XLSX, an Excel 97–2003 file is `None`
    /// (not read), anything else is taken for CSV text.
    pub fn of_content(prefix: &[u8]) -> Option<Kind> {
        if prefix.starts_with(ZIP_MAGIC) {
            Some(Kind::Xlsx)
        } else if prefix.starts_with(CFB_MAGIC) {
            None
        } else {
            Some(Kind::Csv)
        }
    }

    /// What a file's name says it is: `.xlsx` and `.xlsm` are XLSX, anything else CSV.
    pub fn of_name(path: &Path) -> Kind {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("xlsx" | "xlsm") => Kind::Xlsx,
            _ => Kind::Csv,
        }
    }
}

/// A table being read: its header, then its rows from [`Table::rows`].
pub struct Table {
    header: Header,
    source: Source,
}

enum Source {
    Csv(Box<delimited::CsvSource>),
    Xlsx(Box<xlsx::XlsxSource>),
}

impl Table {
    /// Opens a file. Its content decides the format, not its name: a ZIP archive is read as XLSX whatever
    /// it is called, and a file named `.xlsx` that is not one is refused. `sheet` picks a worksheet by name
    /// (exactly, else ignoring case, spaces and width); by default the first visible worksheet. CSV has no
    /// sheets and ignores it.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<Table, TableError> {
        let file = File::open(path)?;
        Table::from_reader(BufReader::new(file), Kind::of_name(path), sheet)
    }

    /// Reads from a seekable source, such as an upload spooled to a temporary file. `kind` is what the
    /// uploader claimed (by file name or content type); the content decides as for [`Table::open`].
    pub fn from_reader<R: Read + Seek + Send + 'static>(
        mut source: R,
        kind: Kind,
        sheet: Option<&str>,
    ) -> Result<Table, TableError> {
        let start = source.stream_position()?;
        let mut magic = [0u8; 8];
        let mut got = 0;
        while got < magic.len() {
            match source.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        source.seek(SeekFrom::Start(start))?;
        match Kind::of_content(&magic[..got]) {
            Some(Kind::Xlsx) => {
                let (header, xlsx) = xlsx::open(Box::new(source), sheet)?;
                Ok(Table { header, source: Source::Xlsx(Box::new(xlsx)) })
            }
            None => Err(TableError::LegacyXls),
            Some(Kind::Csv) if kind == Kind::Xlsx => Err(TableError::NotXlsx),
            Some(Kind::Csv) => Table::from_csv(source),
        }
    }

    /// Reads CSV from any byte stream, a request body say, without spooling it.
    pub fn from_csv<R: Read + Send + 'static>(source: R) -> Result<Table, TableError> {
        let (header, csv) = delimited::open(Box::new(source))?;
        Ok(Table { header, source: Source::Csv(Box::new(csv)) })
    }

    pub fn kind(&self) -> Kind {
        match self.source {
            Source::Csv(_) => Kind::Csv,
            Source::Xlsx(_) => Kind::Xlsx,
        }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The worksheet read, for XLSX.
    pub fn sheet(&self) -> Option<&str> {
        match &self.source {
            Source::Csv(_) => None,
            Source::Xlsx(x) => Some(x.sheet()),
        }
    }

    /// Every sheet of the workbook, in order (empty for CSV), for a caller offering a choice.
    pub fn sheet_names(&self) -> &[String] {
        match &self.source {
            Source::Csv(_) => &[],
            Source::Xlsx(x) => x.sheet_names(),
        }
    }

    /// The data rows after the header, blank rows skipped, each padded with blank cells to the header's
    /// width. A row with text beyond the last header column is an error for that row and reading goes on;
    /// an error of the file itself (encoding, I/O, a broken workbook) is the last item.
    ///
    /// CSV is read once: a second call goes on where the first stopped. XLSX starts again each call.
    pub fn rows(&mut self) -> Rows<'_> {
        Rows(match &mut self.source {
            Source::Csv(csv) => RowsInner::Csv(csv),
            Source::Xlsx(x) => match x.rows() {
                Ok(rows) => RowsInner::Xlsx(rows),
                Err(e) => RowsInner::Failed(Some(e)),
            },
        })
    }
}

/// The rows of a [`Table`].
pub struct Rows<'t>(RowsInner<'t>);

enum RowsInner<'t> {
    Csv(&'t mut delimited::CsvSource),
    Xlsx(xlsx::XlsxRows<'t>),
    Failed(Option<TableError>),
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, TableError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            RowsInner::Csv(csv) => csv.next_row(),
            RowsInner::Xlsx(x) => x.next_row(),
            RowsInner::Failed(e) => e.take().map(Err),
        }
    }
}

/// A data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub position: Position,
    /// One per header column.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The text of the cell at `index`; empty beyond the row.
    pub fn text(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", Cell::as_str)
    }
}

/// A cell: its text as written (trimmed) and, from XLSX, the value the workbook stores.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    /// `None` for CSV and for blank XLSX cells.
    pub typed: Option<Typed>,
}

/// What an XLSX cell holds, so that a caller can tell the text `0.010` from the number 0.01.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Number(f64),
    /// A date-formatted number: a serial in the 1900 date system (a 1904-system workbook's are moved).
    DateTime {
        serial: f64,
    },
    Bool(bool),
    Text,
    /// `#N/A`, `#DIV/0!`, …
    Error(String),
}

/// Plain numbers read as serial dates only when they fall in the years taken (1980 on), so that a number
/// such as 20261120 is read as text and a stray count is not taken for a date.
const EARLIEST_SERIAL: f64 = 29_221.0;

impl Cell {
    /// A cell of text (trimmed), as CSV gives.
    pub fn from_text(text: &str) -> Cell {
        Cell { text: text.trim().to_string(), typed: None }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn refuse_error(&self) -> Result<(), ValueError> {
        match &self.typed {
            Some(Typed::Error(e)) => Err(ValueError::SpreadsheetError(Snippet::new(e))),
            _ if self.is_empty() => Err(ValueError::Empty),
            _ => Ok(()),
        }
    }

    /// A number: a number cell's value, or the text read by [`parse_number`].
    pub fn number(&self) -> Result<f64, ValueError> {
        self.refuse_error()?;
        match self.typed {
            Some(Typed::Number(f)) if f.is_finite() => Ok(f),
            Some(Typed::Number(_) | Typed::DateTime { .. } | Typed::Bool(_)) => {
                Err(ValueError::NotANumber(Snippet::new(&self.text)))
            }
            _ => parse_number(&self.text),
        }
    }

    /// A lab result: a number cell's value, or the text read by [`parse_measured`].
    pub fn measured(&self) -> Result<Measured, ValueError> {
        self.refuse_error()?;
        match self.typed {
            Some(Typed::Number(_) | Typed::DateTime { .. } | Typed::Bool(_)) => self.number().map(Measured::Value),
            _ => parse_measured(&self.text),
        }
    }

    /// A time: a date cell's serial; a plain number that is a serial of 1980 or later; else the text read
    /// by [`parse_time`].
    pub fn time(&self) -> Result<DateTime<Utc>, ValueError> {
        self.time_until(time::latest_year())
    }

    fn time_until(&self, latest: i32) -> Result<DateTime<Utc>, ValueError> {
        self.refuse_error()?;
        match self.typed {
            Some(Typed::DateTime { serial }) => time::excel_serial_time_until(serial, latest),
            Some(Typed::Number(n)) if n >= EARLIEST_SERIAL && n < latest_serial(latest) => {
                time::excel_serial_time_until(n, latest)
            }
            Some(Typed::Bool(_)) => Err(ValueError::NotATime(Snippet::new(&self.text))),
            _ => time::parse_time_until(&self.text, latest),
        }
    }
}

/// The serial of 1 January of the year after `latest`.
fn latest_serial(latest: i32) -> f64 {
    let next = chrono::NaiveDate::from_ymd_opt(latest + 1, 1, 1);
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30);
    match (next, epoch) {
        (Some(next), Some(epoch)) => (next - epoch).num_days() as f64,
        _ => EARLIEST_SERIAL,
    }
}

#[cfg(test)]
mod tests;
