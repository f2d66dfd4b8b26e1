//! Readings from a bureau's spreadsheets and lab exports: one row per reading (section, item, time, value),
//! read into the [`ReadingInput`] every edge gives `models::readings::Writer`, each row keeping its place so
//! that every problem, the cell's own or one the writer finds later (an unknown section, a unit that does
//! not fit), is named at its line or cell and column.
//!
//! | field | names it may be written under (* required) |
//! |---|---|
//! | section* | 断面编码 断面代码 断面编号 断面 监测断面 section section_code |
//! | parameter* | 监测项目 项目 指标 监测指标 项目代码 监测因子 parameter item |
//! | sampled_at* | 采样时间 监测时间 时间 采样日期 监测日期 日期 sampled_at time |
//! | value* | 监测值 浓度 结果 数值 测定值 检测值 监测结果 检测结果 value result concentration |
//! | unit | 单位 计量单位 unit |
//! | flag | 标识 数据标记 数据标识 标记 flag |
//! | detection_limit | 检出限 方法检出限 detection_limit |
//! | kind | 数据类型 kind |
//! | origin | 来源 数据来源 origin source |
//! | method | 分析方法 方法 检测方法 监测方法 method |
//! | lab | 实验室 检测单位 监测单位 检测机构 lab |
//! | below_detection | 低于检出限 below_detection |
//!
//! Names are compared ignoring case, spaces and full-width forms. A few columns such sheets carry beside
//! the readings are let be ([`IGNORED`]: 序号, 断面名称, 河流, 备注, …, and the columns of a rejects file);
//! any other column is a problem, so that a misspelt 单位 is never skipped and a µg/L value never read as
//! mg/L.
//!
//! Values: a number (an XLSX number cell is taken as stored), `<0.01` or `0.01L` (below the detection limit
//! 0.01), `ND` / `未检出` (below the limit in the 检出限 column, which must then be given). Items: a key
//! (`nh3n`), an HJ 212 code (`w21003`), or the Chinese name or symbol (`氨氮`, `氨氮（以N计）`, `NH3-N`).
//! Times: date cells, Excel serials and the forms of [`Cell::time`]; without an offset, Beijing time.
//!
//! Problem codes ([`RowProblem::code`]) of the cells: `missing_value`, `invalid_time`, `not_a_number`,
//! `invalid_detection_limit`, `missing_detection_limit`, `invalid_boolean`, `spreadsheet_error`,
//! `too_many_cells`; of the header: `unknown_column`, `missing_column`, `duplicate_column`; and every code
//! of `ReadingInput::validate` and the writer (`unknown_section`, `unknown_parameter`, `negative_value`,
//! `out_of_range`, `unsupported_unit`, `time_in_future`, `invalid_flag`, `section_not_allowed`, …), placed
//! at the column of the field they name.

use chrono::SecondsFormat;
use models::domain::Problem;
use models::domain::gb3838::Parameter;
use models::domain::reading::{ReadingInput, ValueInput};

use super::error::{Column, Place, Position, RowProblem, Snippet, TableError, ValueError};
use super::forms::{Measured, fold_width};
use super::header::{ColumnSpec, Columns, Header, normalize_name};
use super::{Cell, Row, Typed};

