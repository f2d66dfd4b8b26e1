//! What went wrong reading a table, and where: the line, or the sheet, row and cell, and the column, in
//! Chinese and English. Input is quoted at most [`QUOTE_LIMIT`] characters at a time.

use std::fmt;
use std::sync::Arc;

/// At most this many characters of input appear in any message.
pub const QUOTE_LIMIT: usize = 64;

/// A piece of input quoted in a message: cut to [`QUOTE_LIMIT`] characters (with `…`), control characters
/// shown as spaces so that a message stays on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet(String);

impl Snippet {
    pub fn new(text: &str) -> Self {
        let mut quoted: String = text.chars().take(QUOTE_LIMIT).map(|c| if c.is_control() { ' ' } else { c }).collect();
        if text.chars().nth(QUOTE_LIMIT).is_some() {
            quoted.push('…');
        }
        Snippet(quoted)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a row is, as the person who keeps the file would find it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Position {
    /// The 1-based physical line of a CSV file where the row starts (a quoted cell may span lines).
    Line(u64),
    /// A worksheet row, numbered as Excel shows it (1-based).
    Row { sheet: Arc<str>, row: u32 },
}

impl Position {
    pub fn zh(&self) -> String {
        match self {
            Position::Line(line) => format!("第 {line} 行"),
            Position::Row { sheet, row } => format!("工作表“{}”第 {row} 行", Snippet::new(sheet)),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(line) => write!(f, "line {line}"),
            Position::Row { sheet, row } => write!(f, "sheet \"{}\", row {row}", Snippet::new(sheet)),
        }
    }
}

/// The spreadsheet name of a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.iter().rev().map(|&b| b as char).collect()
}

/// A problem with a cell, a row, a header or a sheet, placed as the person who keeps the file would find
/// it. `code` is stable, for programs; each import lists its codes (the registry's in [`super::registry`], the
/// readings' in [`super::readings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The file, when it is not told by the place alone: a CSV file's name, or the workbook's path when
    /// several files are read.
    pub file: Option<String>,
    pub place: Place,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl RowProblem {
    /// The problem in Chinese, with its place.
    pub fn zh(&self) -> String {
        match &self.file {
            Some(file) => format!("{}：{}：{}", Snippet::new(file), self.place.zh(), self.zh),
            None => format!("{}：{}", self.place.zh(), self.zh),
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}, ", Snippet::new(file))?;
        }
        write!(f, "{}: {}", self.place, self.en)
    }
}

/// A column of the header: its 0-based index and its name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub name: String,
}

/// A cell's place: the row's position and, when known, the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub position: Position,
    pub column: Option<Column>,
}

impl Place {
    pub fn zh(&self) -> String {
        match (&self.position, &self.column) {
            (position, None) => position.zh(),
            (Position::Line(line), Some(c)) => format!("第 {line} 行“{}”列", Snippet::new(&c.name)),
            (Position::Row { sheet, row }, Some(c)) => format!(
                "工作表“{}” {}{row} 单元格（“{}”列）",
                Snippet::new(sheet),
                column_letters(c.index),
                Snippet::new(&c.name)
            ),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.position, &self.column) {
            (position, None) => write!(f, "{position}"),
            (Position::Line(line), Some(c)) => write!(f, "line {line}, column \"{}\"", Snippet::new(&c.name)),
            (Position::Row { sheet, row }, Some(c)) => write!(
                f,
                "sheet \"{}\", cell {}{row} (column \"{}\")",
                Snippet::new(sheet),
                column_letters(c.index),
                Snippet::new(&c.name)
            ),
        }
    }
}

