//! A bureau's registry spreadsheets, read into a [`Registry`] and written back out: one XLSX sheet, or one
//! CSV file, per [`Kind`] of row (行政区划, 水体, 河段, 监测断面, 年度目标, 河长, 河长任命).
//!
//! Reading checks every cell and collects every problem of every sheet and file, each placed at its line
//! or cell ([`RowProblem`]), so that a bureau fixes its file in one go. A column no kind has, or a sheet no
//! kind is named after, is a problem too: a misspelt name is not skipped silently. The same row given twice
//! is taken once; the same key given twice with different values is a problem naming both rows.
//!
//! Writing ([`write_xlsx`], [`write_csv`]) uses the Chinese headers and the canonical form of each value,
//! and reads back to the same registry.
//!
//! The columns each kind takes, by field, with the names it may be written under (the first is the
//! exported header):
//!
//! | kind | field: names (* required) |
//! |---|---|
//! | regions 行政区划 | code* 代码 区划代码 行政区划代码; name* 名称 区划名称; level* 级别 层级; parent 上级 上级代码 上级区划代码; retired 撤销 已撤销 |
//! | water_bodies 水体 | code* 编码 水体编码; name* 名称 水体名称; kind* 类型 水体类型; parent 上级河流 上级水体; regions 流经区划 所在区划; description 说明 备注; retired 撤销 已撤销 |
//! | reaches 河段 | code* 编码 河段编码; name* 名称 河段名称; water_body* 水体 水体编码 所属水体; region* 区划 区划代码 所在区划; description 说明 备注; retired 撤销 已撤销 |
//! | sections 监测断面 | code* 编码 断面编码; name* 名称 断面名称; water_body* 水体编码 所属水体; reach 河段编码 所属河段; region* 区划代码 所在区划; longitude 经度; latitude 纬度; control_level* 控制级别 断面级别; target* 目标 目标水质 水质目标; station_mn 自动站MN 站点MN MN; active_from 启用日期; active_to 停用日期 |
//! | targets 年度目标 | section* 断面编码 断面; year* 年份 年度; target* 目标 目标水质 水质目标 |
//! | chiefs 河长 | code* 编号 河长编号; name* 姓名; level* 级别 河长级别; position 职务; phone 电话 手机; email 邮箱 电子邮箱; region 区划代码 所在区划; retired 撤销 已撤销 |
//! | appointments 河长任命 | chief* 河长编号; water_body* 水体编码; reach 河段编码; starts_on* 任期开始 开始日期 任职日期; ends_on 任期结束 结束日期; note 备注 |
//!
//! Each field is also taken under its own name (`water_body`, or `water body`), in any case.
//!
//! Problem codes ([`RowProblem::code`]): `missing_value`, `invalid_level`, `invalid_water_body_kind`,
//! `invalid_target`, `invalid_date`, `invalid_number`, `out_of_range`, `invalid_year`, `invalid_boolean`,
//! `spreadsheet_error`, `too_many_cells`, `unknown_column`, `missing_column`, `duplicate_column`,
//! `unknown_sheet`, `unknown_kind`, `conflicting_duplicate`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveTime};
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::domain::{ChiefLevel, ControlLevel, RegionLevel};
use models::registry::{
    AppointmentRow, ChiefRow, Kind, Origin, ReachRow, RegionRow, Registry, SectionRow, TargetRow, WaterBodyRow,
};

use super::error::{Column, Place, Position, Snippet, TableError, ValueError};
use super::forms::fold_width;
use super::header::{ColumnSpec, Columns, Header, normalize_name};
use super::time::excel_serial_local;
use super::{Cell, Row, Table, Typed};

/// Every kind, in the order they are applied (and exported).
pub const KINDS: [Kind; 7] =
    [Kind::Regions, Kind::WaterBodies, Kind::Reaches, Kind::Sections, Kind::Targets, Kind::Chiefs, Kind::Appointments];

/// A kind's snake_case key (`water_bodies`), as in file and sheet names.
pub fn key(kind: Kind) -> &'static str {
    kind.into()
}

const fn spec(field: &'static str, aliases: &'static [&'static str], required: bool) -> ColumnSpec {
    ColumnSpec { field, aliases, required }
}

const REGIONS: &[ColumnSpec] = &[
    spec("code", &["代码", "区划代码", "行政区划代码", "code"], true),
    spec("name", &["名称", "区划名称", "name"], true),
    spec("level", &["级别", "层级", "level"], true),
    spec("parent", &["上级", "上级代码", "上级区划代码", "parent"], false),
    spec("retired", &["撤销", "已撤销", "retired"], false),
];

const WATER_BODIES: &[ColumnSpec] = &[
    spec("code", &["编码", "水体编码", "code"], true),
    spec("name", &["名称", "水体名称", "name"], true),
    spec("kind", &["类型", "水体类型", "kind"], true),
    spec("parent", &["上级河流", "上级水体", "parent"], false),
    spec("regions", &["流经区划", "所在区划", "regions"], false),
    spec("description", &["说明", "备注", "description"], false),
    spec("retired", &["撤销", "已撤销", "retired"], false),
];

const REACHES: &[ColumnSpec] = &[
    spec("code", &["编码", "河段编码", "code"], true),
    spec("name", &["名称", "河段名称", "name"], true),
    spec("water_body", &["水体", "水体编码", "所属水体", "water_body", "water body"], true),
    spec("region", &["区划", "区划代码", "所在区划", "region"], true),
    spec("description", &["说明", "备注", "description"], false),
    spec("retired", &["撤销", "已撤销", "retired"], false),
];

const SECTIONS: &[ColumnSpec] = &[
    spec("code", &["编码", "断面编码", "code"], true),
    spec("name", &["名称", "断面名称", "name"], true),
    spec("water_body", &["水体编码", "所属水体", "water_body", "water body"], true),
    spec("reach", &["河段编码", "所属河段", "reach"], false),
    spec("region", &["区划代码", "所在区划", "region"], true),
    spec("longitude", &["经度", "longitude"], false),
    spec("latitude", &["纬度", "latitude"], false),
    spec("control_level", &["控制级别", "断面级别", "control_level", "control level"], true),
    spec("target", &["目标", "目标水质", "水质目标", "target"], true),
    spec("station_mn", &["自动站MN", "站点MN", "MN", "station_mn", "station mn"], false),
    spec("active_from", &["启用日期", "active_from", "active from"], false),
    spec("active_to", &["停用日期", "active_to", "active to"], false),
];

const TARGETS: &[ColumnSpec] = &[
    spec("section", &["断面编码", "断面", "section"], true),
    spec("year", &["年份", "年度", "year"], true),
    spec("target", &["目标", "目标水质", "水质目标", "target"], true),
];

const CHIEFS: &[ColumnSpec] = &[
    spec("code", &["编号", "河长编号", "code"], true),
    spec("name", &["姓名", "name"], true),
    spec("level", &["级别", "河长级别", "level"], true),
    spec("position", &["职务", "position"], false),
    spec("phone", &["电话", "手机", "phone"], false),
    spec("email", &["邮箱", "电子邮箱", "email"], false),
    spec("region", &["区划代码", "所在区划", "region"], false),
    spec("retired", &["撤销", "已撤销", "retired"], false),
];

const APPOINTMENTS: &[ColumnSpec] = &[
    spec("chief", &["河长编号", "chief"], true),
    spec("water_body", &["水体编码", "water_body", "water body"], true),
    spec("reach", &["河段编码", "reach"], false),
    spec("starts_on", &["任期开始", "开始日期", "任职日期", "starts_on", "starts on"], true),
    spec("ends_on", &["任期结束", "结束日期", "ends_on", "ends on"], false),
    spec("note", &["备注", "note"], false),
];

/// The columns of a kind, in the order they are exported; each spec's first alias is its header.
pub fn columns(kind: Kind) -> &'static [ColumnSpec] {
    match kind {
        Kind::Regions => REGIONS,
        Kind::WaterBodies => WATER_BODIES,
        Kind::Reaches => REACHES,
        Kind::Sections => SECTIONS,
        Kind::Targets => TARGETS,
        Kind::Chiefs => CHIEFS,
        Kind::Appointments => APPOINTMENTS,
    }
}

/// One row of a kind in messages: (English, Chinese).
fn noun(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Regions => ("region", "行政区划"),
        Kind::WaterBodies => ("water body", "水体"),
        Kind::Reaches => ("reach", "河段"),
        Kind::Sections => ("section", "监测断面"),
        Kind::Targets => ("target", "年度目标"),
        Kind::Chiefs => ("chief", "河长"),
        Kind::Appointments => ("appointment", "河长任命"),
    }
}

// ---------------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------------

pub use super::error::RowProblem;

/// Why a registry could not be read. `Display` is English; [`ReadError::zh`] gives the same in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A file could not be read as a table at all (I/O, encoding, not a workbook, `.xls`).
    #[error("{}{error}", file.as_deref().map(|f| format!("{}: ", Snippet::new(f))).unwrap_or_default())]
    Table { file: Option<String>, error: TableError },
    /// Every problem found in the cells, rows, headers and sheets of all the input.
    #[error("{}", problems_en(.0))]
    Problems(Vec<RowProblem>),
}

impl ReadError {
    pub fn zh(&self) -> String {
        match self {
            ReadError::Table { file: Some(file), error } => format!("{}：{}", Snippet::new(file), error.zh()),
            ReadError::Table { file: None, error } => error.zh(),
            ReadError::Problems(problems) => {
                let mut text = format!("登记表有 {} 处问题：", problems.len());
                for p in problems {
                    text.push_str("\n- ");
                    text.push_str(&p.zh());
                }
                text
            }
        }
    }

    /// The problems found; empty for a file that could not be read.
    pub fn problems(&self) -> &[RowProblem] {
        match self {
            ReadError::Problems(problems) => problems,
            ReadError::Table { .. } => &[],
        }
    }
}

fn problems_en(problems: &[RowProblem]) -> String {
    let s = if problems.len() == 1 { "" } else { "s" };
    let mut text = format!("the registry has {} problem{s}:", problems.len());
    for p in problems {
        text.push_str("\n- ");
        text.push_str(&p.to_string());
    }
    text
}