const fn spec(field: &'static str, aliases: &'static [&'static str], required: bool) -> ColumnSpec {
    ColumnSpec { field, aliases, required }
}

/// The columns read, by field of [`ReadingInput`]; each spec's first alias is the name shown in messages.
pub const COLUMNS: &[ColumnSpec] = &[
    spec(
        "section",
        &["断面编码", "断面代码", "断面编号", "断面", "监测断面", "section", "section_code", "section code"],
        true,
    ),
    spec("parameter", &["监测项目", "项目", "指标", "监测指标", "项目代码", "监测因子", "parameter", "item"], true),
    spec(
        "sampled_at",
        &["采样时间", "监测时间", "时间", "采样日期", "监测日期", "日期", "sampled_at", "sampled at", "time"],
        true,
    ),
    spec(
        "value",
        &[
            "监测值",
            "浓度",
            "结果",
            "数值",
            "测定值",
            "检测值",
            "监测结果",
            "检测结果",
            "value",
            "result",
            "concentration",
        ],
        true,
    ),
    spec("unit", &["单位", "计量单位", "unit", "units"], false),
    spec("flag", &["标识", "数据标记", "数据标识", "标记", "flag"], false),
    spec("detection_limit", &["检出限", "方法检出限", "detection_limit", "detection limit"], false),
    spec("kind", &["数据类型", "kind", "data kind", "data_kind"], false),
    spec("origin", &["来源", "数据来源", "origin", "source"], false),
    spec("method", &["分析方法", "方法", "检测方法", "监测方法", "method"], false),
    spec("lab", &["实验室", "检测单位", "监测单位", "检测机构", "lab", "laboratory"], false),
    spec("below_detection", &["低于检出限", "below_detection", "below detection"], false),
];

/// The columns a rejects file adds before the rows it gives back (see the import), so that a corrected
/// rejects file imports as it is.
pub const REJECT_COLUMNS: [&str; 5] = ["错误位置", "错误列", "错误代码", "错误说明", "error"];

/// Columns that readings sheets carry beside the readings and the import lets be.
pub const IGNORED: &[&str] = &[
    "序号",
    "断面名称",
    "名称",
    "河流",
    "河流名称",
    "水体",
    "水体名称",
    "所属水体",
    "所在区划",
    "区划",
    "行政区划",
    "项目名称",
    "监测项目名称",
    "指标名称",
    "水质类别",
    "类别",
    "备注",
    "说明",
    "no",
    "name",
    "section_name",
    "section name",
    "river",
    "note",
    "notes",
    "remark",
    "remarks",
    "错误位置",
    "错误列",
    "错误代码",
    "错误说明",
    "error",
];

/// How a file's header maps to the fields of a reading.
#[derive(Debug, Clone)]
pub struct ReadingColumns {
    columns: Columns,
    header: Header,
}

/// A row read: the input for the writer, with every field whose cell is wrong left out, and the problems
/// of its cells.
#[derive(Debug, Clone)]
pub struct ReadRow {
    pub input: ReadingInput,
    pub problems: Vec<RowProblem>,
    /// The fields whose cells had problems: the writer's complaints that they are missing are not news.
    bad_fields: Vec<&'static str>,
}

impl ReadRow {
    /// Whether a problem the writer found with this row adds to what its cells already told.
    pub fn adds(&self, problem: &Problem) -> bool {
        !self.bad_fields.contains(&problem.field)
    }
}

impl ReadingColumns {
    /// Maps a header to the fields; every problem of the header (unknown, missing, doubled columns) at once.
    pub fn map(header: &Header) -> Result<ReadingColumns, Vec<RowProblem>> {
        let mut problems = Vec::new();
        let place = |column: Option<Column>| Place { position: header.position.clone(), column };
        let known = |normal: &str| {
            COLUMNS.iter().any(|s| s.aliases.iter().any(|a| normalize_name(a) == normal))
                || IGNORED.iter().any(|a| normalize_name(a) == normal)
        };
        let taken = COLUMNS.iter().map(|s| s.aliases[0]);
        let (taken_zh, taken_en) = (taken.clone().collect::<Vec<_>>().join("、"), taken.collect::<Vec<_>>().join(", "));
        for (index, name) in header.names.iter().enumerate() {
            let normal = normalize_name(name);
            if normal.is_empty() || known(&normal) {
                continue;
            }
            let c = Snippet::new(name);
            problems.push(problem(
                place(Some(Column { index, name: name.clone() })),
                "unknown_column",
                format!("“{c}”不是监测数据表的列（若是单位或说明，请放入“单位”列或删去该列）；可用的列：{taken_zh}"),
                format!(
                    "\"{c}\" is not a column of a readings table (put a unit in the 单位 column, or delete the \
                     column); its columns are {taken_en}"
                ),
            ));
        }
        match Columns::map(header, COLUMNS) {
            Ok(columns) if problems.is_empty() => return Ok(ReadingColumns { columns, header: header.clone() }),
            Ok(_) => {}
            Err(TableError::MissingColumns { missing, .. }) => {
                for m in missing {
                    problems.push(problem(
                        place(None),
                        "missing_column",
                        format!("缺少必需的列 {}（列名可为 {}）", m.aliases[0], m.aliases.join("、")),
                        format!("the required column {} is missing (written as {})", m.field, m.aliases.join(" / ")),
                    ));
                }
            }
            Err(e) => problems.push(problem(place(None), "duplicate_column", e.zh(), e.to_string())),
        }
        Err(problems)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The place of a field's cell in the row at `position`; a detection limit written in the value (`<0.01`)
    /// is placed at the value's cell when there is no 检出限 column.
    pub fn place(&self, position: &Position, field: &str) -> Place {
        let field = match field {
            "detection_limit" | "below_detection" if self.columns.index(field).is_none() => "value",
            other => other,
        };
        let column = self.columns.index(field).map(|index| Column { index, name: self.header.names[index].clone() });
        Place { position: position.clone(), column }
    }

    /// A problem the writer found with the row at `position`, placed at its field's column.
    pub fn problem(&self, position: &Position, p: &Problem) -> RowProblem {
        problem(self.place(position, p.field), p.code, p.zh.clone(), p.en.clone())
    }

    /// Reads a row: each cell in its form (see the module documentation), each problem placed.
    pub fn read(&self, row: &Row) -> ReadRow {
        let mut read = Reading { columns: self, row, problems: Vec::new(), bad_fields: Vec::new() };
        let section = read.required("section", |c| Ok(c.text.clone()));
        let parameter = read.required("parameter", |c| Ok(parameter_text(&c.text)));
        let sampled_at = read.required("sampled_at", |c| {
            c.time()
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                .map_err(|e| CellProblem::value("invalid_time", &e))
        });
        let unit = read.optional("unit", |c| Ok(c.text.clone()));
        let flag = read.optional("flag", |c| Ok(c.text.clone()));
        let kind = read.optional("kind", |c| Ok(kind_text(&c.text)));
        let origin = read.optional("origin", |c| Ok(c.text.clone()));
        let method = read.optional("method", |c| Ok(c.text.clone()));
        let lab = read.optional("lab", |c| Ok(c.text.clone()));
        let below_flag = read.optional("below_detection", boolean);
        let limit_column = read.optional("detection_limit", detection_limit);
        let mut input = ReadingInput {
            section,
            parameter,
            sampled_at,
            value: None,
            unit,
            below_detection: below_flag,
            detection_limit: limit_column,
            flag,
            kind,
            origin,
            method,
            lab,
        };
        match read.columns.columns.cell(row, "value") {
            // Blank, but 低于检出限 with a 检出限: the limit is the value, as the JSON API takes it.
            None if below_flag == Some(true) && limit_column.is_some() => {}
            None if read.bad_fields.contains(&"detection_limit") => read.bad_fields.push("value"),
            None => read.fail("value", CellProblem::missing()),
            Some(cell) => match cell.measured() {
                Ok(Measured::Value(v)) => input.value = Some(ValueInput::Number(v)),
                Ok(Measured::BelowDetection { limit: Some(limit) }) => {
                    input.value = Some(ValueInput::Number(limit));
                    input.below_detection = Some(true);
                    input.detection_limit = Some(limit);
                }
                Ok(Measured::BelowDetection { limit: None }) => match limit_column {
                    Some(limit) => {
                        input.below_detection = Some(true);
                        input.detection_limit = Some(limit);
                    }
                    None if read.bad_fields.contains(&"detection_limit") => read.bad_fields.push("value"),
                    None => {
                        let s = Snippet::new(&cell.text);
                        read.fail(
                            "value",
                            CellProblem::new(
                                "missing_detection_limit",
                                format!("“{s}”表示未检出，须在“检出限”列填写检出限（或写作 <0.01、0.01L）"),
                                format!(
                                    "'{s}' means not detected: give the detection limit in a 检出限 \
                                     (detection_limit) column, or write the value as <0.01 or 0.01L"
                                ),
                            ),
                        );
                    }
                },
                Err(e @ ValueError::BadLimit(_)) => {
                    read.fail("value", CellProblem::value("invalid_detection_limit", &e))
                }
                Err(e) => read.fail("value", CellProblem::value("not_a_number", &e)),
            },
        }
        // In the order of the columns, as the person fixing the row reads it.
        read.problems.sort_by_key(|p| p.place.column.as_ref().map_or(usize::MAX, |c| c.index));
        ReadRow { input, problems: read.problems, bad_fields: read.bad_fields }
    }
}

fn problem(place: Place, code: &'static str, zh: String, en: String) -> RowProblem {
    RowProblem { file: None, place, code, zh, en }
}

/// A cell's problem before it is placed.
struct CellProblem {
    code: &'static str,
    zh: String,
    en: String,
}

impl CellProblem {
    fn new(code: &'static str, zh: String, en: String) -> Self {
        CellProblem { code, zh, en }
    }

    fn missing() -> Self {
        CellProblem::new(
            "missing_value",
            "单元格为空，此项必填".into(),
            "the cell is empty; a value is required".into(),
        )
    }

    /// A problem of the common cell forms; a spreadsheet error (`#N/A`) is one whatever the field.
    fn value(code: &'static str, e: &ValueError) -> Self {
        match e {
            ValueError::Empty => CellProblem::missing(),
            ValueError::SpreadsheetError(_) => CellProblem::new("spreadsheet_error", e.zh(), e.to_string()),
            _ => CellProblem::new(code, e.zh(), e.to_string()),
        }
    }
}

/// A row's cells being read: each problem recorded and placed, and reading goes on to the next field.
struct Reading<'a> {
    columns: &'a ReadingColumns,
    row: &'a Row,
    problems: Vec<RowProblem>,
    bad_fields: Vec<&'static str>,
}

impl Reading<'_> {
    fn fail(&mut self, field: &'static str, p: CellProblem) {
        self.bad_fields.push(field);
        self.problems.push(problem(self.columns.place(&self.row.position, field), p.code, p.zh, p.en));
    }

    fn read<T>(
        &mut self,
        field: &'static str,
        required: bool,
        parse: impl FnOnce(&Cell) -> Result<T, CellProblem>,
    ) -> Option<T> {
        let Some(cell) = self.columns.columns.cell(self.row, field) else {
            if required {
                self.fail(field, CellProblem::missing());
            }
            return None;
        };
        if let Some(Typed::Error(e)) = &cell.typed {
            self.fail(field, CellProblem::value("", &ValueError::SpreadsheetError(Snippet::new(e))));
            return None;
        }
        match parse(cell) {
            Ok(value) => Some(value),
            Err(p) => {
                self.fail(field, p);
                None
            }
        }
    }

    fn required<T>(&mut self, field: &'static str, parse: impl FnOnce(&Cell) -> Result<T, CellProblem>) -> Option<T> {
        self.read(field, true, parse)
    }

    fn optional<T>(&mut self, field: &'static str, parse: impl FnOnce(&Cell) -> Result<T, CellProblem>) -> Option<T> {
        self.read(field, false, parse)
    }
}