/// Why a cell's text is not the value wanted. Each carries the input, already cut to a [`Snippet`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("the cell is empty")]
    Empty,
    #[error("'{0}' is not a number")]
    NotANumber(Snippet),
    #[error("'{0}': thousands separators must split the digits in threes, as in 1,234.5 (no decimal comma)")]
    Grouping(Snippet),
    #[error("'{0}' is not a finite number")]
    NotFinite(Snippet),
    #[error("'{0}': a detection limit must be a number greater than zero")]
    BadLimit(Snippet),
    #[error("'{0}' is not a date and time (write it as 2026-11-20 08:00)")]
    NotATime(Snippet),
    #[error("'{0}' is not a valid date or time of day")]
    NoSuchTime(Snippet),
    #[error("'{0}': leap seconds (:60) are not accepted")]
    LeapSecond(Snippet),
    #[error("'{input}': the year {year} is outside 1980–{latest}")]
    YearOutOfRange { input: Snippet, year: i32, latest: i32 },
    #[error("'{0}' is a time of day without a date")]
    NoDate(Snippet),
    #[error("'{0}' did not exist on Beijing clocks (summer time was kept 1986–1991)")]
    ClockGap(Snippet),
    #[error("the cell holds the spreadsheet error {0}")]
    SpreadsheetError(Snippet),
}

impl ValueError {
    pub fn zh(&self) -> String {
        match self {
            ValueError::Empty => "单元格为空".into(),
            ValueError::NotANumber(s) => format!("“{s}”不是数字"),
            ValueError::Grouping(s) => format!("“{s}”：千位分隔符须三位一组，如 1,234.5（不接受逗号作小数点）"),
            ValueError::NotFinite(s) => format!("“{s}”不是有限的数值"),
            ValueError::BadLimit(s) => format!("“{s}”：检出限须为大于零的数"),
            ValueError::NotATime(s) => format!("“{s}”不是日期时间（请写作 2026-11-20 08:00）"),
            ValueError::NoSuchTime(s) => format!("“{s}”不是有效的日期或时刻"),
            ValueError::LeapSecond(s) => format!("“{s}”：不接受闰秒（:60）"),
            ValueError::YearOutOfRange { input, year, latest } => {
                format!("“{input}”：年份 {year} 不在 1980–{latest} 之间")
            }
            ValueError::NoDate(s) => format!("“{s}”只有时刻，没有日期"),
            ValueError::ClockGap(s) => format!("“{s}”在北京时间中不存在（1986–1991 年实行过夏令时）"),
            ValueError::SpreadsheetError(s) => format!("单元格是表格错误值 {s}"),
        }
    }
}

/// Why CSV bytes are not text this reader takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingProblem {
    /// The file began as UTF-8 and later is not.
    NotUtf8,
    /// Neither UTF-8 nor GBK: GBK decoding met bytes it cannot decode, or characters no GBK text holds.
    NotGbk,
    /// The file begins with a UTF-16 byte-order mark and later is not UTF-16.
    NotUtf16,
    /// A NUL byte: not a text file, or UTF-16 without its byte-order mark.
    Nul,
}

/// A required column the header lacks, with the names it may be written as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub field: &'static str,
    pub aliases: &'static [&'static str],
}

/// Anything that stops a table, a row or a cell from being read.
///
/// `Display` is English; [`TableError::zh`] gives the same in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("cannot read the file: {0}")]
    Io(std::io::Error),
    #[error("the file is empty: it has no header row")]
    Empty,
    #[error("the file is an Excel 97–2003 workbook (.xls); save it as .xlsx or CSV")]
    LegacyXls,
    #[error("the file is not an XLSX workbook (an XLSX file is a ZIP archive)")]
    NotXlsx,
    #[error("the file is an XLSX workbook, not CSV text")]
    NotCsv,
    #[error("line {line}: {}", encoding_en(*problem))]
    Encoding { line: u64, problem: EncodingProblem },
    #[error("line {line}: malformed CSV: {message}")]
    Csv { line: u64, message: Snippet },
    #[error("cannot read the XLSX workbook: {0}")]
    Xlsx(Snippet),
    #[error("the workbook has no worksheet")]
    NoSheet,
    #[error("the workbook has no sheet named \"{name}\"; its sheets are {}", list(available, "\"", "\"", ", "))]
    SheetNotFound { name: Snippet, available: Vec<Snippet> },
    #[error("{position}: the row has {found} cells, but the header has {columns} columns")]
    TooManyCells { position: Position, found: usize, columns: usize },
    #[error("header ({position}): missing required column{} {}; found {}",
        if missing.len() > 1 { "s" } else { "" }, missing_en(missing), list(found, "\"", "\"", ", "))]
    MissingColumns { position: Position, missing: Vec<Missing>, found: Vec<Snippet> },
    #[error("header ({position}): columns {} all give {field}; keep one", list(columns, "\"", "\"", ", "))]
    DuplicateColumn { position: Position, field: &'static str, columns: Vec<Snippet> },
    #[error("{place}: {problem}")]
    Value { place: Place, problem: ValueError },
}

