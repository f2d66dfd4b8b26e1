//! The reader on whole files, built in each test: CSV in UTF-8, GBK and with other delimiters, XLSX by
//! rust_xlsxwriter.

use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rust_xlsxwriter::{ExcelDateTime as WriterDateTime, Format, Workbook};

use super::*;

fn csv(bytes: impl Into<Vec<u8>>) -> Result<Table, TableError> {
    Table::from_reader(Cursor::new(bytes.into()), Kind::Csv, None)
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "the test text is GBK");
    bytes.into_owned()
}

fn all_rows(table: &mut Table) -> Vec<Row> {
    table.rows().collect::<Result<Vec<_>, _>>().expect("rows")
}

fn texts(row: &Row) -> Vec<&str> {
    row.cells.iter().map(Cell::as_str).collect()
}

fn lines(rows: &[Row]) -> Vec<u64> {
    rows.iter()
        .map(|r| match r.position {
            Position::Line(l) => l,
            Position::Row { .. } => panic!("a CSV row"),
        })
        .collect()
}

#[test]
fn utf8_csv_with_and_without_bom_reads_the_same() {
    for bom in ["", "\u{feff}"] {
        let mut table = csv(format!("{bom}断面,氨氮\nS1, 0.52 \nS2,<0.025\n")).expect("opens");
        assert_eq!(table.kind(), Kind::Csv);
        assert_eq!(table.header().names, ["断面", "氨氮"]);
        assert_eq!(table.header().position, Position::Line(1));
        let rows = all_rows(&mut table);
        assert_eq!(rows.iter().map(texts).collect::<Vec<_>>(), [["S1", "0.52"], ["S2", "<0.025"]]);
        assert_eq!(lines(&rows), [2, 3]);
        assert_eq!(rows[1].cells[1].measured(), Ok(Measured::BelowDetection { limit: Some(0.025) }));
    }
}

#[test]
fn gbk_csv_with_chinese_headers_is_decoded() {
    let text = "断面编码,采样时间,化学需氧量\r\nJX0001,2026/11/20 8:00,15\r\nJX0002,2026年11月20日 9时,0.01L\r\n";
    let mut table = csv(gbk(text)).expect("opens");
    assert_eq!(table.header().names, ["断面编码", "采样时间", "化学需氧量"]);
    let rows = all_rows(&mut table);
    assert_eq!(texts(&rows[1]), ["JX0002", "2026年11月20日 9时", "0.01L"]);
    assert_eq!(rows[0].cells[1].time(), parse_time("2026-11-20T08:00:00+08:00"));
    assert_eq!(rows[1].cells[2].measured(), Ok(Measured::BelowDetection { limit: Some(0.01) }));
}

#[test]
fn semicolon_and_tab_delimiters_are_told_from_the_header() {
    let mut table = csv("断面;值\nS1;1,5\n").expect("opens");
    assert_eq!(table.header().names, ["断面", "值"]);
    assert_eq!(texts(&all_rows(&mut table)[0]), ["S1", "1,5"]);
    let mut table = csv("断面\t值\nS1\t2\n").expect("opens");
    assert_eq!(texts(&all_rows(&mut table)[0]), ["S1", "2"]);
    let mut table = csv("sep=;\n断面;值\nS1;3\n").expect("opens");
    assert_eq!(table.header().position, Position::Line(2));
    assert_eq!(texts(&all_rows(&mut table)[0]), ["S1", "3"]);
}

#[test]
fn crlf_lines_are_counted_as_lines() {
    let mut table = csv("断面,值\r\nS1,\"1\"\r\n\r\nS2,2\r\n").expect("opens");
    let rows = all_rows(&mut table);
    assert_eq!(rows.iter().map(texts).collect::<Vec<_>>(), [["S1", "1"], ["S2", "2"]]);
    assert_eq!(lines(&rows), [2, 4]);
}