/// A cell's problem before it is placed.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// A problem of the common cell forms (numbers, spreadsheet errors).
    fn value(code: &'static str, problem: &ValueError) -> Self {
        match problem {
            ValueError::Empty => CellProblem::missing(),
            ValueError::SpreadsheetError(_) => CellProblem::new("spreadsheet_error", problem.zh(), problem.to_string()),
            _ => CellProblem::new(code, problem.zh(), problem.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Cell forms
// ---------------------------------------------------------------------------------------------------

/// The words a value may be written as: its English key, then Chinese, the first Chinese word being the
/// one exported. Compared after folding width, trimming and lower-casing.
struct Words<T: 'static> {
    value: T,
    en: &'static str,
    zh: &'static [&'static str],
}

const fn words<T>(value: T, en: &'static str, zh: &'static [&'static str]) -> Words<T> {
    Words { value, en, zh }
}

const REGION_LEVELS: &[Words<RegionLevel>] = &[
    words(RegionLevel::Province, "province", &["省", "省级"]),
    words(RegionLevel::City, "city", &["市", "市级"]),
    words(RegionLevel::District, "district", &["区", "县", "区县", "县级", "区级"]),
    words(RegionLevel::Street, "street", &["街道"]),
    words(RegionLevel::Town, "town", &["镇", "乡", "乡镇"]),
    words(RegionLevel::Village, "village", &["村", "社区", "村(社区)"]),
];

/// Also taken with the suffix 河长 (村级河长), and in [`ChiefLevel::zh`]'s forms.
const CHIEF_LEVELS: &[Words<ChiefLevel>] = &[
    words(ChiefLevel::Village, "village", &["村级"]),
    words(ChiefLevel::Town, "town", &["乡镇级", "街道级", "镇级", "乡级", "乡镇(街道)级"]),
    words(ChiefLevel::District, "district", &["区级", "县级", "县(区)级", "区(县)级"]),
    words(ChiefLevel::City, "city", &["市级"]),
    words(ChiefLevel::Province, "province", &["省级"]),
];

const CONTROL_LEVELS: &[Words<ControlLevel>] = &[
    words(ControlLevel::National, "national", &["国控", "国家级"]),
    words(ControlLevel::Provincial, "provincial", &["省控", "省级"]),
    words(ControlLevel::Municipal, "municipal", &["市控", "市级"]),
    words(ControlLevel::District, "district", &["区控", "县控", "区级", "县级"]),
];

const WATER_BODY_KINDS: &[Words<WaterBodyKind>] = &[
    words(WaterBodyKind::River, "river", &["河流", "河"]),
    words(WaterBodyKind::Lake, "lake", &["湖泊", "湖"]),
    words(WaterBodyKind::Reservoir, "reservoir", &["水库"]),
];

fn find_word<T: Copy>(table: &[Words<T>], text: &str) -> Option<T> {
    let folded = fold_width(text);
    let t = folded.trim().to_lowercase();
    table.iter().find(|w| w.en == t || w.zh.iter().any(|z| *z == t)).map(|w| w.value)
}

/// The exported word of a value.
fn word_of<T: PartialEq>(table: &[Words<T>], value: T) -> &'static str {
    table.iter().find(|w| w.value == value).map_or("", |w| w.zh[0])
}

fn word_list<T>(table: &[Words<T>], separator: &str) -> String {
    table.iter().map(|w| w.zh[0]).collect::<Vec<_>>().join(separator)
}

fn region_level(cell: &Cell) -> Result<RegionLevel, CellProblem> {
    find_word(REGION_LEVELS, &cell.text).ok_or_else(|| {
        let s = Snippet::new(&cell.text);
        CellProblem::new(
            "invalid_level",
            format!("“{s}”不是区划级别（请填写 {}）", word_list(REGION_LEVELS, "、")),
            format!("'{s}' is not a region level (write {})", word_list(REGION_LEVELS, ", ")),
        )
    })
}

fn chief_level(cell: &Cell) -> Result<ChiefLevel, CellProblem> {
    let folded = fold_width(&cell.text);
    let t = folded.trim();
    let t = t.strip_suffix("河长").unwrap_or(t);
    find_word(CHIEF_LEVELS, t).ok_or_else(|| {
        let s = Snippet::new(&cell.text);
        CellProblem::new(
            "invalid_level",
            format!("“{s}”不是河长级别（请填写 {}）", word_list(CHIEF_LEVELS, "、")),
            format!("'{s}' is not a chief level (write {})", word_list(CHIEF_LEVELS, ", ")),
        )
    })
}

fn control_level(cell: &Cell) -> Result<ControlLevel, CellProblem> {
    find_word(CONTROL_LEVELS, &cell.text).ok_or_else(|| {
        let s = Snippet::new(&cell.text);
        CellProblem::new(
            "invalid_level",
            format!("“{s}”不是断面控制级别（请填写 {}）", word_list(CONTROL_LEVELS, "、")),
            format!("'{s}' is not a control level (write {})", word_list(CONTROL_LEVELS, ", ")),
        )
    })
}

fn water_body_kind(cell: &Cell) -> Result<WaterBodyKind, CellProblem> {
    find_word(WATER_BODY_KINDS, &cell.text).ok_or_else(|| {
        let s = Snippet::new(&cell.text);
        CellProblem::new(
            "invalid_water_body_kind",
            format!("“{s}”不是水体类型（请填写 {}）", word_list(WATER_BODY_KINDS, "、")),
            format!("'{s}' is not a kind of water body (write {})", word_list(WATER_BODY_KINDS, ", ")),
        )
    })
}

/// A target class: `I`..`V`, `Ⅰ`..`Ⅴ`, with or without `类`, or `1`..`5`. 劣V is no target.
fn target(cell: &Cell) -> Result<WaterClass, CellProblem> {
    let folded = fold_width(&cell.text);
    let t = folded.trim();
    let t = t.strip_suffix('类').unwrap_or(t).trim();
    let mut spelt = String::new();
    for c in t.chars() {
        match c {
            '\u{2160}'..='\u{216B}' => spelt.push_str(ROMAN[(c as u32 - 0x2160) as usize]),
            '\u{2170}'..='\u{217B}' => spelt.push_str(ROMAN[(c as u32 - 0x2170) as usize]),
            _ => spelt.push(c.to_ascii_uppercase()),
        }
    }
    let t = spelt;
    let s = Snippet::new(&cell.text);
    match t.as_str() {
        "I" | "1" => Ok(WaterClass::I),
        "II" | "2" => Ok(WaterClass::II),
        "III" | "3" => Ok(WaterClass::III),
        "IV" | "4" => Ok(WaterClass::IV),
        "V" | "5" => Ok(WaterClass::V),
        _ if t.starts_with('劣') || t == "VI" || t == "6" => Err(CellProblem::new(
            "invalid_target",
            format!("“{s}”不能作为水质目标：目标须为 I–V 类"),
            format!("'{s}' cannot be a target: a target is one of the classes I to V"),
        )),
        _ => Err(CellProblem::new(
            "invalid_target",
            format!("“{s}”不是水质类别（请填写 I、II、III、IV 或 V）"),
            format!("'{s}' is not a water-quality class (write I, II, III, IV or V)"),
        )),
    }
}

/// The Unicode roman numerals Ⅰ..Ⅻ, spelt in ASCII.
const ROMAN: [&str; 12] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"];

/// Yes or no; see [`TRUE_WORDS`] and [`FALSE_WORDS`].
fn boolean(cell: &Cell) -> Result<bool, CellProblem> {
    if let Some(Typed::Bool(b)) = cell.typed {
        return Ok(b);
    }
    let folded = fold_width(&cell.text);
    let t = folded.trim().to_lowercase();
    if TRUE_WORDS.contains(&t.as_str()) {
        Ok(true)
    } else if FALSE_WORDS.contains(&t.as_str()) {
        Ok(false)
    } else {
        let s = Snippet::new(&cell.text);
        Err(CellProblem::new(
            "invalid_boolean",
            format!("“{s}”不是“是”或“否”"),
            format!("'{s}' is not yes or no (write 是 or 否)"),
        ))
    }
}

const TRUE_WORDS: &[&str] = &["是", "yes", "true", "1", "y", "撤销", "已撤销"];
const FALSE_WORDS: &[&str] = &["否", "no", "false", "0", "n"];

/// The years a date may fall in.
const DATE_YEARS: std::ops::RangeInclusive<i32> = 1949..=2100;
/// The years a target may be set for.
const TARGET_YEARS: std::ops::RangeInclusive<i32> = 1980..=2100;

/// A date: a date cell at midnight, an Excel serial number, or text `2024-01-31`, `2024/1/31`,
/// `2024.1.31`, `2024年1月31日`, `20240131` (a time of midnight after it is let be).
fn date(cell: &Cell) -> Result<NaiveDate, CellProblem> {
    let s = || Snippet::new(&cell.text);
    match cell.typed {
        Some(Typed::DateTime { serial }) => serial_date(serial, s),
        Some(Typed::Number(n)) if serial_range().contains(&n) => serial_date(n, s),
        Some(Typed::Bool(_)) => Err(not_a_date(s())),
        _ => text_date(&cell.text),
    }
}

/// The serials of the dates taken.
fn serial_range() -> std::ops::Range<f64> {
    let serial = |y| NaiveDate::from_ymd_opt(y, 1, 1).map_or(0.0, serial_of);
    serial(*DATE_YEARS.start())..serial(DATE_YEARS.end() + 1)
}

/// The 1900-system serial of a date from 1900-03-01 on.
fn serial_of(d: NaiveDate) -> f64 {
    NaiveDate::from_ymd_opt(1899, 12, 30).map_or(0.0, |epoch| (d - epoch).num_days() as f64)
}

fn serial_date(serial: f64, s: impl Fn() -> Snippet) -> Result<NaiveDate, CellProblem> {
    let local = excel_serial_local(serial).map_err(|_| not_a_date(s()))?;
    if local.time() != NaiveTime::MIN {
        return Err(has_time(s()));
    }
    in_years(local.date(), s())
}

fn in_years(d: NaiveDate, s: Snippet) -> Result<NaiveDate, CellProblem> {
    if DATE_YEARS.contains(&d.year()) {
        Ok(d)
    } else {
        let (from, to) = (DATE_YEARS.start(), DATE_YEARS.end());
        Err(CellProblem::new(
            "invalid_date",
            format!("“{s}”：年份 {} 不在 {from}–{to} 之间", d.year()),
            format!("'{s}': the year {} is outside {from}–{to}", d.year()),
        ))
    }
}

fn not_a_date(s: Snippet) -> CellProblem {
    CellProblem::new(
        "invalid_date",
        format!("“{s}”不是日期（请写作 2024-01-31）"),
        format!("'{s}' is not a date (write it as 2024-01-31)"),
    )
}

fn has_time(s: Snippet) -> CellProblem {
    CellProblem::new(
        "invalid_date",
        format!("“{s}”带有时刻，这里只填日期（如 2024-01-31）"),
        format!("'{s}' has a time of day; write the date alone (as 2024-01-31)"),
    )
}

fn text_date(text: &str) -> Result<NaiveDate, CellProblem> {
    let folded = fold_width(text);
    let t = folded.trim();
    let s = || Snippet::new(text.trim());
    // A time after the date is let be when it is midnight (0:00, 00:00:00).
    let (day, time) = match t.find([' ', 'T', 't']) {
        Some(at) => (&t[..at], t[at + 1..].trim()),
        None => (t, ""),
    };
    if !time.is_empty() {
        let midnight = time.chars().all(|c| matches!(c, '0' | ':' | '.')) && time.contains('0');
        let clock = time.chars().all(|c| c.is_ascii_digit() || matches!(c, ':' | '.')) && time.contains(':');
        if !midnight {
            return Err(if clock { has_time(s()) } else { not_a_date(s()) });
        }
    }
    let number = |p: &str, min: usize, max: usize| -> Option<u32> {
        ((min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok()).flatten()
    };
    let ymd = if day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()) {
        (number(&day[..4], 4, 4), number(&day[4..6], 2, 2), number(&day[6..], 2, 2))
    } else if day.len() == 5 && day.bytes().all(|b| b.is_ascii_digit()) && time.is_empty() {
        let serial: f64 = day.parse().unwrap_or(0.0);
        if !serial_range().contains(&serial) {
            return Err(not_a_date(s()));
        }
        return serial_date(serial, s);
    } else if let Some((y, rest)) = day.split_once('年') {
        let (m, d) = rest.split_once('月').ok_or_else(|| not_a_date(s()))?;
        let d = d.strip_suffix('日').or_else(|| d.strip_suffix('号')).unwrap_or(d);
        (number(y, 4, 4), number(m, 1, 2), number(d, 1, 2))
    } else {
        let separator = day.chars().find(|c| matches!(c, '-' | '/' | '.')).ok_or_else(|| not_a_date(s()))?;
        let parts: Vec<&str> = day.split(separator).collect();
        if parts.len() != 3 {
            return Err(not_a_date(s()));
        }
        (number(parts[0], 4, 4), number(parts[1], 1, 2), number(parts[2], 1, 2))
    };
    let (Some(y), Some(m), Some(d)) = ymd else { return Err(not_a_date(s())) };
    let date = NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| {
        CellProblem::new(
            "invalid_date",
            format!("“{}”不是日历上的日期", s()),
            format!("'{}' is no day of the calendar", s()),
        )
    })?;
    in_years(date, s())
}