/// I/O errors carry the encoding failures of the CSV text stream; those become [`TableError::Encoding`].
impl From<std::io::Error> for TableError {
    fn from(e: std::io::Error) -> Self {
        if let Some(failure) = e.get_ref().and_then(|inner| inner.downcast_ref::<EncodingFailure>()) {
            return TableError::Encoding { line: failure.line, problem: failure.problem };
        }
        TableError::Io(e)
    }
}

impl TableError {
    pub fn zh(&self) -> String {
        match self {
            TableError::Io(e) => format!("无法读取文件：{e}"),
            TableError::Empty => "文件为空：没有表头行".into(),
            TableError::LegacyXls => "这是 Excel 97–2003 工作簿（.xls），请另存为 .xlsx 或 CSV".into(),
            TableError::NotXlsx => "文件不是 XLSX 工作簿（XLSX 文件是 ZIP 压缩包）".into(),
            TableError::NotCsv => "这是 XLSX 工作簿，不是 CSV 文本".into(),
            TableError::Encoding { line, problem } => format!("第 {line} 行：{}", encoding_zh(*problem)),
            TableError::Csv { line, message } => format!("第 {line} 行：CSV 格式有误：{message}"),
            TableError::Xlsx(message) => format!("无法读取 XLSX 工作簿：{message}"),
            TableError::NoSheet => "工作簿中没有工作表".into(),
            TableError::SheetNotFound { name, available } => {
                format!("工作簿中没有名为“{name}”的工作表；现有工作表：{}", list(available, "“", "”", "、"))
            }
            TableError::TooManyCells { position, found, columns } => {
                format!("{}：该行有 {found} 个单元格，而表头只有 {columns} 列", position.zh())
            }
            TableError::MissingColumns { position, missing, found } => format!(
                "表头（{}）缺少必需的列：{}；现有列：{}",
                position.zh(),
                missing_zh(missing),
                list(found, "“", "”", "、")
            ),
            TableError::DuplicateColumn { position, field, columns } => {
                format!("表头（{}）中 {} 都对应 {field}，请只保留一列", position.zh(), list(columns, "“", "”", "、"))
            }
            TableError::Value { place, problem } => format!("{}：{}", place.zh(), problem.zh()),
        }
    }

    /// The place of a row or cell error, for callers that collect problems and go on.
    pub fn position(&self) -> Option<&Position> {
        match self {
            TableError::TooManyCells { position, .. }
            | TableError::MissingColumns { position, .. }
            | TableError::DuplicateColumn { position, .. } => Some(position),
            TableError::Value { place, .. } => Some(&place.position),
            _ => None,
        }
    }
}

/// The failure the CSV text stream hands through `std::io::Error` to reach [`TableError::Encoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EncodingFailure {
    pub line: u64,
    pub problem: EncodingProblem,
}

impl fmt::Display for EncodingFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, encoding_en(self.problem))
    }
}

impl std::error::Error for EncodingFailure {}

fn encoding_en(problem: EncodingProblem) -> &'static str {
    match problem {
        EncodingProblem::NotUtf8 => "not valid UTF-8, though the file begins as UTF-8",
        EncodingProblem::NotGbk => "the text is neither UTF-8 nor GBK; save the file as \"CSV UTF-8\"",
        EncodingProblem::NotUtf16 => "not valid UTF-16, though the file begins with a UTF-16 byte-order mark",
        EncodingProblem::Nul => {
            "a NUL byte: this is not a text file (UTF-16 text needs its byte-order mark); save it as \"CSV UTF-8\""
        }
    }
}

