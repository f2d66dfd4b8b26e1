//! XLSX through calamine's cell reader, which walks a worksheet's XML a cell at a time.
//!
//! Memory: the sheet's cells are streamed, one row held at a time, but calamine loads the workbook's
//! shared-string table (every distinct text in the workbook) and its styles whole when the workbook is
//! opened. A sheet of mostly numbers costs little; a sheet of 10⁶ distinct strings costs their size.
//! (`worksheet_range` would also load every cell of the sheet, about 32 bytes each plus the text.)

use std::sync::Arc;

use calamine::{DataRef, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Xlsx};

use super::error::{Position, Snippet, TableError};
use super::header::normalize_name;
use super::time::excel_serial_local;
use super::{Cell, Header, ReadSeek, Row, Typed};

type Workbook = Xlsx<Box<dyn ReadSeek>>;

pub(crate) struct XlsxSource {
    workbook: Workbook,
    sheet: Arc<str>,
    /// 0-based index of the header row.
    header_row: u32,
    width: usize,
    sheet_names: Vec<String>,
}

fn xlsx_error(e: calamine::XlsxError) -> TableError {
    match e {
        calamine::XlsxError::Io(io) => TableError::Io(io),
        other => TableError::Xlsx(Snippet::new(&other.to_string())),
    }
}

/// Opens a workbook, picks the sheet (the named one, else the first visible worksheet) and reads its
/// header: the first row that is not blank.
pub(crate) fn open(source: Box<dyn ReadSeek>, sheet: Option<&str>) -> Result<(Header, XlsxSource), TableError> {
    let mut workbook: Workbook = Xlsx::new(source).map_err(xlsx_error)?;
    let sheets = workbook.sheets_metadata().to_vec();
    let sheet_names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let chosen = match sheet {
        Some(wanted) => sheets
            .iter()
            .find(|s| s.name == wanted)
            .or_else(|| sheets.iter().find(|s| normalize_name(&s.name) == normalize_name(wanted)))
            .ok_or_else(|| TableError::SheetNotFound {
                name: Snippet::new(wanted),
                available: sheet_names.iter().map(|n| Snippet::new(n)).collect(),
            })?,
        None => {
            let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
            worksheets()
                .find(|s| s.visible == SheetVisible::Visible)
                .or_else(|| worksheets().next())
                .ok_or(TableError::NoSheet)?
        }
    };
    let name: Arc<str> = chosen.name.as_str().into();
    let (header_row, names) = {
        let mut rows = SheetRows::new(&mut workbook, &name)?;
        match rows.next_row()? {
            Some((row, cells)) => {
                let width = cells.last().map_or(0, |(col, _)| *col as usize + 1);
                let mut names = vec![String::new(); width];
                for (col, cell) in cells {
                    names[col as usize] = cell.text;
                }
                (row, names)
            }
            None => return Err(TableError::Empty),
        }
    };
    let header = Header { position: Position::Row { sheet: name.clone(), row: header_row + 1 }, names };
    let width = header.names.len();
    Ok((header, XlsxSource { workbook, sheet: name, header_row, width, sheet_names }))
}

/// A workbook's worksheets (chart sheets left out) in order, each with whether it is visible, for a
/// caller that reads every sheet.
pub(crate) fn worksheets(source: Box<dyn ReadSeek>) -> Result<Vec<(String, bool)>, TableError> {
    let workbook: Workbook = Xlsx::new(source).map_err(xlsx_error)?;
    Ok(workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect())
}

impl XlsxSource {
    pub(crate) fn sheet(&self) -> &str {
        &self.sheet
    }

    pub(crate) fn sheet_names(&self) -> &[String] {
        &self.sheet_names
    }

    /// The data rows, from the row after the header; each call starts again from there.
    pub(crate) fn rows(&mut self) -> Result<XlsxRows<'_>, TableError> {
        let rows = SheetRows::new(&mut self.workbook, &self.sheet)?;
        Ok(XlsxRows { rows, sheet: self.sheet.clone(), header_row: self.header_row, width: self.width, done: false })
    }
}

pub(crate) struct XlsxRows<'a> {
    rows: SheetRows<'a>,
    sheet: Arc<str>,
    header_row: u32,
    width: usize,
    done: bool,
}

impl XlsxRows<'_> {
    pub(crate) fn next_row(&mut self) -> Option<Result<Row, TableError>> {
        while !self.done {
            let (row, cells) = match self.rows.next_row() {
                Ok(Some(row)) => row,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            if row <= self.header_row {
                continue;
            }
            let position = Position::Row { sheet: self.sheet.clone(), row: row + 1 };
            let used = cells.last().map_or(0, |(col, _)| *col as usize + 1);
            if used > self.width {
                return Some(Err(TableError::TooManyCells { position, found: used, columns: self.width }));
            }
            let mut out = vec![Cell::from_text(""); self.width];
            for (col, cell) in cells {
                out[col as usize] = cell;
            }
            return Some(Ok(Row { position, cells: out }));
        }
        None
    }
}