#[test]
fn classic_mac_line_ends_are_lines_too() {
    let mut table = csv("断面;值\rS1;1\rS2;2\r").expect("opens");
    assert_eq!(table.header().names, ["断面", "值"]);
    assert_eq!(lines(&all_rows(&mut table)), [2, 3]);
}

#[test]
fn a_quoted_multi_line_cell_keeps_the_line_numbers_right() {
    let mut table = csv("断面,备注\nS1,\"第一行\n第二行\n第三行\"\nS2,ok\n\n,\nS3,\n").expect("opens");
    let rows = all_rows(&mut table);
    assert_eq!(rows[0].cells[1].as_str(), "第一行\n第二行\n第三行");
    assert_eq!(lines(&rows), [2, 5, 8], "blank rows are skipped and lines still count");
}

#[test]
fn a_row_with_more_cells_than_the_header_is_an_error_naming_it() {
    let mut table = csv("断面,值\nS1,1\nS2,2,3\nS3,3,,\nS4,4\n").expect("opens");
    let results: Vec<_> = table.rows().collect();
    assert_eq!(results.len(), 4, "reading goes on after a bad row");
    let e = results[1].as_ref().expect_err("too many");
    assert!(matches!(e, TableError::TooManyCells { position: Position::Line(3), found: 3, columns: 2 }));
    assert_eq!(e.to_string(), "line 3: the row has 3 cells, but the header has 2 columns");
    assert_eq!(e.zh(), "第 3 行：该行有 3 个单元格，而表头只有 2 列");
    assert_eq!(texts(results[2].as_ref().expect("empty padding is fine")), ["S3", "3"]);
}

#[test]
fn short_rows_are_padded_with_blank_cells() {
    let mut table = csv("断面,值,备注\nS1\n").expect("opens");
    assert_eq!(texts(&all_rows(&mut table)[0]), ["S1", "", ""]);
}

#[test]
fn a_file_neither_utf8_nor_gbk_is_refused_naming_the_line() {
    let mut table = csv(b"a,b\n1,2\n3,\xFF\xFE\xFD\n".to_vec()).expect("the header is ASCII");
    let results: Vec<_> = table.rows().collect();
    let e = results.last().expect("an item").as_ref().expect_err("refused");
    assert!(matches!(e, TableError::Encoding { line: 3, problem: EncodingProblem::NotGbk }), "{e:?}");
    assert!(e.to_string().starts_with("line 3: the text is neither UTF-8 nor GBK"));
    assert!(table.rows().next().is_none(), "nothing after a file error");
    let e = csv(b"\xFF\xFF\xFF,b\n".to_vec()).err().expect("refused at the header");
    assert!(matches!(e, TableError::Encoding { line: 1, .. }), "{e:?}");
}

#[test]
fn an_empty_file_has_no_header() {
    for bytes in ["", "\u{feff}", "\n\n", " , \n"] {
        let e = csv(bytes).err().expect("empty");
        assert!(matches!(e, TableError::Empty), "{bytes:?}: {e:?}");
        assert_eq!(e.zh(), "文件为空：没有表头行");
    }
}

#[test]
fn a_header_only_file_has_no_rows() {
    let mut table = csv("断面,值\n").expect("opens");
    assert_eq!(table.header().names, ["断面", "值"]);
    assert!(table.rows().next().is_none());
}

#[test]
fn old_xls_and_not_really_xlsx_files_are_refused() {
    let mut xls = CFB_MAGIC.to_vec();
    xls.extend_from_slice(&[0; 100]);
    assert!(matches!(csv(xls), Err(TableError::LegacyXls)));
    let e = Table::from_reader(Cursor::new(b"a,b\n".to_vec()), Kind::Xlsx, None).err().expect("refused");
    assert!(matches!(e, TableError::NotXlsx));
    let e = Table::from_csv(Cursor::new(workbook(|_| {}))).err().expect("refused");
    assert!(matches!(e, TableError::NotCsv));
}