/// A detection limit: a number greater than zero.
fn detection_limit(cell: &Cell) -> Result<f64, CellProblem> {
    match cell.number() {
        Ok(limit) if limit > 0.0 => Ok(limit),
        Ok(_) => Err(CellProblem::value("invalid_detection_limit", &ValueError::BadLimit(Snippet::new(&cell.text)))),
        Err(e) => Err(CellProblem::value("invalid_detection_limit", &e)),
    }
}

/// Yes or no: 是/否, true/false, yes/no, 1/0, Y/N, or a boolean cell.
fn boolean(cell: &Cell) -> Result<bool, CellProblem> {
    if let Some(Typed::Bool(b)) = cell.typed {
        return Ok(b);
    }
    let folded = fold_width(&cell.text);
    match folded.trim().to_lowercase().as_str() {
        "是" | "true" | "yes" | "y" | "1" => Ok(true),
        "否" | "false" | "no" | "n" | "0" => Ok(false),
        _ => {
            let s = Snippet::new(&cell.text);
            Err(CellProblem::new(
                "invalid_boolean",
                format!("“{s}”不是“是”或“否”"),
                format!("'{s}' is not yes or no (write 是 or 否)"),
            ))
        }
    }
}

/// The item as the writer reads it: a key or HJ 212 code as written (a code keeps its default unit), else
/// the key of the item whose Chinese name, English name or symbol it is, with or without a note in
/// brackets (`总磷（以P计）`, `水温(℃)`). Anything else is passed on for the writer to refuse.
pub fn parameter_text(text: &str) -> String {
    if Parameter::parse(text).is_some() {
        return text.trim().to_string();
    }
    let named = |t: &str| {
        let normal = normalize_name(t);
        Parameter::all().find(|p| {
            let info = p.info();
            [info.name_zh, info.name_en, info.symbol].iter().any(|n| normalize_name(n) == normal)
                || normalize_name(info.name_zh).strip_suffix('值') == Some(normal.as_str())
        })
    };
    let folded = fold_width(text);
    let bare = folded.split('(').next().unwrap_or_default();
    match named(&folded).or_else(|| named(bare)) {
        Some(p) => p.key().to_string(),
        None => text.trim().to_string(),
    }
}

