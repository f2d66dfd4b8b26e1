//! The assessment on the wire: JSON, and the same figures as CSV and XLSX with Chinese column headers.

use models::domain::Code;
use serde::Serialize;

use models::assessment::{Assessment, SectionResult, UnitAssessment};
use models::domain::evaluation::{
    Comparison, GroupFigures, ItemEvaluation, SectionEvaluation, StatusMethod, round_half_even,
};
use models::domain::gb3838::{Parameter, WaterClass};
use models::domain::notice_text::format_number;

use super::trophic::TrophicView;

/// Percentages and points are given to two decimal places.
fn two(v: f64) -> f64 {
    round_half_even(v, 2)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssessmentView {
    pub scope: &'static str,
    pub scope_zh: &'static str,
    pub period: String,
    pub period_label: String,
    pub previous_period: String,
    pub last_year_period: String,
    pub method: &'static str,
    pub units: Vec<UnitView>,
}

/// Counts or shares per class, named as the standard names them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PerClass<T> {
    #[serde(rename = "I")]
    pub i: T,
    #[serde(rename = "II")]
    pub ii: T,
    #[serde(rename = "III")]
    pub iii: T,
    #[serde(rename = "IV")]
    pub iv: T,
    #[serde(rename = "V")]
    pub v: T,
    #[serde(rename = "劣V")]
    pub worse_than_v: T,
}