fn encoding_zh(problem: EncodingProblem) -> &'static str {
    match problem {
        EncodingProblem::NotUtf8 => "不是有效的 UTF-8 编码（文件开头是 UTF-8）",
        EncodingProblem::NotGbk => "文本既不是 UTF-8 也不是 GBK 编码；请另存为“CSV UTF-8”",
        EncodingProblem::NotUtf16 => "不是有效的 UTF-16 编码（文件开头有 UTF-16 字节顺序标记）",
        EncodingProblem::Nul => "含有 NUL 字节：这不是文本文件（UTF-16 文本须带字节顺序标记）；请另存为“CSV UTF-8”",
    }
}

/// At most this many names are listed in one message.
const LIST_LIMIT: usize = 30;

fn list(items: &[Snippet], open: &str, close: &str, separator: &str) -> String {
    if items.is_empty() {
        return "none".into();
    }
    let mut text =
        items.iter().take(LIST_LIMIT).map(|s| format!("{open}{s}{close}")).collect::<Vec<_>>().join(separator);
    if items.len() > LIST_LIMIT {
        text.push_str(&format!("{separator}… (+{})", items.len() - LIST_LIMIT));
    }
    text
}

fn missing_en(missing: &[Missing]) -> String {
    let one = |m: &Missing| format!("{} (written as {})", m.field, m.aliases.join(" / "));
    missing.iter().map(one).collect::<Vec<_>>().join(", ")
}

fn missing_zh(missing: &[Missing]) -> String {
    let one = |m: &Missing| format!("{}（列名可为 {}）", m.field, m.aliases.join("、"));
    missing.iter().map(one).collect::<Vec<_>>().join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_quotes_at_most_64_characters_on_one_line() {
        let long = "断".repeat(100);
        let s = Snippet::new(&long);
        assert_eq!(s.as_str().chars().count(), QUOTE_LIMIT + 1);
        assert!(s.as_str().ends_with('…'));
        assert_eq!(Snippet::new("a\nb").as_str(), "a b");
        assert_eq!(Snippet::new(&"x".repeat(64)).as_str(), "x".repeat(64));
    }

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        let names: Vec<String> = [0, 2, 25, 26, 27, 51, 52, 701, 702].iter().map(|&i| column_letters(i)).collect();
        assert_eq!(names, ["A", "C", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn a_cell_error_names_the_sheet_cell_and_column_in_both_languages() {
        let place = Place {
            position: Position::Row { sheet: "监测".into(), row: 7 },
            column: Some(Column { index: 2, name: "检测值".into() }),
        };
        let e = TableError::Value { place, problem: ValueError::NotANumber(Snippet::new("1.2.3")) };
        assert_eq!(e.to_string(), "sheet \"监测\", cell C7 (column \"检测值\"): '1.2.3' is not a number");
        assert_eq!(e.zh(), "工作表“监测” C7 单元格（“检测值”列）：“1.2.3”不是数字");
    }

    #[test]
    fn a_csv_cell_error_names_the_line_and_column() {
        let place = Place { position: Position::Line(12), column: Some(Column { index: 0, name: "断面".into() }) };
        let e = TableError::Value { place, problem: ValueError::Empty };
        assert_eq!(e.to_string(), "line 12, column \"断面\": the cell is empty");
        assert_eq!(e.zh(), "第 12 行“断面”列：单元格为空");
    }

    #[test]
    fn long_lists_are_cut() {
        let names: Vec<Snippet> = (0..40).map(|i| Snippet::new(&format!("c{i}"))).collect();
        let text = list(&names, "\"", "\"", ", ");
        assert!(text.ends_with("… (+10)"), "{text}");
        assert!(!text.contains("c30"));
    }

    #[test]
    fn encoding_failures_come_back_out_of_io_errors() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            EncodingFailure { line: 3, problem: EncodingProblem::NotGbk },
        );
        let e = TableError::from(io);
        assert!(matches!(e, TableError::Encoding { line: 3, problem: EncodingProblem::NotGbk }));
        assert!(e.zh().starts_with("第 3 行："));
    }
}