/// A data kind as the writer reads it: the code, or its Chinese word (样品 手工, 实时, 分钟, 小时, 日).
fn kind_text(text: &str) -> String {
    let t = text.trim();
    let code = match t {
        "样品" | "手工" | "人工" | "采样" | "手工监测" => "sample",
        "实时" | "实时数据" => "realtime",
        "分钟" | "分钟数据" => "minute",
        "小时" | "小时数据" | "小时均值" => "hour",
        "日" | "日数据" | "日均值" => "day",
        other => other,
    };
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Header {
        Header { position: Position::Line(1), names: names.iter().map(|s| s.to_string()).collect() }
    }

    fn row(line: u64, cells: &[&str]) -> Row {
        Row { position: Position::Line(line), cells: cells.iter().map(|c| Cell::from_text(c)).collect() }
    }

    fn number(n: f64) -> Cell {
        Cell { text: n.to_string(), typed: Some(Typed::Number(n)) }
    }

    fn codes(read: &ReadRow) -> Vec<&'static str> {
        read.problems.iter().map(|p| p.code).collect()
    }

    const CHINESE: &[&str] = &["断面编码", "监测项目", "采样时间", "监测值", "单位", "检出限"];

    #[test]
    fn chinese_and_english_headers_map_to_the_fields() {
        let c = ReadingColumns::map(&header(CHINESE)).expect("mapped");
        for (i, field) in ["section", "parameter", "sampled_at", "value", "unit", "detection_limit"].iter().enumerate()
        {
            assert_eq!(c.columns.index(field), Some(i), "{field}");
        }
        let c = ReadingColumns::map(&header(&[
            "Section",
            "Parameter",
            "Sampled At",
            "Value",
            "Unit",
            "Flag",
            "Source",
            "Method",
            "Lab",
        ]))
        .expect("mapped");
        assert_eq!((c.columns.index("origin"), c.columns.index("lab")), (Some(6), Some(8)));
        // Other spellings bureaus use, full-width and spaced.
        let c = ReadingColumns::map(&header(&["断面", "指标", "监测时间", "浓度", "数据标记", "数据来源", "检测单位"]))
            .expect("mapped");
        assert_eq!((c.columns.index("flag"), c.columns.index("origin")), (Some(4), Some(5)));
        assert!(ReadingColumns::map(&header(&["断 面 编 码", "项目", "时间", "结果"])).is_ok());
    }

    #[test]
    fn columns_beside_the_readings_are_let_be_and_any_other_is_named() {
        let c = ReadingColumns::map(&header(&["序号", "断面编码", "断面名称", "项目", "时间", "结果", "备注"]))
            .expect("the usual extra columns are let be");
        assert_eq!(c.columns.index("section"), Some(1));
        let problems = ReadingColumns::map(&header(&["断面编码", "项目", "时间", "结果（μg/L）", "天气"]))
            .expect_err("unknown columns");
        let found: Vec<(&str, Option<&str>)> =
            problems.iter().map(|p| (p.code, p.place.column.as_ref().map(|c| c.name.as_str()))).collect();
        assert_eq!(
            found,
            [("unknown_column", Some("结果（μg/L）")), ("unknown_column", Some("天气")), ("missing_column", None),]
        );
        assert!(problems[2].en.contains("value"), "{}", problems[2].en);
        assert_eq!(problems[0].place.to_string(), "line 1, column \"结果（μg/L）\"");
        let problems = ReadingColumns::map(&header(&["断面", "断面编码", "项目", "时间", "结果"])).expect_err("two");
        assert_eq!(problems.iter().map(|p| p.code).collect::<Vec<_>>(), ["duplicate_column"]);
    }

    #[test]
    fn a_plain_row_becomes_the_writers_input() {
        let c = ReadingColumns::map(&header(CHINESE)).expect("mapped");
        let read = c.read(&row(2, &["QYP-03", "氨氮", "2026/11/20 8:00", "1.62", "mg/L", ""]));
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let i = &read.input;
        assert_eq!((i.section.as_deref(), i.parameter.as_deref()), (Some("QYP-03"), Some("nh3n")));
        assert_eq!(i.sampled_at.as_deref(), Some("2026-11-20T00:00:00Z"), "Beijing time without an offset");
        assert_eq!(i.value, Some(ValueInput::Number(1.62)));
        assert_eq!((i.unit.as_deref(), i.below_detection, i.detection_limit), (Some("mg/L"), None, None));
    }

    #[test]
    fn below_detection_in_the_forms_labs_write() {
        let c = ReadingColumns::map(&header(CHINESE)).expect("mapped");
        for text in ["<0.01", "＜0.01", "0.01L"] {
            let read = c.read(&row(2, &["S", "tp", "2026-11-20 08:00", text, "", ""]));
            assert!(read.problems.is_empty(), "{text}: {:?}", read.problems);
            let i = &read.input;
            assert_eq!(
                (&i.value, i.below_detection, i.detection_limit),
                (&Some(ValueInput::Number(0.01)), Some(true), Some(0.01)),
                "{text}"
            );
        }
        // ND takes its limit from the 检出限 column.
        let read = c.read(&row(3, &["S", "tp", "2026-11-20 08:00", "ND", "", "0.01"]));
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!((&read.input.value, read.input.below_detection), (&None, Some(true)));
        assert_eq!(read.input.detection_limit, Some(0.01));
        // Without one it is an error at the value's cell.
        let read = c.read(&row(4, &["S", "tp", "2026-11-20 08:00", "未检出", "", ""]));
        assert_eq!(codes(&read), ["missing_detection_limit"]);
        assert_eq!(read.problems[0].place.to_string(), "line 4, column \"监测值\"");
        let no_limit_column = ReadingColumns::map(&header(&["断面", "项目", "时间", "结果"])).expect("mapped");
        let read = no_limit_column.read(&row(5, &["S", "tp", "2026-11-20 08:00", "ND"]));
        assert_eq!(codes(&read), ["missing_detection_limit"]);
        assert!(read.problems[0].zh.contains("检出限"), "{}", read.problems[0].zh);
        // A limit that is no positive number.
        let read = c.read(&row(6, &["S", "tp", "2026-11-20 08:00", "<0", "", ""]));
        assert_eq!(codes(&read), ["invalid_detection_limit"]);
        let read = c.read(&row(7, &["S", "tp", "2026-11-20 08:00", "ND", "", "-1"]));
        assert_eq!(codes(&read), ["invalid_detection_limit"]);
        assert_eq!(read.problems[0].place.column.as_ref().map(|c| c.name.as_str()), Some("检出限"));
        assert!(!read.adds(&Problem::missing("value")), "the missing value is the limit's fault, told already");
    }

    #[test]
    fn xlsx_cells_are_taken_as_stored() {
        let c = ReadingColumns::map(&header(&["断面编码", "监测项目", "采样时间", "监测值"])).expect("mapped");
        // 2026-11-20 08:00 as an Excel date serial, and a number cell that shows 0.010.
        let serial = 46346.0 + 8.0 / 24.0;
        let cells = vec![
            Cell::from_text("QYP-03"),
            Cell::from_text("w20111"),
            Cell { text: "2026-11-20 08:00:00".into(), typed: Some(Typed::DateTime { serial }) },
            number(0.01),
        ];
        let read = c.read(&Row { position: Position::Row { sheet: "监测数据".into(), row: 2 }, cells });
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.input.sampled_at.as_deref(), Some("2026-11-20T00:00:00Z"));
        assert_eq!(read.input.value, Some(ValueInput::Number(0.01)));
        assert_eq!(read.input.parameter.as_deref(), Some("w20111"), "a code is passed on: its unit is µg/L");
    }

    #[test]
    fn every_bad_cell_of_a_row_is_named_at_its_column() {
        let c = ReadingColumns::map(&header(&["断面编码", "监测项目", "采样时间", "监测值", "低于检出限"]))
            .expect("mapped");
        let read = c.read(&row(9, &["", "tp", "昨天", "1.2.3", "也许"]));
        let found: Vec<(&str, String)> = read.problems.iter().map(|p| (p.code, p.place.to_string())).collect();
        assert_eq!(
            found,
            [
                ("missing_value", "line 9, column \"断面编码\"".to_string()),
                ("invalid_time", "line 9, column \"采样时间\"".to_string()),
                ("not_a_number", "line 9, column \"监测值\"".to_string()),
                ("invalid_boolean", "line 9, column \"低于检出限\"".to_string()),
            ]
        );
        assert!(!read.adds(&Problem::missing("section")) && !read.adds(&Problem::missing("sampled_at")));
        // A spreadsheet error in any cell is named as one.
        let cells = vec![
            Cell::from_text("S"),
            Cell { text: "#N/A".into(), typed: Some(Typed::Error("#N/A".into())) },
            Cell::from_text("2026-11-20"),
            number(1.0),
            Cell::from_text(""),
        ];
        let read = c.read(&Row { position: Position::Row { sheet: "s".into(), row: 3 }, cells });
        assert_eq!(codes(&read), ["spreadsheet_error"]);
        assert_eq!(read.problems[0].place.to_string(), "sheet \"s\", cell B3 (column \"监测项目\")");
    }

    #[test]
    fn a_writers_problem_is_placed_at_the_column_of_its_field() {
        let c = ReadingColumns::map(&header(&["断面", "项目", "时间", "结果", "单位"])).expect("mapped");
        let at = Position::Row { sheet: "数据".into(), row: 12 };
        let p = Problem::new("unit", "unsupported_unit", "单位不符", "unit does not fit");
        assert_eq!(c.problem(&at, &p).place.to_string(), "sheet \"数据\", cell E12 (column \"单位\")");
        // A detection limit written in the value (<0.01) is the value's cell when there is no 检出限 column.
        let p = Problem::new("detection_limit", "invalid_detection_limit", "检出限", "limit");
        assert_eq!(c.problem(&at, &p).place.column.map(|c| c.name), Some("结果".to_string()));
        let p = Problem::new("kind", "invalid_kind", "类型", "kind");
        assert_eq!(c.problem(&at, &p).place.column, None, "no column for the field: the row");
    }

    #[test]
    fn items_are_read_by_key_code_chinese_name_or_symbol() {
        for (text, key) in [
            ("nh3n", "nh3n"),
            ("W21003", "W21003"),
            ("氨氮", "nh3n"),
            ("氨氮（以N计）", "nh3n"),
            ("总磷(以P计)", "tp"),
            ("NH3-N", "nh3n"),
            ("CODMn", "CODMn"),
            ("BOD5", "BOD5"),
            ("Cr(VI)", "cr6"),
            ("高锰酸盐指数", "codmn"),
            ("pH值", "ph"),
            ("pH", "pH"),
            ("水温(℃)", "temp"),
            ("溶解氧", "do"),
            ("粪大肠菌群", "fecal_coliform"),
            ("氨 氮", "nh3n"),
            ("铵", "铵"),
        ] {
            assert_eq!(parameter_text(text), key, "{text}");
        }
    }

    #[test]
    fn data_kinds_are_taken_in_chinese() {
        let c = ReadingColumns::map(&header(&["断面", "项目", "时间", "结果", "数据类型"])).expect("mapped");
        let read = c.read(&row(2, &["S", "do", "2026-11-20 08:00", "6", "小时均值"]));
        assert_eq!(read.input.kind.as_deref(), Some("hour"));
        let read = c.read(&row(2, &["S", "do", "2026-11-20 08:00", "6", "weekly"]));
        assert_eq!(read.input.kind.as_deref(), Some("weekly"), "left for the writer to refuse");
    }

    #[test]
    fn a_blank_value_below_detection_with_its_limit_is_the_limit() {
        let c =
            ReadingColumns::map(&header(&["断面", "项目", "时间", "结果", "低于检出限", "检出限"])).expect("mapped");
        let read = c.read(&row(2, &["S", "hg", "2026-11-20 08:00", "", "是", "0.00004"]));
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!((read.input.below_detection, read.input.detection_limit), (Some(true), Some(0.00004)));
        let read = c.read(&row(3, &["S", "hg", "2026-11-20 08:00", "", "否", ""]));
        assert_eq!(codes(&read), ["missing_value"]);
    }
}