fn number(cell: &Cell) -> Result<f64, CellProblem> {
    cell.number().map_err(|e| CellProblem::value("invalid_number", &e))
}

fn degrees(limit: f64, zh: &'static str, en: &'static str) -> impl Fn(&Cell) -> Result<f64, CellProblem> {
    move |cell| {
        let value = number(cell)?;
        if (-limit..=limit).contains(&value) {
            Ok(value)
        } else {
            let s = Snippet::new(&cell.text);
            Err(CellProblem::new(
                "out_of_range",
                format!("“{s}”：{zh}须在 -{limit} 到 {limit} 之间"),
                format!("'{s}': a {en} is between -{limit} and {limit}"),
            ))
        }
    }
}

fn year(cell: &Cell) -> Result<i32, CellProblem> {
    let value = number(cell)?;
    let (from, to) = (*TARGET_YEARS.start(), *TARGET_YEARS.end());
    if value.fract() == 0.0 && (f64::from(from)..=f64::from(to)).contains(&value) {
        Ok(value as i32)
    } else {
        let s = Snippet::new(&cell.text);
        Err(CellProblem::new(
            "invalid_year",
            format!("“{s}”不是 {from}–{to} 之间的年份"),
            format!("'{s}' is not a year from {from} to {to}"),
        ))
    }
}

fn text(cell: &Cell) -> Result<String, CellProblem> {
    Ok(cell.text.clone())
}

/// Region codes, split at `;` `；` `,` `，` `、` or white space.
fn code_list(cell: &Cell) -> Result<Vec<String>, CellProblem> {
    Ok(cell
        .text
        .split(|c: char| matches!(c, ';' | '；' | ',' | '，' | '、') || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect())
}

// ---------------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------------

/// A row's fields being read: each problem is recorded, placed, and reading goes on to the next field.
struct Fields<'a> {
    columns: &'a Columns,
    row: &'a Row,
    file: Option<&'a str>,
    problems: &'a mut Vec<RowProblem>,
    failed: bool,
}

impl Fields<'_> {
    fn fail(&mut self, field: &str, problem: CellProblem) {
        self.failed = true;
        self.problems.push(RowProblem {
            file: self.file.map(String::from),
            place: self.columns.place(self.row, field),
            code: problem.code,
            zh: problem.zh,
            en: problem.en,
        });
    }

    /// A field's value; `None` when blank (a problem if `required`) or when it is wrong.
    fn read<T>(
        &mut self,
        field: &str,
        required: bool,
        parse: impl FnOnce(&Cell) -> Result<T, CellProblem>,
    ) -> Option<T> {
        let (columns, row) = (self.columns, self.row);
        let Some(cell) = columns.cell(row, field) else {
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
            Err(problem) => {
                self.fail(field, problem);
                None
            }
        }
    }

    fn required<T>(&mut self, field: &str, parse: impl FnOnce(&Cell) -> Result<T, CellProblem>) -> Option<T> {
        self.read(field, true, parse)
    }

    fn optional<T>(&mut self, field: &str, parse: impl FnOnce(&Cell) -> Result<T, CellProblem>) -> Option<T> {
        self.read(field, false, parse)
    }

    fn text(&mut self, field: &str) -> Option<String> {
        self.read(field, true, text)
    }

    fn opt_text(&mut self, field: &str) -> Option<String> {
        self.read(field, false, text)
    }

    fn flag(&mut self, field: &str) -> bool {
        self.read(field, false, boolean).unwrap_or(false)
    }
}

/// Reads a row of `kind` into the registry; `false` when it had problems (recorded).
fn read_row(kind: Kind, f: &mut Fields<'_>, origin: Origin, registry: &mut Registry) -> bool {
    macro_rules! push {
        ($list:ident, $row:expr) => {{
            if f.failed {
                return false;
            }
            registry.$list.push($row);
            true
        }};
    }
    match kind {
        Kind::Regions => {
            let (code, name, level) = (f.text("code"), f.text("name"), f.required("level", region_level));
            let (parent, retired) = (f.opt_text("parent"), f.flag("retired"));
            let (Some(code), Some(name), Some(level)) = (code, name, level) else { return false };
            push!(regions, RegionRow { code, name, level, parent, retired, origin })
        }
        Kind::WaterBodies => {
            let (code, name, kind) = (f.text("code"), f.text("name"), f.required("kind", water_body_kind));
            let parent = f.opt_text("parent");
            let regions = f.optional("regions", code_list).unwrap_or_default();
            let (description, retired) = (f.opt_text("description"), f.flag("retired"));
            let (Some(code), Some(name), Some(kind)) = (code, name, kind) else { return false };
            push!(water_bodies, WaterBodyRow { code, name, kind, parent, regions, description, retired, origin })
        }
        Kind::Reaches => {
            let (code, name) = (f.text("code"), f.text("name"));
            let (water_body, region) = (f.text("water_body"), f.text("region"));
            let (description, retired) = (f.opt_text("description"), f.flag("retired"));
            let (Some(code), Some(name), Some(water_body), Some(region)) = (code, name, water_body, region) else {
                return false;
            };
            push!(reaches, ReachRow { code, name, water_body, region, description, retired, origin })
        }
        Kind::Sections => {
            let (code, name) = (f.text("code"), f.text("name"));
            let (water_body, reach, region) = (f.text("water_body"), f.opt_text("reach"), f.text("region"));
            let longitude = f.optional("longitude", degrees(180.0, "经度", "longitude"));
            let latitude = f.optional("latitude", degrees(90.0, "纬度", "latitude"));
            let control_level = f.required("control_level", control_level);
            let target = f.required("target", target);
            let station_mn = f.opt_text("station_mn");
            let (active_from, active_to) = (f.optional("active_from", date), f.optional("active_to", date));
            let (Some(code), Some(name), Some(water_body), Some(region), Some(control_level), Some(target)) =
                (code, name, water_body, region, control_level, target)
            else {
                return false;
            };
            push!(
                sections,
                SectionRow {
                    code,
                    name,
                    water_body,
                    reach,
                    region,
                    longitude,
                    latitude,
                    control_level,
                    target,
                    station_mn,
                    active_from,
                    active_to,
                    origin,
                }
            )
        }
        Kind::Targets => {
            let (section, year, target) = (f.text("section"), f.required("year", year), f.required("target", target));
            let (Some(section), Some(year), Some(target)) = (section, year, target) else { return false };
            push!(targets, TargetRow { section, year, target, origin })
        }
        Kind::Chiefs => {
            let (code, name, level) = (f.text("code"), f.text("name"), f.required("level", chief_level));
            let (position, phone, email) = (f.opt_text("position"), f.opt_text("phone"), f.opt_text("email"));
            let (region, retired) = (f.opt_text("region"), f.flag("retired"));
            let (Some(code), Some(name), Some(level)) = (code, name, level) else { return false };
            push!(chiefs, ChiefRow { code, name, level, position, phone, email, region, retired, origin })
        }
        Kind::Appointments => {
            let (chief, water_body, reach) = (f.text("chief"), f.text("water_body"), f.opt_text("reach"));
            let (starts_on, ends_on) = (f.required("starts_on", date), f.optional("ends_on", date));
            let note = f.opt_text("note");
            let (Some(chief), Some(water_body), Some(starts_on)) = (chief, water_body, starts_on) else { return false };
            push!(appointments, AppointmentRow { chief, water_body, reach, starts_on, ends_on, note, origin })
        }
    }
}

/// A row type of the registry: its key (two rows with one key are the same row) and its origin.
trait Keyed: Clone + PartialEq {
    const KIND: Kind;
    fn key(&self) -> Vec<String>;
    fn origin_mut(&mut self) -> &mut Origin;
    fn list(registry: &mut Registry) -> &mut Vec<Self>;
}

macro_rules! keyed {
    ($row:ty, $kind:expr, $list:ident, |$r:ident| $key:expr) => {
        impl Keyed for $row {
            const KIND: Kind = $kind;
            fn key(&self) -> Vec<String> {
                let $r = self;
                $key
            }
            fn origin_mut(&mut self) -> &mut Origin {
                &mut self.origin
            }
            fn list(registry: &mut Registry) -> &mut Vec<Self> {
                &mut registry.$list
            }
        }
    };
}

keyed!(RegionRow, Kind::Regions, regions, |r| vec![r.code.clone()]);
keyed!(WaterBodyRow, Kind::WaterBodies, water_bodies, |r| vec![r.code.clone()]);
keyed!(ReachRow, Kind::Reaches, reaches, |r| vec![r.code.clone()]);
keyed!(SectionRow, Kind::Sections, sections, |r| vec![r.code.clone()]);
keyed!(TargetRow, Kind::Targets, targets, |r| vec![r.section.clone(), r.year.to_string()]);
keyed!(ChiefRow, Kind::Chiefs, chiefs, |r| vec![r.code.clone()]);
keyed!(AppointmentRow, Kind::Appointments, appointments, |r| vec![
    r.chief.clone(),
    r.water_body.clone(),
    r.reach.clone().unwrap_or_default(),
    r.starts_on.format("%Y-%m-%d").to_string(),
]);

/// Equal but for where they came from.
fn same<T: Keyed>(a: &T, b: &T) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    *a.origin_mut() = Origin::default();
    *b.origin_mut() = Origin::default();
    a == b
}

// ---------------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------------

/// Where each kind's columns are in the sheets and files read, so that a problem found later with a row's
/// field (by the database checks, say) can be shown at its cell: see [`locate`].
#[derive(Debug, Clone, Default)]
pub struct Layout {
    sheets: Vec<SheetLayout>,
}

#[derive(Debug, Clone)]
struct SheetLayout {
    kind: Kind,
    /// The sheet's name, or the CSV file's: the rows' `Origin::sheet`.
    name: String,
    /// The workbook's path, when read by [`read_files`].
    file: Option<String>,
    csv: bool,
    columns: Columns,
}

impl Layout {
    fn find(&self, kind: Kind, origin: &Origin) -> Option<&SheetLayout> {
        let sheet = origin.sheet.as_deref()?;
        self.sheets.iter().find(|s| s.kind == kind && s.name == sheet)
    }

    /// The workbook a row of an XLSX sheet came from, when [`read_files`] read it (a CSV file is its
    /// `Origin::sheet`).
    pub fn file(&self, kind: Kind, origin: &Origin) -> Option<&str> {
        self.find(kind, origin)?.file.as_deref()
    }

    /// The sheets and files read for `kind`, by name, in order.
    pub fn sheets(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.sheets.iter().filter(move |s| s.kind == kind).map(|s| s.name.as_str())
    }
}