impl<T: Copy> PerClass<T> {
    fn from(a: [T; 6]) -> Self {
        Self { i: a[0], ii: a[1], iii: a[2], iv: a[3], v: a[4], worse_than_v: a[5] }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub key: String,
    pub name: String,
    /// Sections with a class in the period.
    pub evaluated: usize,
    pub distribution: PerClass<usize>,
    /// Percent of evaluated sections in each class.
    pub shares: PerClass<f64>,
    /// 优良水质比例 (classes I–III), percent.
    pub excellent_rate: f64,
    /// 劣V类比例, percent.
    pub worse_than_v_share: f64,
    pub meeting_target: usize,
    pub target_attainment_rate: f64,
    pub status: Option<&'static str>,
    pub status_en: Option<&'static str>,
    /// `proportion` (five or more sections) or `averaging`.
    pub status_method: Option<&'static str>,
    pub status_method_zh: Option<&'static str>,
    #[schema(value_type = Option<String>)]
    pub averaged_class: Option<WaterClass>,
    /// By section exceedance rate (percent of sections worse than class III).
    pub main_pollutants: Vec<GroupPollutantView>,
    pub previous: Option<ComparisonView>,
    pub last_year: Option<ComparisonView>,
    /// For a lake or reservoir: the trophic state of its sections' index items averaged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trophic: Option<TrophicView>,
    pub sections: Vec<SectionResultView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupPollutantView {
    #[schema(value_type = String)]
    pub parameter: Parameter,
    pub name: &'static str,
    pub exceedance_rate: f64,
    pub sections_exceeding: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComparisonView {
    /// The earlier period's figures.
    pub evaluated: usize,
    pub excellent_rate: f64,
    pub worse_than_v_share: f64,
    /// ΔG, ΔD and ΔG − ΔD, percentage points.
    pub delta_excellent: f64,
    pub delta_worse_than_v: f64,
    pub score: f64,
    pub change: &'static str,
    pub change_zh: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SectionResultView {
    pub code: String,
    pub name: String,
    pub water_body: String,
    #[schema(value_type = String)]
    pub target_class: WaterClass,
    #[schema(value_type = Option<String>)]
    pub class: Option<WaterClass>,
    pub status: Option<&'static str>,
    pub meets_target: Option<bool>,
    /// As reports print them, e.g. `NH3-N(1.3)`.
    pub main_pollutants: Vec<String>,
    /// On a lake or reservoir: the class of total nitrogen alone (总氮单独评价), never part of `class`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub tn_separately: Option<WaterClass>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trophic: Option<TrophicView>,
}

fn comparison(earlier: &GroupFigures, c: Option<&Comparison>) -> Option<ComparisonView> {
    let c = c?;
    Some(ComparisonView {
        evaluated: earlier.evaluated,
        excellent_rate: two(earlier.excellent_rate),
        worse_than_v_share: two(earlier.worse_than_v_share),
        delta_excellent: two(c.delta_excellent),
        delta_worse_than_v: two(c.delta_worse_than_v),
        score: two(c.score),
        change: c.change.code(),
        change_zh: c.change.zh(),
    })
}

fn section_view(s: &SectionResult) -> SectionResultView {
    SectionResultView {
        code: s.code.clone(),
        name: s.name.clone(),
        water_body: s.water_body.clone(),
        target_class: s.target,
        class: s.evaluation.class,
        status: s.evaluation.status().map(|st| st.zh()),
        meets_target: s.evaluation.class.map(|c| c <= s.target),
        main_pollutants: s.evaluation.main_pollutants.iter().map(|m| m.label()).collect(),
        tn_separately: s.evaluation.tn_separately,
        trophic: s.evaluation.trophic.as_ref().map(TrophicView::from),
    }
}

impl From<&UnitAssessment> for UnitView {
    fn from(u: &UnitAssessment) -> Self {
        let f = &u.figures;
        UnitView {
            key: u.key.clone(),
            name: u.name.clone(),
            evaluated: f.evaluated,
            distribution: PerClass::from(f.distribution),
            shares: PerClass::from(f.shares.map(two)),
            excellent_rate: two(f.excellent_rate),
            worse_than_v_share: two(f.worse_than_v_share),
            meeting_target: f.meeting_target,
            target_attainment_rate: two(f.target_attainment_rate),
            status: f.status.map(|s| s.zh()),
            status_en: f.status.map(|s| s.en()),
            status_method: f.status_method.map(StatusMethod::code),
            status_method_zh: f.status_method.map(StatusMethod::zh),
            averaged_class: f.averaged_class,
            main_pollutants: f
                .main_pollutants
                .iter()
                .map(|p| GroupPollutantView {
                    parameter: p.parameter,
                    name: p.parameter.info().name_zh,
                    exceedance_rate: two(p.exceedance_rate),
                    sections_exceeding: p.sections_exceeding,
                })
                .collect(),
            previous: comparison(&u.previous_figures, u.previous.as_ref()),
            last_year: comparison(&u.last_year_figures, u.last_year.as_ref()),
            trophic: f.trophic.as_ref().map(TrophicView::from),
            sections: u.sections.iter().map(section_view).collect(),
        }
    }
}

impl From<&Assessment> for AssessmentView {
    fn from(a: &Assessment) -> Self {
        AssessmentView {
            scope: a.scope.as_str(),
            scope_zh: a.scope.zh(),
            period: a.period.clone(),
            period_label: a.period_label.clone(),
            previous_period: a.previous_period.clone(),
            last_year_period: a.last_year_period.clone(),
            method: "GB 3838-2002；地表水环境质量评价办法（试行）",
            units: a.units.iter().map(UnitView::from).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// CSV and XLSX: one row per unit, Chinese headers, plus a sheet of sections in the workbook.
// ---------------------------------------------------------------------------------------------------

pub const UNIT_HEADERS: [&str; 23] = [
    "评价单元",
    "单元编码",
    "评价时段",
    "参评断面数",
    "I类",
    "II类",
    "III类",
    "IV类",
    "V类",
    "劣V类",
    "优良比例(%)",
    "劣V类比例(%)",
    "达标断面数",
    "目标达标率(%)",
    "水质状况",
    "评价方法",
    "主要污染指标(断面超标率%)",
    "上期优良比例(%)",
    "环比ΔG−ΔD",
    "环比变化",
    "去年同期优良比例(%)",
    "同比ΔG−ΔD",
    "同比变化",
];

pub const SECTION_HEADERS: [&str; 9] =
    ["评价单元", "断面编码", "断面名称", "水体", "水质目标", "水质类别", "水质状况", "是否达标", "主要污染指标"];

/// Added when the assessment holds lakes or reservoirs: their trophic state, and TN judged alone.
pub const LAKE_UNIT_HEADERS: [&str; 2] = ["综合营养状态指数TLI", "营养状态"];
pub const LAKE_SECTION_HEADERS: [&str; 3] = ["总氮单独评价", "综合营养状态指数TLI", "营养状态"];

fn trophic_cells(t: Option<&TrophicView>) -> [Cell; 2] {
    match t {
        Some(TrophicView { tli: Some(tli), grade, .. }) => [Cell::Number(*tli), Cell::Text(grade.to_string())],
        Some(_) => [Cell::Empty, Cell::Text("数据不足".into())],
        None => [Cell::Empty, Cell::Empty],
    }
}

fn has_lakes(a: &AssessmentView) -> bool {
    a.units
        .iter()
        .any(|u| u.trophic.is_some() || u.sections.iter().any(|s| s.trophic.is_some() || s.tn_separately.is_some()))
}

/// A cell: text or a number.
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Empty => String::new(),
        }
    }
}

fn unit_row(a: &AssessmentView, u: &UnitView) -> Vec<Cell> {
    use Cell::*;
    let d = &u.distribution;
    let cmp = |c: &Option<ComparisonView>| match c {
        Some(c) => [Number(c.excellent_rate), Number(c.score), Text(c.change_zh.into())],
        None => [Empty, Empty, Text("无可比数据".into())],
    };
    let pollutants = u
        .main_pollutants
        .iter()
        .map(|p| format!("{}({})", p.name, format_number(p.exceedance_rate)))
        .collect::<Vec<_>>()
        .join("、");
    let mut row = vec![
        Text(u.name.clone()),
        Text(u.key.clone()),
        Text(a.period_label.clone()),
        Number(u.evaluated as f64),
        Number(d.i as f64),
        Number(d.ii as f64),
        Number(d.iii as f64),
        Number(d.iv as f64),
        Number(d.v as f64),
        Number(d.worse_than_v as f64),
        Number(u.excellent_rate),
        Number(u.worse_than_v_share),
        Number(u.meeting_target as f64),
        Number(u.target_attainment_rate),
        Text(u.status.unwrap_or("—").into()),
        Text(u.status_method_zh.unwrap_or("—").into()),
        Text(if pollutants.is_empty() { "—".into() } else { pollutants }),
    ];
    row.extend(cmp(&u.previous));
    row.extend(cmp(&u.last_year));
    if has_lakes(a) {
        row.extend(trophic_cells(u.trophic.as_ref()));
    }
    row
}

fn section_rows<'a>(a: &'a AssessmentView, u: &'a UnitView) -> impl Iterator<Item = Vec<Cell>> + 'a {
    use Cell::*;
    let lakes = has_lakes(a);
    u.sections.iter().map(move |s| {
        let mut row = vec![
            Text(u.name.clone()),
            Text(s.code.clone()),
            Text(s.name.clone()),
            Text(s.water_body.clone()),
            Text(format!("{}类", s.target_class)),
            Text(s.class.map_or_else(|| "无数据".into(), |c| format!("{c}类"))),
            Text(s.status.unwrap_or("—").into()),
            Text(match s.meets_target {
                Some(true) => "达标".into(),
                Some(false) => "未达标".into(),
                None => "—".into(),
            }),
            Text(if s.main_pollutants.is_empty() { "—".into() } else { s.main_pollutants.join("、") }),
        ];
        if lakes {
            row.push(s.tn_separately.map_or(Empty, |c| Text(format!("{c}类"))));
            row.extend(trophic_cells(s.trophic.as_ref()));
        }
        row
    })
}

fn headers(base: &[&'static str], lake: &[&'static str], lakes: bool) -> Vec<&'static str> {
    base.iter().chain(if lakes { lake } else { &[] }).copied().collect()
}

/// CSV, UTF-8 with a byte-order mark so that Excel shows the Chinese headers.
pub fn to_csv(a: &AssessmentView) -> anyhow::Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers(&UNIT_HEADERS, &LAKE_UNIT_HEADERS, has_lakes(a)))?;
        for u in &a.units {
            w.write_record(unit_row(a, u).iter().map(Cell::text))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// An XLSX workbook: sheet 水质评价 (one row per unit) and sheet 断面明细 (one row per section).
pub fn to_xlsx(a: &AssessmentView) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let write =
        |sheet: &mut rust_xlsxwriter::Worksheet, headers: &[&str], rows: Vec<Vec<Cell>>| -> anyhow::Result<()> {
            for (c, h) in headers.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32 + 1, c as u16);
                    match cell {
                        Cell::Text(t) => sheet.write_string(r, c, t)?,
                        Cell::Number(n) => sheet.write_number(r, c, *n)?,
                        Cell::Empty => sheet,
                    };
                }
            }
            sheet.autofit();
            Ok(())
        };
    let units = book.add_worksheet();
    units.set_name("水质评价")?;
    let lakes = has_lakes(a);
    write(units, &headers(&UNIT_HEADERS, &LAKE_UNIT_HEADERS, lakes), a.units.iter().map(|u| unit_row(a, u)).collect())?;
    let sections = book.add_worksheet();
    sections.set_name("断面明细")?;
    let rows = a.units.iter().flat_map(|u| section_rows(a, u)).collect();
    write(sections, &headers(&SECTION_HEADERS, &LAKE_SECTION_HEADERS, lakes), rows)?;
    Ok(book.save_to_buffer()?)
}