/// A cell with its 0-based row and column.
type Located = (u32, u32, Cell);

/// A row that is not blank: its 0-based index, and its non-blank cells by 0-based column.
type SheetRow = (u32, Vec<(u32, Cell)>);

/// The worksheet's rows that are not blank.
struct SheetRows<'a> {
    /// The next cell of calamine's cell reader (whose type calamine does not export, so it is boxed here).
    cells: Box<dyn FnMut() -> Result<Option<Located>, TableError> + 'a>,
    /// The first cell of the next row, read while finding where this one ends.
    pending: Option<Located>,
    /// The reader has said the sheet's data ended; asked again it would report the XML cut short.
    ended: bool,
}

impl<'a> SheetRows<'a> {
    fn new(workbook: &'a mut Workbook, sheet: &str) -> Result<Self, TableError> {
        let mut reader = workbook.worksheet_cells_reader(sheet).map_err(xlsx_error)?;
        let cells = move || {
            let cell = reader.next_cell().map_err(xlsx_error)?;
            Ok(cell.map(|c| {
                let (row, col) = c.get_position();
                (row, col, convert(c.get_value()))
            }))
        };
        Ok(SheetRows { cells: Box::new(cells), pending: None, ended: false })
    }

    fn next_cell(&mut self) -> Result<Option<Located>, TableError> {
        if self.ended {
            return Ok(None);
        }
        let cell = (self.cells)()?;
        self.ended = cell.is_none();
        Ok(cell)
    }

    fn next_row(&mut self) -> Result<Option<SheetRow>, TableError> {
        loop {
            let first = match self.pending.take() {
                Some(cell) => cell,
                None => match self.next_cell()? {
                    Some(cell) => cell,
                    None => return Ok(None),
                },
            };
            let row = first.0;
            let mut cells = vec![(first.1, first.2)];
            while let Some(cell) = self.next_cell()? {
                if cell.0 != row {
                    self.pending = Some(cell);
                    break;
                }
                cells.push((cell.1, cell.2));
            }
            cells.retain(|(_, cell)| !cell.is_empty());
            if !cells.is_empty() {
                cells.sort_by_key(|(col, _)| *col);
                return Ok(Some((row, cells)));
            }
        }
    }
}

/// Days from the 1900 date system's epoch to the 1904 system's.
const DAYS_1900_TO_1904: f64 = 1462.0;

fn convert(value: &DataRef<'_>) -> Cell {
    let typed = |text: String, typed: Typed| Cell { text: text.trim().to_string(), typed: Some(typed) };
    match value {
        DataRef::Empty => Cell { text: String::new(), typed: None },
        DataRef::String(s) => typed(s.clone(), Typed::Text),
        DataRef::SharedString(s) => typed(s.to_string(), Typed::Text),
        // Strict OOXML's ISO cells: the text says it all.
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => typed(s.clone(), Typed::Text),
        DataRef::Float(f) => typed(number_text(*f), Typed::Number(*f)),
        DataRef::Int(i) => typed(i.to_string(), Typed::Number(*i as f64)),
        DataRef::Bool(b) => typed(if *b { "TRUE" } else { "FALSE" }.into(), Typed::Bool(*b)),
        DataRef::Error(e) => typed(e.to_string(), Typed::Error(e.to_string())),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let serial = dt.as_f64() + if is_1904(dt) { DAYS_1900_TO_1904 } else { 0.0 };
            let text = match excel_serial_local(serial) {
                Ok(t) if t.and_utc().timestamp_subsec_millis() == 0 => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                Ok(t) => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
                Err(_) => number_text(serial),
            };
            typed(text, Typed::DateTime { serial })
        }
        // A duration (`[h]:mm`): its number of days.
        DataRef::DateTime(dt) => typed(number_text(dt.as_f64()), Typed::Number(dt.as_f64())),
    }
}

/// Whether a date cell's workbook counts from 1904 (old Mac Excel). calamine keeps the flag private but
/// compares it, so an otherwise equal value with the flag set tells.
fn is_1904(dt: &ExcelDateTime) -> bool {
    *dt == ExcelDateTime::new(dt.as_f64(), ExcelDateTimeType::DateTime, true)
}

/// A number as Excel shows it in General format, to 15 significant digits: 0.1 + 0.2 reads `0.3`.
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded == 0.0 { "0".into() } else { rounded.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(0.01), "0.01");
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(3.0), "3");
    }

    #[test]
    fn a_1904_date_cell_is_moved_to_the_1900_system() {
        let dt = ExcelDateTime::new(44884.0, ExcelDateTimeType::DateTime, true);
        let cell = convert(&DataRef::DateTime(dt));
        assert_eq!(cell.typed, Some(Typed::DateTime { serial: 44884.0 + DAYS_1900_TO_1904 }));
        assert_eq!(cell.text, "2026-11-20 00:00:00");
        let dt = ExcelDateTime::new(46346.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(convert(&DataRef::DateTime(dt)).text, "2026-11-20 00:00:00");
    }
}