/// The place of a row's field: its line or cell, and its column when the sheet has one for the field
/// (`column: None` when it has not). `None` when the row did not come from the sheets in `layout`.
/// `field` is the row struct's field name (`control_level`). When two workbooks given to [`read_files`]
/// have a sheet of the same name and kind, the first is taken.
pub fn locate(layout: &Layout, kind: Kind, origin: &Origin, field: &str) -> Option<Place> {
    let sheet = layout.find(kind, origin)?;
    let row = origin.row?;
    let position = if sheet.csv {
        Position::Line(row as u64)
    } else {
        Position::Row { sheet: sheet.name.as_str().into(), row: u32::try_from(row).ok()? }
    };
    Some(sheet.columns.place(&Row { position, cells: Vec::new() }, field))
}

// ---------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------

/// A row's position and file, for the duplicate check.
#[derive(Debug, Clone)]
struct Where {
    file: Option<String>,
    position: Position,
}

impl Where {
    /// Where the row is, seen from a problem in `from`: the file is named when it is another.
    fn en(&self, from: Option<&str>) -> String {
        match &self.file {
            Some(file) if Some(file.as_str()) != from => format!("{}, {}", Snippet::new(file), self.position),
            _ => self.position.to_string(),
        }
    }

    fn zh(&self, from: Option<&str>) -> String {
        match &self.file {
            Some(file) if Some(file.as_str()) != from => format!("{} {}", Snippet::new(file), self.position.zh()),
            _ => self.position.zh(),
        }
    }
}

/// The input read so far.
#[derive(Default)]
struct Reading {
    registry: Registry,
    /// For each kind (by [`KINDS`] index), where each of its rows in `registry` is.
    wheres: [Vec<Where>; 7],
    layout: Layout,
    problems: Vec<RowProblem>,
}

fn kind_index(kind: Kind) -> usize {
    KINDS.iter().position(|&k| k == kind).unwrap_or(0)
}

/// The 1-based row number of a position.
fn row_number(position: &Position) -> usize {
    match position {
        Position::Line(line) => *line as usize,
        Position::Row { row, .. } => *row as usize,
    }
}

impl Reading {
    fn problem(&mut self, file: Option<&str>, place: Place, code: &'static str, zh: String, en: String) {
        self.problems.push(RowProblem { file: file.map(String::from), place, code, zh, en });
    }