#[test]
fn open_reads_a_file_by_its_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    let named_csv = dir.path().join("readings.csv");
    std::fs::write(&named_csv, workbook(|_| {})).expect("write");
    let table = Table::open(&named_csv, None).expect("an XLSX named .csv");
    assert_eq!(table.kind(), Kind::Xlsx);
    let named_xlsx = dir.path().join("readings.xlsx");
    std::fs::write(&named_xlsx, "断面\nS1\n").expect("write");
    assert!(matches!(Table::open(&named_xlsx, None), Err(TableError::NotXlsx)));
    assert!(matches!(Table::open(&dir.path().join("none.csv"), None), Err(TableError::Io(_))));
}

/// A workbook of two sheets, "断面" and "监测数据" (its header on row 2), and whatever `extra` adds.
fn workbook(extra: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut book = Workbook::new();
    let first = book.add_worksheet();
    first.set_name("断面").expect("name");
    first.write(0, 0, "断面编码").expect("write");
    first.write(0, 1, "名称").expect("write");
    first.write(1, 0, "JX0001").expect("write");
    first.write(1, 1, "赣江南昌段").expect("write");
    first.write(3, 0, "JX0002").expect("write");
    first.write(3, 1, "抚河").expect("write");
    let second = book.add_worksheet();
    second.set_name("监测数据").expect("name");
    // The header on row 2, under a title-less blank row.
    second.write(1, 0, "断面").expect("write");
    second.write(1, 1, "采样时间").expect("write");
    second.write(1, 2, "氨氮").expect("write");
    second.write(1, 3, "备注").expect("write");
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let when = WriterDateTime::parse_from_str("2026-11-20 08:00:00").expect("date");
    second.write(2, 0, "JX0001").expect("write");
    second.write_datetime_with_format(2, 1, &when, &date).expect("write");
    second.write(2, 2, 0.52).expect("write");
    second.write(3, 0, "JX0002").expect("write");
    second.write(3, 1, "2026/11/20 9:00").expect("write");
    second.write(3, 2, "0.010").expect("write");
    second.write(4, 0, "JX0003").expect("write");
    second.write(4, 1, 46346.375).expect("write");
    second.write(4, 2, "ND").expect("write");
    second.write(4, 3, true).expect("write");
    extra(&mut book);
    book.save_to_buffer().expect("xlsx")
}

fn xlsx(sheet: Option<&str>) -> Result<Table, TableError> {
    Table::from_reader(Cursor::new(workbook(|_| {})), Kind::Xlsx, sheet)
}

#[test]
fn xlsx_reads_the_first_sheet_by_default() {
    let mut table = xlsx(None).expect("opens");
    assert_eq!((table.kind(), table.sheet()), (Kind::Xlsx, Some("断面")));
    assert_eq!(table.sheet_names(), ["断面", "监测数据"]);
    assert_eq!(table.header().names, ["断面编码", "名称"]);
    let rows = all_rows(&mut table);
    assert_eq!(rows.iter().map(texts).collect::<Vec<_>>(), [["JX0001", "赣江南昌段"], ["JX0002", "抚河"]]);
    assert_eq!(rows[1].position, Position::Row { sheet: "断面".into(), row: 4 }, "Excel's row number");
    assert_eq!(rows[1].position.to_string(), "sheet \"断面\", row 4");
    assert_eq!(all_rows(&mut table).len(), 2, "XLSX rows start again");
}