// ---------------------------------------------------------------------------------------------------
// GET /api/v1/sections/{code}
// ---------------------------------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemView {
    #[schema(value_type = String)]
    pub parameter: Parameter,
    pub name: &'static str,
    pub unit: &'static str,
    /// The value classified (for a period: rounded at the item's decimals).
    pub value: f64,
    /// The same before rounding.
    pub mean: f64,
    /// `"0.02L"` when every sample was below the detection limit.
    pub not_detected: Option<String>,
    #[schema(value_type = Option<String>)]
    pub class: Option<WaterClass>,
    pub multiple: Option<f64>,
    pub evaluated: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    #[schema(value_type = Option<String>)]
    pub class: Option<WaterClass>,
    pub status: Option<&'static str>,
    pub colour: Option<&'static str>,
    pub main_pollutants: Vec<String>,
    pub items: Vec<ItemView>,
    /// On a lake or reservoir: the class of total nitrogen alone (总氮单独评价), never part of `class`.
    #[schema(value_type = Option<String>)]
    pub tn_separately: Option<WaterClass>,
    /// On a lake or reservoir: the trophic state (TLI(Σ)).
    pub trophic: Option<TrophicView>,
}

impl From<&SectionEvaluation> for EvaluationView {
    fn from(e: &SectionEvaluation) -> Self {
        let item = |i: &ItemEvaluation| ItemView {
            parameter: i.parameter,
            name: i.parameter.info().name_zh,
            unit: i.parameter.info().unit,
            value: i.value,
            mean: i.mean,
            not_detected: i.not_detected.map(|dl| format!("{}L", format_number(dl))),
            class: i.class,
            multiple: i.multiple.map(two),
            evaluated: i.evaluated,
        };
        EvaluationView {
            class: e.class,
            status: e.status().map(|s| s.zh()),
            colour: e.status().map(|s| s.colour()),
            main_pollutants: e.main_pollutants.iter().map(|m| m.label()).collect(),
            items: e.items.iter().map(item).collect(),
            tn_separately: e.tn_separately,
            trophic: e.trophic.as_ref().map(TrophicView::from),
        }
    }
}