    /// Reads every sheet of a workbook.
    fn xlsx(&mut self, bytes: Arc<[u8]>, file: Option<&str>) -> Result<(), TableError> {
        match super::Kind::of_content(&bytes) {
            None => return Err(TableError::LegacyXls),
            Some(super::Kind::Csv) => return Err(TableError::NotXlsx),
            Some(super::Kind::Xlsx) => {}
        }
        let sheets = super::xlsx::worksheets(Box::new(Cursor::new(bytes.clone())))?;
        for (name, visible) in sheets {
            let kind = kind_of_sheet(&name);
            // A hidden sheet of another name holds lists for the others' drop-downs, as templates have.
            if kind.is_none() && !visible {
                continue;
            }
            let table = match Table::from_reader(Cursor::new(bytes.clone()), super::Kind::Xlsx, Some(&name)) {
                Ok(table) => table,
                Err(TableError::Empty) => continue,
                Err(e) => return Err(e),
            };
            match kind {
                Some(kind) => self.table(kind, &name, file, table)?,
                None => {
                    let sheet = Snippet::new(&name);
                    let zh_names = KINDS.map(Kind::zh).join("、");
                    let keys = KINDS.map(key).join(", ");
                    self.problem(
                        file,
                        Place { position: table.header().position.clone(), column: None },
                        "unknown_sheet",
                        format!("工作表“{sheet}”不是登记表：工作表须以 {zh_names} 之一命名（或 {keys}），空工作表除外"),
                        format!(
                            "the sheet \"{sheet}\" is no part of the registry: name each sheet one of {} \
                             (or {keys}); an empty sheet may have any name",
                            KINDS.map(Kind::zh).join(", ")
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// Reads a CSV file, of `kind` or of the kind its name or its header tells.
    fn csv(&mut self, name: &str, kind: Option<Kind>, table: Table) -> Result<(), TableError> {
        let kind = match kind.or_else(|| kind_of_name(name)) {
            Some(kind) => kind,
            None => match kind_of_header(table.header()) {
                Ok(kind) => kind,
                Err(candidates) => {
                    let fits = |sep: &str| candidates.iter().map(|&k| key(k)).collect::<Vec<_>>().join(sep);
                    let (zh_fit, en_fit) = if candidates.is_empty() {
                        ("表头不符合任何一类".to_string(), "its header fits no kind".to_string())
                    } else {
                        (format!("表头可能是 {}", fits("、")), format!("its header fits {}", fits(", ")))
                    };
                    let n = Snippet::new(name);
                    self.problem(
                        Some(name),
                        Place { position: table.header().position.clone(), column: None },
                        "unknown_kind",
                        format!(
                            "无法判断“{n}”是哪一类登记表（{zh_fit}）：请以类别命名文件（如 sections.csv、监测断面.csv），\
                             或明确指定类别"
                        ),
                        format!(
                            "cannot tell which kind of registry table \"{n}\" is ({en_fit}): name the file after \
                             its kind (sections.csv, 监测断面.csv) or give the kind"
                        ),
                    );
                    return Ok(());
                }
            },
        };
        self.table(kind, name, Some(name), table)
    }

    /// Reads a table of `kind`: its header, then its rows. `name` is the rows' `Origin::sheet`.
    fn table(&mut self, kind: Kind, name: &str, file: Option<&str>, mut table: Table) -> Result<(), TableError> {
        let specs = columns(kind);
        let header = table.header().clone();
        let (kind_en, kind_zh) = (key(kind), kind.zh());
        for (index, column) in unknown_columns(&header, specs) {
            let c = Snippet::new(&column);
            let names = specs.iter().map(|s| s.aliases[0]);
            let (zh_names, en_names) =
                (names.clone().collect::<Vec<_>>().join("、"), names.collect::<Vec<_>>().join(", "));
            self.problem(
                file,
                Place { position: header.position.clone(), column: Some(Column { index, name: column }) },
                "unknown_column",
                format!("“{c}”不是{kind_zh}表的列；可用的列：{zh_names}"),
                format!("\"{c}\" is not a column of {kind_en} ({kind_zh}); its columns are {en_names}"),
            );
        }
        let columns = match Columns::map(&header, specs) {
            Ok(columns) => columns,
            Err(TableError::MissingColumns { position, missing, .. }) => {
                for m in missing {
                    let field = m.field;
                    self.problem(
                        file,
                        Place { position: position.clone(), column: None },
                        "missing_column",
                        format!("{kind_zh}表缺少必需的列 {field}（列名可为 {}）", m.aliases.join("、")),
                        format!(
                            "{kind_en} ({kind_zh}) lacks the required column {field} (written as {})",
                            m.aliases.join(" / ")
                        ),
                    );
                }
                return Ok(());
            }
            Err(e @ TableError::DuplicateColumn { .. }) => {
                let place = Place { position: header.position.clone(), column: None };
                let (zh, en) = (e.zh(), e.to_string());
                self.problem(file, place, "duplicate_column", zh, en);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.layout.sheets.push(SheetLayout {
            kind,
            name: name.to_string(),
            file: file.map(String::from),
            csv: table.kind() == super::Kind::Csv,
            columns: columns.clone(),
        });
        let at = kind_index(kind);
        for row in table.rows() {
            let row = match row {
                Ok(row) => row,
                Err(e) => match e.position() {
                    Some(position) => {
                        let place = Place { position: position.clone(), column: None };
                        let (zh, en) = (e.zh(), e.to_string());
                        self.problem(file, place, "too_many_cells", zh, en);
                        continue;
                    }
                    None => return Err(e),
                },
            };
            let origin = Origin { sheet: Some(name.to_string()), row: Some(row_number(&row.position)) };
            let mut fields = Fields { columns: &columns, row: &row, file, problems: &mut self.problems, failed: false };
            if read_row(kind, &mut fields, origin, &mut self.registry) {
                self.wheres[at].push(Where { file: file.map(String::from), position: row.position.clone() });
            }
        }
        Ok(())
    }

    /// Drops identical duplicates, reports differing ones, and hands back the registry or the problems.
    fn finish(mut self) -> Result<(Registry, Layout), ReadError> {
        self.dedupe::<RegionRow>();
        self.dedupe::<WaterBodyRow>();
        self.dedupe::<ReachRow>();
        self.dedupe::<SectionRow>();
        self.dedupe::<TargetRow>();
        self.dedupe::<ChiefRow>();
        self.dedupe::<AppointmentRow>();
        if self.problems.is_empty() {
            Ok((self.registry, self.layout))
        } else {
            Err(ReadError::Problems(self.problems))
        }
    }

    fn dedupe<T: Keyed>(&mut self) {
        let rows = std::mem::take(T::list(&mut self.registry));
        let wheres = std::mem::take(&mut self.wheres[kind_index(T::KIND)]);
        let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
        let mut kept: Vec<T> = Vec::with_capacity(rows.len());
        let mut kept_wheres: Vec<Where> = Vec::with_capacity(rows.len());
        let (noun_en, noun_zh) = noun(T::KIND);
        for (row, at) in rows.into_iter().zip(wheres) {
            let key = row.key();
            match seen.get(&key) {
                Some(&first) if same(&kept[first], &row) => {}
                Some(&first) => {
                    let k =
                        Snippet::new(&key.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(" / "));
                    let other = &kept_wheres[first];
                    self.problems.push(RowProblem {
                        file: at.file.clone(),
                        place: Place { position: at.position.clone(), column: None },
                        code: "conflicting_duplicate",
                        zh: format!(
                            "{noun_zh}“{k}”重复出现且内容不同：另见{}；请只保留一行",
                            other.zh(at.file.as_deref())
                        ),
                        en: format!(
                            "the {noun_en} \"{k}\" is given twice, differently: also at {}; keep one",
                            other.en(at.file.as_deref())
                        ),
                    });
                }
                None => {
                    seen.insert(key, kept.len());
                    kept.push(row);
                    kept_wheres.push(at);
                }
            }
        }
        *T::list(&mut self.registry) = kept;
        self.wheres[kind_index(T::KIND)] = kept_wheres;
    }
}

/// The header's named columns that are no column of the kind, with their 0-based index.
fn unknown_columns(header: &Header, specs: &[ColumnSpec]) -> Vec<(usize, String)> {
    let known = |normal: &str| specs.iter().any(|s| s.aliases.iter().any(|a| normalize_name(a) == normal));
    header
        .names
        .iter()
        .enumerate()
        .filter(|(_, name)| {
            let normal = normalize_name(name);
            !normal.is_empty() && !known(&normal)
        })
        .map(|(i, name)| (i, name.clone()))
        .collect()
}

/// The kind a sheet is named after: its Chinese name or its key, ignoring case, spaces and width.
pub fn kind_of_sheet(name: &str) -> Option<Kind> {
    let normal = normalize_name(name).replace('-', "_");
    KINDS.into_iter().find(|&k| normal == key(k) || normal == normalize_name(k.zh()))
}

/// The kind a CSV file's name tells: its stem is the kind's key or Chinese name (`sections.csv`,
/// `监测断面.csv`), or ends with the key after `-` or `_` (`registry-sections.csv`) or with the Chinese
/// name (`南昌市监测断面.csv`).
pub fn kind_of_name(name: &str) -> Option<Kind> {
    let stem = Path::new(name).file_stem()?.to_str()?;
    let normal = normalize_name(stem).replace('-', "_");
    KINDS.into_iter().find(|&k| {
        normal == key(k) || normal.ends_with(&format!("_{}", key(k))) || normal.ends_with(&normalize_name(k.zh()))
    })
}

/// The kind a header tells: the only kind whose required columns are all there; of several, the only one
/// that has every column of the header. `Err` with the kinds it might be (none, or several).
pub fn kind_of_header(header: &Header) -> Result<Kind, Vec<Kind>> {
    let fits: Vec<Kind> = KINDS.into_iter().filter(|&k| Columns::map(header, columns(k)).is_ok()).collect();
    if let [kind] = fits[..] {
        return Ok(kind);
    }
    let exact: Vec<Kind> = fits.iter().copied().filter(|&k| unknown_columns(header, columns(k)).is_empty()).collect();
    match exact[..] {
        [kind] => Ok(kind),
        _ => Err(fits),
    }
}

/// Reads one CSV file of the registry (UTF-8 with or without BOM, GBK, UTF-16 with BOM). `name` is the
/// file's name, as the rows' `Origin::sheet` and in messages; its kind is `kind`, else what the name or
/// the header tells (see [`kind_of_name`], [`kind_of_header`]).
pub fn read_csv(
    name: &str,
    kind: Option<Kind>,
    reader: impl Read + Send + 'static,
) -> Result<(Registry, Layout), ReadError> {
    let table_error = |error| ReadError::Table { file: Some(name.to_string()), error };
    let table = Table::from_csv(reader).map_err(table_error)?;
    let mut reading = Reading::default();
    reading.csv(name, kind, table).map_err(table_error)?;
    reading.finish()
}

/// Reads a workbook of the registry: each sheet named after a kind (its Chinese name or its key) is read as
/// that kind; an empty sheet is skipped, as is a hidden one of another name; any other sheet is a problem.
/// The workbook is read into memory.
pub fn read_xlsx(mut reader: impl Read) -> Result<(Registry, Layout), ReadError> {
    let table_error = |error| ReadError::Table { file: None, error };
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| table_error(e.into()))?;
    let mut reading = Reading::default();
    reading.xlsx(bytes.into(), None).map_err(table_error)?;
    reading.finish()
}

/// Reads several files, CSV or XLSX each as its content says, into one registry; the problems of all of
/// them together. `kind` is the kind of every CSV file given (workbooks name theirs by sheet). A CSV
/// file's rows have its path, as given, for `Origin::sheet`.
pub fn read_files(paths: &[PathBuf], kind: Option<Kind>) -> Result<(Registry, Layout), ReadError> {
    let mut reading = Reading::default();
    for path in paths {
        let name = path.display().to_string();
        let table_error = |error| ReadError::Table { file: Some(name.clone()), error };
        read_file(&mut reading, path, &name, kind).map_err(table_error)?;
    }
    reading.finish()
}

fn read_file(reading: &mut Reading, path: &Path, name: &str, kind: Option<Kind>) -> Result<(), TableError> {
    let mut file = File::open(path)?;
    let mut magic = Vec::with_capacity(8);
    (&mut file).take(8).read_to_end(&mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    match super::Kind::of_content(&magic) {
        None => Err(TableError::LegacyXls),
        Some(super::Kind::Xlsx) => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            reading.xlsx(bytes.into(), Some(name))
        }
        Some(super::Kind::Csv) if super::Kind::of_name(path) == super::Kind::Xlsx => Err(TableError::NotXlsx),
        Some(super::Kind::Csv) => {
            let table = Table::from_csv(BufReader::new(file))?;
            reading.csv(name, kind, table)
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
enum Out {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl Out {
    fn text(s: &str) -> Out {
        Out::Text(s.to_string())
    }

    fn opt(s: &Option<String>) -> Out {
        s.as_deref().map_or(Out::Empty, Out::text)
    }

    fn flag(b: bool) -> Out {
        Out::text(if b { "是" } else { "否" })
    }

    fn date(d: Option<NaiveDate>) -> Out {
        d.map_or(Out::Empty, Out::Date)
    }

    fn number(n: Option<f64>) -> Out {
        n.map_or(Out::Empty, Out::Number)
    }

    fn csv(&self) -> String {
        match self {
            Out::Text(s) => s.clone(),
            Out::Number(n) => n.to_string(),
            Out::Date(d) => d.format("%Y-%m-%d").to_string(),
            Out::Empty => String::new(),
        }
    }
}

fn sorted<T: Keyed>(rows: &[T]) -> Vec<&T> {
    let mut rows: Vec<&T> = rows.iter().collect();
    rows.sort_by_cached_key(|r| r.key());
    rows
}

/// A kind's rows as cells, in [`columns`] order, sorted by key.
fn cells(kind: Kind, r: &Registry) -> Vec<Vec<Out>> {
    match kind {
        Kind::Regions => sorted(&r.regions)
            .into_iter()
            .map(|x| {
                vec![
                    Out::text(&x.code),
                    Out::text(&x.name),
                    Out::text(word_of(REGION_LEVELS, x.level)),
                    Out::opt(&x.parent),
                    Out::flag(x.retired),
                ]
            })
            .collect(),
        Kind::WaterBodies => sorted(&r.water_bodies)
            .into_iter()
            .map(|x| {
                vec![
                    Out::text(&x.code),
                    Out::text(&x.name),
                    Out::text(word_of(WATER_BODY_KINDS, x.kind)),
                    Out::opt(&x.parent),
                    if x.regions.is_empty() { Out::Empty } else { Out::Text(x.regions.join(";")) },
                    Out::opt(&x.description),
                    Out::flag(x.retired),
                ]
            })
            .collect(),
        Kind::Reaches => sorted(&r.reaches)
            .into_iter()
            .map(|x| {
                vec![
                    Out::text(&x.code),
                    Out::text(&x.name),
                    Out::text(&x.water_body),
                    Out::text(&x.region),
                    Out::opt(&x.description),
                    Out::flag(x.retired),
                ]
            })
            .collect(),
        Kind::Sections => sorted(&r.sections)
            .into_iter()
            .map(|x| {
                vec![
                    Out::text(&x.code),
                    Out::text(&x.name),
                    Out::text(&x.water_body),
                    Out::opt(&x.reach),
                    Out::text(&x.region),
                    Out::number(x.longitude),
                    Out::number(x.latitude),
                    Out::text(word_of(CONTROL_LEVELS, x.control_level)),
                    Out::text(x.target.label()),
                    Out::opt(&x.station_mn),
                    Out::date(x.active_from),
                    Out::date(x.active_to),
                ]
            })
            .collect(),
        Kind::Targets => sorted(&r.targets)
            .into_iter()
            .map(|x| vec![Out::text(&x.section), Out::Number(f64::from(x.year)), Out::text(x.target.label())])
            .collect(),
        Kind::Chiefs => sorted(&r.chiefs)
            .into_iter()
            .map(|x| {
                vec![
                    Out::text(&x.code),
                    Out::text(&x.name),
                    Out::text(word_of(CHIEF_LEVELS, x.level)),
                    Out::opt(&x.position),
                    Out::opt(&x.phone),
                    Out::opt(&x.email),
                    Out::opt(&x.region),
                    Out::flag(x.retired),
                ]
            })
            .collect(),
        Kind::Appointments => sorted(&r.appointments)
            .into_iter()
            .map(|x| {
                vec![
                    Out::text(&x.chief),
                    Out::text(&x.water_body),
                    Out::opt(&x.reach),
                    Out::Date(x.starts_on),
                    Out::date(x.ends_on),
                    Out::opt(&x.note),
                ]
            })
            .collect(),
    }
}

/// Writes the registry as a workbook: one sheet per kind that has rows, named [`Kind::zh`], with the
/// Chinese headers and the canonical forms (levels and kinds in Chinese, targets `I`..`V`, dates as date
/// cells shown `yyyy-mm-dd`, 是/否, region codes joined with `;`), rows sorted by key. Fails only when a
/// text is beyond what a cell holds (32,767 characters).
pub fn write_xlsx(registry: &Registry) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for kind in KINDS {
        let rows = cells(kind, registry);
        if rows.is_empty() {
            continue;
        }
        let sheet = book.add_worksheet();
        sheet.set_name(kind.zh())?;
        for (c, spec) in columns(kind).iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, spec.aliases[0], &bold)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Out::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Out::Number(n) => {
                        sheet.write_number(r, c, *n)?;
                    }
                    Out::Date(d) => {
                        let day = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);
                        match day {
                            Ok(day) => sheet.write_datetime_with_format(r, c, &day, &date_format)?,
                            Err(_) => sheet.write_string(r, c, cell.csv())?,
                        };
                    }
                    Out::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    book.save_to_buffer()
}

/// Writes one kind of the registry as CSV, UTF-8 with a BOM (so that Excel opens it right), with the
/// Chinese headers and the canonical forms of [`write_xlsx`] (dates as `YYYY-MM-DD` text).
pub fn write_csv(kind: Kind, registry: &Registry, out: impl Write) -> std::io::Result<()> {
    let mut out = out;
    out.write_all("\u{feff}".as_bytes())?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(columns(kind).iter().map(|s| s.aliases[0]))?;
    for row in cells(kind, registry) {
        writer.write_record(row.iter().map(Out::csv))?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable, "the test text is GBK");
        bytes.into_owned()
    }

    fn csv(name: &str, kind: Option<Kind>, text: &str) -> Result<(Registry, Layout), ReadError> {
        read_csv(name, kind, Cursor::new(text.as_bytes().to_vec()))
    }

    fn origin(sheet: &str, row: usize) -> Origin {
        Origin { sheet: Some(sheet.into()), row: Some(row) }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a day")
    }

    fn problems(e: ReadError) -> Vec<RowProblem> {
        match e {
            ReadError::Problems(p) => p,
            ReadError::Table { error, .. } => panic!("a file error: {error}"),
        }
    }

    /// (code, place) of each problem, the place in English.
    fn summary(e: ReadError) -> Vec<(&'static str, String)> {
        problems(e).into_iter().map(|p| (p.code, p.place.to_string())).collect()
    }

    /// The registry with every origin cleared.
    fn bare(mut r: Registry) -> Registry {
        r.regions.iter_mut().for_each(|x| x.origin = Origin::default());
        r.water_bodies.iter_mut().for_each(|x| x.origin = Origin::default());
        r.reaches.iter_mut().for_each(|x| x.origin = Origin::default());
        r.sections.iter_mut().for_each(|x| x.origin = Origin::default());
        r.targets.iter_mut().for_each(|x| x.origin = Origin::default());
        r.chiefs.iter_mut().for_each(|x| x.origin = Origin::default());
        r.appointments.iter_mut().for_each(|x| x.origin = Origin::default());
        r
    }

    fn count(r: &Registry, kind: Kind) -> usize {
        match kind {
            Kind::Regions => r.regions.len(),
            Kind::WaterBodies => r.water_bodies.len(),
            Kind::Reaches => r.reaches.len(),
            Kind::Sections => r.sections.len(),
            Kind::Targets => r.targets.len(),
            Kind::Chiefs => r.chiefs.len(),
            Kind::Appointments => r.appointments.len(),
        }
    }

    fn write_row(sheet: &mut Worksheet, row: u32, cells: &[&str]) {
        for (c, text) in cells.iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string(row, c as u16, *text).expect("write");
            }
        }
    }

    const SECTIONS_CSV: &str = "断面编码,断面名称,所属水体,所属河段,所在区划,经度,纬度,控制级别,水质目标,自动站MN,启用日期,停用日期\r\n\
        JX001,生米大桥,GJ,GJ-NC,360100,115.85,28.63,国控,Ⅲ类,MN0001,2020/1/1,\r\n\
        JX002, 滁槎 ,GJ,,360102,,,区控,2,,2021年3月5日,2024.12.31\r\n";

    fn expected_sections(sheet: &str) -> Vec<SectionRow> {
        vec![
            SectionRow {
                code: "JX001".into(),
                name: "生米大桥".into(),
                water_body: "GJ".into(),
                reach: Some("GJ-NC".into()),
                region: "360100".into(),
                longitude: Some(115.85),
                latitude: Some(28.63),
                control_level: ControlLevel::National,
                target: WaterClass::III,
                station_mn: Some("MN0001".into()),
                active_from: Some(day(2020, 1, 1)),
                active_to: None,
                origin: origin(sheet, 2),
            },
            SectionRow {
                code: "JX002".into(),
                name: "滁槎".into(),
                water_body: "GJ".into(),
                reach: None,
                region: "360102".into(),
                longitude: None,
                latitude: None,
                control_level: ControlLevel::District,
                target: WaterClass::II,
                station_mn: None,
                active_from: Some(day(2021, 3, 5)),
                active_to: Some(day(2024, 12, 31)),
                origin: origin(sheet, 3),
            },
        ]
    }

    #[test]
    fn a_gbk_sections_csv_with_chinese_headers_is_read() {
        let (registry, _) = read_csv("监测断面.csv", None, Cursor::new(gbk(SECTIONS_CSV))).expect("read");
        assert_eq!(registry.sections, expected_sections("监测断面.csv"));
        assert_eq!(registry.len(), 2);
    }

    #[test]
    fn a_utf8_sections_csv_with_a_bom_reads_the_same() {
        let text = format!("\u{feff}{SECTIONS_CSV}");
        let (registry, _) = csv("sections.csv", None, &text).expect("read");
        assert_eq!(registry.sections, expected_sections("sections.csv"));
    }

    /// A workbook of 行政区划, 水体, 监测断面, 河长 and 河长任命, with number, date and boolean cells.
    fn bureau_workbook() -> Vec<u8> {
        let mut book = Workbook::new();
        let date = Format::new().set_num_format("yyyy/m/d");
        let regions = book.add_worksheet();
        regions.set_name("行政区划").expect("name");
        write_row(regions, 0, &["区划代码", "区划名称", "级别", "上级代码", "撤销"]);
        regions.write_number(1, 0, 360000.0).expect("a code as a number");
        write_row(regions, 1, &["", "江西省", "省"]);
        write_row(regions, 2, &["360100", "南昌市", "市级", "360000"]);
        write_row(regions, 3, &["360102", "东湖区", "区县", "360100", "否"]);
        write_row(regions, 4, &["360102001", "公园街道", "街道", "360102", "是"]);
        let waters = book.add_worksheet();
        waters.set_name("水体").expect("name");
        write_row(waters, 0, &["水体编码", "水体名称", "水体类型", "上级河流", "流经区划", "备注"]);
        write_row(waters, 1, &["GJ", "赣江", "河流", "", "360100；360102、360000", "江西最大的河流"]);
        write_row(waters, 2, &["FH", "抚河", "河", "GJ", "360100"]);
        let sections = book.add_worksheet();
        sections.set_name("监测断面").expect("name");
        write_row(
            sections,
            0,
            &["断面编码", "断面名称", "所属水体", "所属河段", "所在区划", "经度", "纬度", "控制级别", "水质目标"],
        );
        write_row(sections, 0, &["", "", "", "", "", "", "", "", "", "自动站MN", "启用日期", "停用日期"]);
        write_row(sections, 1, &["JX001", "生米大桥", "GJ", "", "360100", "", "", "国控", "III"]);
        sections.write_number(1, 5, 115.85).expect("write");
        sections.write_number(1, 6, 28.63).expect("write");
        let from = ExcelDateTime::from_ymd(2020, 1, 1).expect("date");
        sections.write_datetime_with_format(1, 10, &from, &date).expect("a date cell");
        sections.write_number(1, 11, 45292.0).expect("an Excel serial: 2024-01-01");
        write_row(sections, 2, &["JX002", "滁槎", "FH", "FH-01", "360102", "", "", "区控", "Ⅳ类"]);
        let chiefs = book.add_worksheet();
        chiefs.set_name("河长").expect("name");
        write_row(chiefs, 0, &["河长编号", "姓名", "级别", "职务", "手机", "电子邮箱", "所在区划", "已撤销"]);
        write_row(chiefs, 1, &["C001", "张三", "市级河长", "副市长", "", "zhang@example.cn", "360100"]);
        chiefs.write_number(1, 4, 13_800_000_000.0).expect("a phone number as a number");
        write_row(chiefs, 2, &["C002", "李四", "村级"]);
        chiefs.write_boolean(2, 7, true).expect("a boolean cell");
        let appointments = book.add_worksheet();
        appointments.set_name("河长任命").expect("name");
        write_row(appointments, 0, &["河长编号", "水体编码", "河段编码", "任期开始", "任期结束", "备注"]);
        write_row(appointments, 1, &["C001", "GJ", "", "", "2026年3月1日", "连任"]);
        let start = ExcelDateTime::from_ymd(2021, 3, 1).expect("date");
        appointments.write_datetime_with_format(1, 3, &start, &date).expect("a date cell");
        write_row(appointments, 2, &["C002", "FH", "FH-01", "2022-07-15 00:00"]);
        book.save_to_buffer().expect("xlsx")
    }

    #[test]
    fn a_bureau_workbook_is_read_whole() {
        let (registry, layout) = read_xlsx(Cursor::new(bureau_workbook())).expect("read");
        let region = |code: &str, name: &str, level, parent: Option<&str>, retired, row| RegionRow {
            code: code.into(),
            name: name.into(),
            level,
            parent: parent.map(Into::into),
            retired,
            origin: origin("行政区划", row),
        };
        let expected = Registry {
            regions: vec![
                region("360000", "江西省", RegionLevel::Province, None, false, 2),
                region("360100", "南昌市", RegionLevel::City, Some("360000"), false, 3),
                region("360102", "东湖区", RegionLevel::District, Some("360100"), false, 4),
                region("360102001", "公园街道", RegionLevel::Street, Some("360102"), true, 5),
            ],
            water_bodies: vec![
                WaterBodyRow {
                    code: "GJ".into(),
                    name: "赣江".into(),
                    kind: WaterBodyKind::River,
                    parent: None,
                    regions: vec!["360100".into(), "360102".into(), "360000".into()],
                    description: Some("江西最大的河流".into()),
                    retired: false,
                    origin: origin("水体", 2),
                },
                WaterBodyRow {
                    code: "FH".into(),
                    name: "抚河".into(),
                    kind: WaterBodyKind::River,
                    parent: Some("GJ".into()),
                    regions: vec!["360100".into()],
                    description: None,
                    retired: false,
                    origin: origin("水体", 3),
                },
            ],
            reaches: vec![],
            sections: vec![
                SectionRow {
                    code: "JX001".into(),
                    name: "生米大桥".into(),
                    water_body: "GJ".into(),
                    reach: None,
                    region: "360100".into(),
                    longitude: Some(115.85),
                    latitude: Some(28.63),
                    control_level: ControlLevel::National,
                    target: WaterClass::III,
                    station_mn: None,
                    active_from: Some(day(2020, 1, 1)),
                    active_to: Some(day(2024, 1, 1)),
                    origin: origin("监测断面", 2),
                },
                SectionRow {
                    code: "JX002".into(),
                    name: "滁槎".into(),
                    water_body: "FH".into(),
                    reach: Some("FH-01".into()),
                    region: "360102".into(),
                    longitude: None,
                    latitude: None,
                    control_level: ControlLevel::District,
                    target: WaterClass::IV,
                    station_mn: None,
                    active_from: None,
                    active_to: None,
                    origin: origin("监测断面", 3),
                },
            ],
            targets: vec![],
            chiefs: vec![
                ChiefRow {
                    code: "C001".into(),
                    name: "张三".into(),
                    level: ChiefLevel::City,
                    position: Some("副市长".into()),
                    phone: Some("13800000000".into()),
                    email: Some("zhang@example.cn".into()),
                    region: Some("360100".into()),
                    retired: false,
                    origin: origin("河长", 2),
                },
                ChiefRow {
                    code: "C002".into(),
                    name: "李四".into(),
                    level: ChiefLevel::Village,
                    position: None,
                    phone: None,
                    email: None,
                    region: None,
                    retired: true,
                    origin: origin("河长", 3),
                },
            ],
            appointments: vec![
                AppointmentRow {
                    chief: "C001".into(),
                    water_body: "GJ".into(),
                    reach: None,
                    starts_on: day(2021, 3, 1),
                    ends_on: Some(day(2026, 3, 1)),
                    note: Some("连任".into()),
                    origin: origin("河长任命", 2),
                },
                AppointmentRow {
                    chief: "C002".into(),
                    water_body: "FH".into(),
                    reach: Some("FH-01".into()),
                    starts_on: day(2022, 7, 15),
                    ends_on: None,
                    note: None,
                    origin: origin("河长任命", 3),
                },
            ],
        };
        assert_eq!(registry, expected);
        let sheets: Vec<&str> = KINDS.into_iter().flat_map(|k| layout.sheets(k).collect::<Vec<_>>()).collect();
        assert_eq!(sheets, ["行政区划", "水体", "监测断面", "河长", "河长任命"]);
    }

    const BAD_SECTIONS: &[&[&str]] = &[
        &["断面编码", "断面名称", "所属水体", "所在区划", "控制级别", "水质目标", "启用日期", "备注x"],
        &["S1", "甲", "GJ", "360100", "国家控", "III", "2024-01-01", ""],
        &["S2", "", "GJ", "360100", "国控", "劣V", "2024-13-01", ""],
        &["S3", "丙", "GJ", "360100", "省控", "Ⅳ类", "2024/2/30", ""],
        &["S4", "丁", "GJ", "360100", "市控", "II", "", ""],
    ];

    #[test]
    fn every_bad_cell_of_a_csv_is_reported_at_its_line_and_column() {
        let text: String = BAD_SECTIONS.iter().map(|r| r.join(",") + "\n").collect();
        let e = csv("sections.csv", None, &text).expect_err("bad cells");
        assert!(e.to_string().starts_with("the registry has 6 problems:\n- sections.csv, line 1, column \"备注x\""));
        assert!(e.zh().starts_with("登记表有 6 处问题：\n- sections.csv：第 1 行“备注x”列：“备注x”不是监测断面表的列"));
        let all = problems(e);
        assert!(all.iter().all(|p| p.file.as_deref() == Some("sections.csv")));
        let got: Vec<_> = all.iter().map(|p| (p.code, p.place.to_string())).collect();
        assert_eq!(
            got,
            [
                ("unknown_column", "line 1, column \"备注x\"".to_string()),
                ("invalid_level", "line 2, column \"控制级别\"".into()),
                ("missing_value", "line 3, column \"断面名称\"".into()),
                ("invalid_target", "line 3, column \"水质目标\"".into()),
                ("invalid_date", "line 3, column \"启用日期\"".into()),
                ("invalid_date", "line 4, column \"启用日期\"".into()),
            ]
        );
        assert_eq!(all[1].en, "'国家控' is not a control level (write 国控, 省控, 市控, 区控)");
        assert_eq!(all[3].en, "'劣V' cannot be a target: a target is one of the classes I to V");
        assert_eq!(all[3].zh, "“劣V”不能作为水质目标：目标须为 I–V 类");
        assert_eq!(all[5].en, "'2024/2/30' is no day of the calendar");
    }

    #[test]
    fn every_bad_cell_of_a_workbook_is_reported_at_its_cell() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("监测断面").expect("name");
        for (r, row) in BAD_SECTIONS.iter().enumerate() {
            write_row(sheet, r as u32, row);
        }
        let regions = book.add_worksheet();
        regions.set_name("regions").expect("name");
        write_row(regions, 0, &["code", "name"]);
        write_row(regions, 1, &["360100", "南昌市"]);
        let e = read_xlsx(Cursor::new(book.save_to_buffer().expect("xlsx"))).expect_err("bad cells");
        let sheet = |cell: &str, column: &str| format!("sheet \"监测断面\", cell {cell} (column \"{column}\")");
        assert_eq!(
            summary(e),
            [
                ("unknown_column", sheet("H1", "备注x")),
                ("invalid_level", sheet("E2", "控制级别")),
                ("missing_value", sheet("B3", "断面名称")),
                ("invalid_target", sheet("F3", "水质目标")),
                ("invalid_date", sheet("G3", "启用日期")),
                ("invalid_date", sheet("G4", "启用日期")),
                ("missing_column", "sheet \"regions\", row 1".into()),
            ]
        );
    }

    #[test]
    fn identical_duplicates_are_dropped_and_differing_ones_named_at_both_rows() {
        let text = "代码,名称,级别\n360100,南昌市,市\n360100,南昌市,市级\n360102,东湖区,区\n";
        let (registry, _) = csv("regions.csv", None, text).expect("identical rows are one");
        assert_eq!(registry.regions.iter().map(|r| r.origin.row).collect::<Vec<_>>(), [Some(2), Some(4)]);
        let e = csv("regions.csv", None, &format!("{text}360102,东湖,区\n")).expect_err("differing");
        let all = problems(e);
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!((all[0].code, all[0].place.to_string()), ("conflicting_duplicate", "line 5".to_string()));
        assert_eq!(all[0].en, "the region \"360102\" is given twice, differently: also at line 4; keep one");
        assert_eq!(all[0].zh, "行政区划“360102”重复出现且内容不同：另见第 4 行；请只保留一行");
        let appointments =
            "河长编号,水体编码,任期开始,备注\nC1,GJ,2024-01-01,a\nC1,GJ,2024/1/1,b\nC1,GJ,2025-01-01,b\n";
        let e = csv("appointments.csv", None, appointments).expect_err("same key, another note");
        assert_eq!(summary(e), [("conflicting_duplicate", "line 3".to_string())]);
    }

    #[test]
    fn duplicates_across_files_name_the_other_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = dir.path().join("regions.csv");
        std::fs::write(&first, "代码,名称,级别\n360100,南昌市,市\n").expect("write");
        let second = dir.path().join("more-regions.csv");
        std::fs::write(&second, gbk("代码,名称,级别\n360102,东湖区,区\n360100,南昌,市\n")).expect("write");
        let book = dir.path().join("registry.xlsx");
        std::fs::write(&book, write_xlsx(&full_registry()).expect("xlsx")).expect("write");
        let e = read_files(&[first.clone(), second.clone(), book.clone()], None).expect_err("conflict");
        let all = problems(e);
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].file.as_deref(), Some(second.display().to_string().as_str()));
        assert!(all[0].en.ends_with(&format!("also at {}, line 2; keep one", first.display())), "{}", all[0].en);
        let (registry, layout) = read_files(&[first.clone(), book], None).expect("read");
        assert_eq!(registry.regions.len(), 1 + full_registry().regions.len());
        assert_eq!(registry.regions[0].origin, origin(&first.display().to_string(), 2));
        assert_eq!(
            layout.file(Kind::Chiefs, &origin("河长", 2)),
            Some(dir.path().join("registry.xlsx").display().to_string().as_str())
        );
        let legacy = dir.path().join("old.xls");
        std::fs::write(&legacy, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).expect("write");
        let e = read_files(&[first, legacy.clone()], None).expect_err("an .xls");
        assert!(
            matches!(&e, ReadError::Table { file: Some(f), error: TableError::LegacyXls } if *f == legacy.display().to_string())
        );
    }

    #[test]
    fn a_sheet_of_another_name_is_refused_but_empty_and_hidden_list_sheets_are_skipped() {
        let mut book = Workbook::new();
        let chiefs = book.add_worksheet();
        chiefs.set_name("河长").expect("name");
        write_row(chiefs, 0, &["编号", "姓名", "级别"]);
        write_row(chiefs, 1, &["C1", "张三", "镇级"]);
        book.add_worksheet().set_name("Sheet2").expect("an empty sheet");
        let lists = book.add_worksheet();
        lists.set_name("选项").expect("name");
        write_row(lists, 0, &["国控", "省控"]);
        lists.set_hidden(true);
        let sections = book.add_worksheet();
        sections.set_name("Sections").expect("the key, any case");
        write_row(sections, 0, &["code", "name", "water body", "region", "control level", "target"]);
        write_row(sections, 1, &["S1", "甲", "GJ", "360100", "provincial", "2类"]);
        let bytes = book.save_to_buffer().expect("xlsx");
        let (registry, _) = read_xlsx(Cursor::new(bytes.clone())).expect("read");
        assert_eq!((registry.chiefs.len(), registry.sections.len()), (1, 1));
        assert_eq!(registry.sections[0].target, WaterClass::II);
        assert_eq!(registry.sections[0].control_level, ControlLevel::Provincial);

        let mut book = Workbook::new();
        let chiefs = book.add_worksheet();
        chiefs.set_name("河长名单").expect("name");
        write_row(chiefs, 0, &["编号", "姓名", "级别"]);
        let e = read_xlsx(Cursor::new(book.save_to_buffer().expect("xlsx"))).expect_err("unknown sheet");
        let all = problems(e);
        assert_eq!((all.len(), all[0].code), (1, "unknown_sheet"));
        assert!(all[0].en.starts_with("the sheet \"河长名单\" is no part of the registry"), "{}", all[0].en);
        assert!(matches!(
            read_xlsx(Cursor::new(b"a,b\n".to_vec())),
            Err(ReadError::Table { error: TableError::NotXlsx, .. })
        ));
    }

    #[test]
    fn the_kind_of_a_csv_is_told_by_its_name() {
        let cases = [
            ("sections.csv", Some(Kind::Sections)),
            ("监测断面.csv", Some(Kind::Sections)),
            ("registry-sections.csv", Some(Kind::Sections)),
            ("data/2024_water_bodies.csv", Some(Kind::WaterBodies)),
            ("Water-Bodies.CSV", Some(Kind::WaterBodies)),
            ("南昌市河长任命.csv", Some(Kind::Appointments)),
            ("河长.csv", Some(Kind::Chiefs)),
            ("readings.csv", None),
            ("sectionsx.csv", None),
        ];
        for (name, kind) in cases {
            assert_eq!(kind_of_name(name), kind, "{name}");
        }
        let (registry, _) =
            csv("targets-2024.csv", Some(Kind::Targets), "断面编码,年份,目标\nS1,2024,II\n").expect("read");
        assert_eq!(registry.targets[0].year, 2024);
    }

    #[test]
    fn the_kind_of_a_csv_is_told_by_its_header_unless_two_fit() {
        let (registry, _) = csv("upload.csv", None, "编号,姓名,级别\nC1,张三,村级\n").expect("chiefs");
        assert_eq!(registry.chiefs[0].level, ChiefLevel::Village);
        let (registry, _) = csv("upload.csv", None, "Code,Name,Level,Parent\n36,江西省,province,\n").expect("regions");
        assert_eq!(registry.regions[0].level, RegionLevel::Province, "only regions have a parent column");
        let e = csv("upload.csv", None, "code,name,level\nC1,张三,村级\n").expect_err("regions or chiefs");
        let all = problems(e);
        assert_eq!((all.len(), all[0].code, all[0].place.to_string()), (1, "unknown_kind", "line 1".to_string()));
        assert!(all[0].en.contains("its header fits regions, chiefs"), "{}", all[0].en);
        let e = csv("upload.csv", None, "甲,乙\n1,2\n").expect_err("no kind");
        assert!(problems(e)[0].en.contains("its header fits no kind"));
    }

    #[test]
    fn cell_forms_as_bureaus_write_them() {
        let cell = Cell::from_text;
        for (t, level) in
            [("省", RegionLevel::Province), ("区县", RegionLevel::District), ("村（社区）", RegionLevel::Village)]
        {
            assert_eq!(region_level(&cell(t)), Ok(level), "{t}");
        }
        for (t, level) in
            [("村级河长", ChiefLevel::Village), ("街道级", ChiefLevel::Town), ("乡镇（街道）级河长", ChiefLevel::Town)]
        {
            assert_eq!(chief_level(&cell(t)), Ok(level), "{t}");
        }
        assert_eq!(control_level(&cell("县控")), Ok(ControlLevel::District));
        assert_eq!(water_body_kind(&cell("Reservoir")), Ok(WaterBodyKind::Reservoir));
        for (t, class) in [
            ("Ⅰ", WaterClass::I),
            ("ⅱ类", WaterClass::II),
            ("III类", WaterClass::III),
            ("ＩＶ", WaterClass::IV),
            ("5", WaterClass::V),
        ] {
            assert_eq!(target(&cell(t)), Ok(class), "{t}");
        }
        for t in ["劣V", "劣Ⅴ类", "VI", "0", "Ⅲx"] {
            assert_eq!(target(&cell(t)).map_err(|p| p.code), Err("invalid_target"), "{t}");
        }
        for (t, b) in [("是", true), ("Y", true), ("撤销", true), ("否", false), ("FALSE", false), ("0", false)] {
            assert_eq!(boolean(&cell(t)), Ok(b), "{t}");
        }
        assert_eq!(boolean(&cell("也许")).map_err(|p| p.code), Err("invalid_boolean"));
        for t in ["2024-01-31", "2024/1/31", "2024.1.31", "2024年1月31日", "20240131", "2024-01-31 00:00:00", "45322"]
        {
            assert_eq!(date(&cell(t)), Ok(day(2024, 1, 31)), "{t}");
        }
        for t in ["2024-01-31 08:00", "2024-1-31x", "31/01/2024", "2024-01/31", "1900-01-01", "2024年2月30日"] {
            assert_eq!(date(&cell(t)).map_err(|p| p.code), Err("invalid_date"), "{t}");
        }
        let serial = |serial| Cell { text: String::new(), typed: Some(Typed::DateTime { serial }) };
        assert_eq!(date(&serial(45322.0)), Ok(day(2024, 1, 31)));
        assert_eq!(date(&serial(45322.5)).map_err(|p| p.code), Err("invalid_date"), "noon");
        assert_eq!(year(&cell("2024")), Ok(2024));
        assert_eq!(year(&cell("1979")).map_err(|p| p.code), Err("invalid_year"));
        assert_eq!(year(&cell("2024.5")).map_err(|p| p.code), Err("invalid_year"));
        assert_eq!(number(&cell("1.2.3")).map_err(|p| p.code), Err("invalid_number"));
        assert_eq!(degrees(90.0, "纬度", "latitude")(&cell("91")).map_err(|p| p.code), Err("out_of_range"));
        assert_eq!(
            code_list(&cell("a; b；c,d，e、f g")),
            Ok(["a", "b", "c", "d", "e", "f", "g"].map(String::from).to_vec())
        );
    }

    #[test]
    fn no_two_fields_of_a_kind_share_a_name_and_each_exports_a_chinese_one() {
        for kind in KINDS {
            let mut seen: HashMap<String, &str> = HashMap::new();
            for spec in columns(kind) {
                assert!(!spec.aliases[0].is_ascii(), "{}.{} exports {}", key(kind), spec.field, spec.aliases[0]);
                assert!(spec.aliases.contains(&spec.field), "{}.{} is taken under its own name", key(kind), spec.field);
                for alias in spec.aliases {
                    let other = seen.insert(normalize_name(alias), spec.field);
                    assert!(
                        other.is_none_or(|f| f == spec.field),
                        "{}: {alias} is {other:?} and {}",
                        key(kind),
                        spec.field
                    );
                }
            }
        }
    }

    /// Every kind, every optional field set in one row and not in another, non-ASCII text, retired rows,
    /// dates; in the exported (key) order.
    fn full_registry() -> Registry {
        Registry {
            regions: vec![
                RegionRow {
                    code: "360000".into(),
                    name: "江西省".into(),
                    level: RegionLevel::Province,
                    parent: None,
                    retired: false,
                    origin: Origin::default(),
                },
                RegionRow {
                    code: "360102001".into(),
                    name: "公园街道".into(),
                    level: RegionLevel::Street,
                    parent: Some("360102".into()),
                    retired: true,
                    origin: Origin::default(),
                },
                RegionRow {
                    code: "360102001001".into(),
                    name: "八一社区".into(),
                    level: RegionLevel::Village,
                    parent: Some("360102001".into()),
                    retired: false,
                    origin: Origin::default(),
                },
                RegionRow {
                    code: "360121100".into(),
                    name: "莲塘镇".into(),
                    level: RegionLevel::Town,
                    parent: Some("360121".into()),
                    retired: false,
                    origin: Origin::default(),
                },
            ],
            water_bodies: vec![
                WaterBodyRow {
                    code: "FH".into(),
                    name: "抚河".into(),
                    kind: WaterBodyKind::River,
                    parent: Some("GJ".into()),
                    regions: vec!["360100".into(), "361000".into()],
                    description: Some("赣江支流, \"抚河\"\n第二行".into()),
                    retired: true,
                    origin: Origin::default(),
                },
                WaterBodyRow {
                    code: "PYH".into(),
                    name: "鄱阳湖".into(),
                    kind: WaterBodyKind::Lake,
                    parent: None,
                    regions: vec![],
                    description: None,
                    retired: false,
                    origin: Origin::default(),
                },
                WaterBodyRow {
                    code: "ZLSK".into(),
                    name: "柘林水库".into(),
                    kind: WaterBodyKind::Reservoir,
                    parent: None,
                    regions: vec!["360425".into()],
                    description: None,
                    retired: false,
                    origin: Origin::default(),
                },
            ],
            reaches: vec![
                ReachRow {
                    code: "FH-01".into(),
                    name: "抚河南昌段".into(),
                    water_body: "FH".into(),
                    region: "360100".into(),
                    description: Some("自李家渡至入江口".into()),
                    retired: true,
                    origin: Origin::default(),
                },
                ReachRow {
                    code: "FH-02".into(),
                    name: "抚河抚州段".into(),
                    water_body: "FH".into(),
                    region: "361000".into(),
                    description: None,
                    retired: false,
                    origin: Origin::default(),
                },
            ],
            sections: vec![
                SectionRow {
                    code: "0001".into(),
                    name: "滁槎".into(),
                    water_body: "FH".into(),
                    reach: Some("FH-01".into()),
                    region: "360100".into(),
                    longitude: Some(115.978_123_456_789),
                    latitude: Some(-28.6),
                    control_level: ControlLevel::Municipal,
                    target: WaterClass::I,
                    station_mn: Some("88888880000001".into()),
                    active_from: Some(day(1995, 6, 30)),
                    active_to: Some(day(2099, 12, 31)),
                    origin: Origin::default(),
                },
                SectionRow {
                    code: "JX002".into(),
                    name: "湖心".into(),
                    water_body: "PYH".into(),
                    reach: None,
                    region: "360400".into(),
                    longitude: None,
                    latitude: None,
                    control_level: ControlLevel::National,
                    target: WaterClass::V,
                    station_mn: None,
                    active_from: None,
                    active_to: None,
                    origin: Origin::default(),
                },
                SectionRow {
                    code: "JX003".into(),
                    name: "坝前".into(),
                    water_body: "ZLSK".into(),
                    reach: None,
                    region: "360425".into(),
                    longitude: Some(115.5),
                    latitude: Some(29.2),
                    control_level: ControlLevel::Provincial,
                    target: WaterClass::II,
                    station_mn: None,
                    active_from: None,
                    active_to: None,
                    origin: Origin::default(),
                },
                SectionRow {
                    code: "JX004".into(),
                    name: "入江口".into(),
                    water_body: "FH".into(),
                    reach: None,
                    region: "360100".into(),
                    longitude: None,
                    latitude: None,
                    control_level: ControlLevel::District,
                    target: WaterClass::IV,
                    station_mn: None,
                    active_from: None,
                    active_to: None,
                    origin: Origin::default(),
                },
            ],
            targets: vec![
                TargetRow { section: "0001".into(), year: 2024, target: WaterClass::III, origin: Origin::default() },
                TargetRow { section: "0001".into(), year: 2025, target: WaterClass::II, origin: Origin::default() },
            ],
            chiefs: vec![
                ChiefRow {
                    code: "C001".into(),
                    name: "张三".into(),
                    level: ChiefLevel::Province,
                    position: Some("副省长".into()),
                    phone: Some("0791-88888888".into()),
                    email: Some("zhang@example.cn".into()),
                    region: Some("360000".into()),
                    retired: true,
                    origin: Origin::default(),
                },
                ChiefRow {
                    code: "C002".into(),
                    name: "李四".into(),
                    level: ChiefLevel::City,
                    position: None,
                    phone: None,
                    email: None,
                    region: None,
                    retired: false,
                    origin: Origin::default(),
                },
                ChiefRow {
                    code: "C003".into(),
                    name: "王五".into(),
                    level: ChiefLevel::District,
                    position: None,
                    phone: None,
                    email: None,
                    region: None,
                    retired: false,
                    origin: Origin::default(),
                },
                ChiefRow {
                    code: "C004".into(),
                    name: "赵六".into(),
                    level: ChiefLevel::Town,
                    position: None,
                    phone: None,
                    email: None,
                    region: None,
                    retired: false,
                    origin: Origin::default(),
                },
                ChiefRow {
                    code: "C005".into(),
                    name: "钱七".into(),
                    level: ChiefLevel::Village,
                    position: None,
                    phone: None,
                    email: None,
                    region: None,
                    retired: false,
                    origin: Origin::default(),
                },
            ],
            appointments: vec![
                AppointmentRow {
                    chief: "C001".into(),
                    water_body: "FH".into(),
                    reach: None,
                    starts_on: day(2018, 1, 1),
                    ends_on: Some(day(2022, 12, 31)),
                    note: Some("总河长".into()),
                    origin: Origin::default(),
                },
                AppointmentRow {
                    chief: "C001".into(),
                    water_body: "FH".into(),
                    reach: Some("FH-01".into()),
                    starts_on: day(2023, 1, 1),
                    ends_on: None,
                    note: None,
                    origin: Origin::default(),
                },
            ],
        }
    }

    #[test]
    fn an_exported_workbook_reads_back_the_same() {
        let registry = full_registry();
        let bytes = write_xlsx(&registry).expect("xlsx");
        let (read, _) = read_xlsx(Cursor::new(bytes)).expect("read back");
        assert_eq!(bare(read), registry);
        let (empty, _) = read_xlsx(Cursor::new(write_xlsx(&Registry::default()).expect("xlsx"))).expect("empty");
        assert!(empty.is_empty());
    }

    #[test]
    fn exported_csv_files_read_back_the_same() {
        let registry = full_registry();
        let mut whole = Registry::default();
        for kind in KINDS {
            let mut bytes = Vec::new();
            write_csv(kind, &registry, &mut bytes).expect("csv");
            assert!(bytes.starts_with("\u{feff}".as_bytes()));
            let name = format!("{}.csv", key(kind));
            let (read, _) = read_csv(&name, None, Cursor::new(bytes)).expect(&name);
            let read = bare(read);
            assert_eq!(read.len(), count(&registry, kind), "{name}");
            whole.regions.extend(read.regions);
            whole.water_bodies.extend(read.water_bodies);
            whole.reaches.extend(read.reaches);
            whole.sections.extend(read.sections);
            whole.targets.extend(read.targets);
            whole.chiefs.extend(read.chiefs);
            whole.appointments.extend(read.appointments);
        }
        assert_eq!(whole, registry);
    }

    #[test]
    fn export_sorts_by_key_and_writes_the_canonical_forms() {
        let mut registry = full_registry();
        registry.regions.reverse();
        let mut bytes = Vec::new();
        write_csv(Kind::Regions, &registry, &mut bytes).expect("csv");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert_eq!(
            text,
            "\u{feff}代码,名称,级别,上级,撤销\n360000,江西省,省,,否\n360102001,公园街道,街道,360102,是\n\
             360102001001,八一社区,村,360102001,否\n360121100,莲塘镇,镇,360121,否\n"
        );
        let mut bytes = Vec::new();
        write_csv(Kind::Sections, &registry, &mut bytes).expect("csv");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(
            text.contains(
                "\n0001,滁槎,FH,FH-01,360100,115.978123456789,-28.6,市控,I,88888880000001,1995-06-30,2099-12-31\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn locate_finds_a_fields_cell() {
        let (registry, layout) = read_xlsx(Cursor::new(bureau_workbook())).expect("read");
        let section = &registry.sections[1];
        let place = locate(&layout, Kind::Sections, &section.origin, "target").expect("placed");
        assert_eq!(place.to_string(), "sheet \"监测断面\", cell I3 (column \"水质目标\")");
        let place = locate(&layout, Kind::Sections, &section.origin, "reach").expect("placed");
        assert_eq!(place.to_string(), "sheet \"监测断面\", cell D3 (column \"所属河段\")");
        assert_eq!(locate(&layout, Kind::Chiefs, &section.origin, "name"), None, "no such chiefs sheet");
        assert_eq!(locate(&layout, Kind::Sections, &Origin::default(), "name"), None, "a row from the API");

        let (registry, layout) =
            csv("sections.csv", None, "编码,名称,水体编码,区划代码,控制级别,目标\nS1,甲,GJ,360100,国控,II\n")
                .expect("read");
        let origin = &registry.sections[0].origin;
        let place = locate(&layout, Kind::Sections, origin, "control_level").expect("placed");
        assert_eq!(place.to_string(), "line 2, column \"控制级别\"");
        let place = locate(&layout, Kind::Sections, origin, "station_mn").expect("the row, without a column");
        assert_eq!((place.position, place.column), (Position::Line(2), None));
    }
}