#[test]
fn xlsx_reads_the_named_sheet_with_typed_cells() {
    let mut table = xlsx(Some("监测数据")).expect("opens");
    assert_eq!(table.header().position, Position::Row { sheet: "监测数据".into(), row: 2 });
    assert_eq!(table.header().names, ["断面", "采样时间", "氨氮", "备注"]);
    let rows = all_rows(&mut table);
    let (r3, r4, r5) = (&rows[0], &rows[1], &rows[2]);
    // A date cell, a text date, and a plain number that is a serial.
    let at = |h| parse_time(&format!("2026-11-20 {h}"));
    assert!(matches!(r3.cells[1].typed, Some(Typed::DateTime { .. })), "{:?}", r3.cells[1]);
    assert_eq!(r3.cells[1].as_str(), "2026-11-20 08:00:00");
    assert_eq!(r3.cells[1].time(), at("08:00"));
    assert_eq!(r4.cells[1].typed, Some(Typed::Text));
    assert_eq!(r4.cells[1].time(), at("09:00"));
    assert_eq!(r5.cells[1].time(), at("09:00"));
    // The number 0.52 and the text 0.010 are told apart; both read as numbers.
    assert_eq!(r3.cells[2].typed, Some(Typed::Number(0.52)));
    assert_eq!((r4.cells[2].as_str(), &r4.cells[2].typed), ("0.010", &Some(Typed::Text)));
    assert_eq!(r4.cells[2].number(), Ok(0.01));
    assert_eq!(r5.cells[2].measured(), Ok(Measured::BelowDetection { limit: None }));
    assert_eq!((r5.cells[3].as_str(), &r5.cells[3].typed), ("TRUE", &Some(Typed::Bool(true))));
    assert!(r3.cells[3].is_empty());
}

#[test]
fn a_sheet_is_found_ignoring_case_and_width() {
    let table = Table::from_reader(
        Cursor::new(workbook(|b| {
            b.add_worksheet().set_name("Sheet 2").expect("name");
        })),
        Kind::Xlsx,
        Some("sheet2"),
    );
    assert!(matches!(table.err(), Some(TableError::Empty)), "found and empty");
}

#[test]
fn a_missing_sheet_lists_the_sheets_there_are() {
    let e = xlsx(Some("水质")).err().expect("missing");
    assert_eq!(e.to_string(), "the workbook has no sheet named \"水质\"; its sheets are \"断面\", \"监测数据\"");
    assert_eq!(e.zh(), "工作簿中没有名为“水质”的工作表；现有工作表：“断面”、“监测数据”");
}

#[test]
fn an_xlsx_row_beyond_the_header_names_the_row() {
    let bytes = workbook(|b| {
        let s = b.add_worksheet();
        s.set_name("宽").expect("name");
        s.write(0, 0, "a").expect("write");
        s.write(0, 1, "b").expect("write");
        s.write(1, 0, "1").expect("write");
        s.write(1, 3, "x").expect("write");
        s.write(2, 0, "2").expect("write");
    });
    let mut table = Table::from_reader(Cursor::new(bytes), Kind::Xlsx, Some("宽")).expect("opens");
    let results: Vec<_> = table.rows().collect();
    let e = results[0].as_ref().expect_err("too wide");
    assert_eq!(e.to_string(), "sheet \"宽\", row 2: the row has 4 cells, but the header has 2 columns");
    assert_eq!(texts(results[1].as_ref().expect("next row")), ["2", ""]);
}

#[test]
fn a_cell_error_names_the_cell_reference() {
    let mut table = xlsx(Some("监测数据")).expect("opens");
    let specs = [
        ColumnSpec { field: "section", aliases: &["断面"], required: true },
        ColumnSpec { field: "note", aliases: &["备注"], required: false },
    ];
    let columns = Columns::map(table.header(), &specs).expect("mapped");
    assert_eq!(columns.unknown(), ["采样时间", "氨氮"]);
    let row = table.rows().nth(2).expect("row 5").expect("readable");
    let e = columns.require(&row, "note", Cell::number).expect_err("TRUE is no number");
    assert_eq!(e.to_string(), "sheet \"监测数据\", cell D5 (column \"备注\"): 'TRUE' is not a number");
    assert_eq!(e.zh(), "工作表“监测数据” D5 单元格（“备注”列）：“TRUE”不是数字");
}

#[test]
fn full_width_digits_are_read_from_cells() {
    let mut table = csv("断面,值\nS1,１．６２\nS2,＜０．０１\n").expect("opens");
    let rows = all_rows(&mut table);
    assert_eq!(rows[0].cells[1].number(), Ok(1.62));
    assert_eq!(rows[1].cells[1].measured(), Ok(Measured::BelowDetection { limit: Some(0.01) }));
}

#[test]
fn number_cells_are_only_serial_dates_in_the_years_taken() {
    let cell = |n: f64| Cell { text: n.to_string(), typed: Some(Typed::Number(n)) };
    assert!(cell(46346.5).time_until(2027).is_ok());
    assert_eq!(cell(20261120.0).time_until(2027), time::parse_time_until("2026-11-20", 2027));
    assert!(matches!(cell(2026.0).time_until(2027), Err(ValueError::NotATime(_))));
    let error = Cell { text: "#N/A".into(), typed: Some(Typed::Error("#N/A".into())) };
    assert!(matches!(error.number(), Err(ValueError::SpreadsheetError(_))));
}

/// Counts the bytes read from the file, to see that the reader streams.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn a_200000_row_gbk_csv_is_read_as_a_stream() {
    const ROWS: u64 = 200_000;
    let mut file = tempfile::tempfile().expect("temp file");
    {
        let mut out = std::io::BufWriter::new(&mut file);
        out.write_all(&gbk("断面编码,采样时间,氨氮,备注\r\n")).expect("write");
        for i in 0..ROWS {
            let line = format!("JX{i:06},2026-11-20 08:00,{}.{:02},赣江南昌段第{i}次\r\n", i % 7, i % 100);
            out.write_all(&gbk(&line)).expect("write");
        }
        out.flush().expect("flush");
    }
    let size = file.seek(SeekFrom::End(0)).expect("size");
    file.seek(SeekFrom::Start(0)).expect("rewind");
    let read = Arc::new(AtomicU64::new(0));
    let mut table = Table::from_reader(Counting { inner: file, read: read.clone() }, Kind::Csv, None).expect("opens");
    assert_eq!(table.header().names, ["断面编码", "采样时间", "氨氮", "备注"]);
    let (mut count, mut last) = (0u64, None);
    let mut rows = table.rows();
    let first = rows.next().expect("a row").expect("readable");
    assert_eq!(first.cells[3].as_str(), "赣江南昌段第0次");
    let read_for_first = read.load(Ordering::Relaxed);
    // Two buffers' worth at most: the encoding window and the CSV reader's.
    assert!(read_for_first <= 2 * encoding::BUFFER as u64, "{read_for_first} bytes read for one row");
    count += 1;
    for row in rows {
        let row = row.expect("readable");
        count += 1;
        if count == ROWS / 2 {
            let so_far = read.load(Ordering::Relaxed);
            assert!(so_far < size * 2 / 3, "{so_far} of {size} bytes read at the middle row");
        }
        last = Some(row);
    }
    assert_eq!(count, ROWS);
    let last = last.expect("rows");
    assert_eq!(last.position, Position::Line(ROWS + 1));
    assert_eq!(last.cells[0].as_str(), format!("JX{:06}", ROWS - 1));
    // Every byte once, and the first 8 again after telling the format by them.
    assert_eq!(read.load(Ordering::Relaxed), size + 8);
}

#[test]
fn the_text_stream_holds_fixed_buffers_whatever_the_file() {
    let text = gbk(&"断面,值\n".repeat(100_000));
    let mut stream = encoding::Utf8Stream::new(Cursor::new(text));
    let mut sink = [0u8; 8192];
    let mut held = 0;
    while stream.read(&mut sink).expect("decodes") > 0 {
        held = held.max(stream.held());
    }
    assert!(held <= 3 * encoding::BUFFER, "{held} bytes held");
}

#[test]
fn a_table_can_move_to_a_blocking_thread() {
    fn send<T: Send>() {}
    send::<Table>();
}
