//! `monthly_report`: on the first day of each month, the previous month's water-quality assessment of the
//! district and its towns, queued as an email (HTML and plain text, Chinese) to every bureau user with an
//! address. Delivery is `deliver_notices`' work; a second run for the same month queues nothing.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

use models::assessment::{self, Assessment, Scope};
use models::domain::Role;
use models::domain::evaluation::{Comparison, GroupFigures, Rounding};
use models::domain::gb3838::Parameter;
use models::domain::period::{Period, YearMonth};
use models::notices::{self, Channel, NewNotice};

use crate::{Job, JobContext, JobFuture, Report};

pub struct MonthlyReport;

impl Job for MonthlyReport {
    fn name(&self) -> &'static str {
        "monthly_report"
    }

    fn description(&self) -> &'static str {
        "email bureau staff last month's assessment of the district and its towns"
    }

    fn default_schedule(&self) -> &'static str {
        // 08:00 China Standard Time on the first day of each month.
        "0 0 8 1 * *"
    }

    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a> {
        Box::pin(queue_report(ctx, now))
    }
}

/// The month a run on `now` reports on: the previous month in China Standard Time.
pub fn reported_month(now: DateTime<Utc>) -> Period {
    Period::Month(YearMonth::of(now.with_timezone(&Shanghai).date_naive()).previous())
}

async fn queue_report(ctx: &JobContext, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let period = reported_month(now);
    let district = assessment::assess(&ctx.db, Scope::District, period, Rounding::PerItem(ctx.decimals)).await?;
    let towns = assessment::assess(&ctx.db, Scope::Town, period, Rounding::PerItem(ctx.decimals)).await?;
    let name = assessment::district_name(&ctx.db).await?.unwrap_or_else(|| "全区".into());
    let content = ReportContent::new(&name, &district, &towns);
    let html = content.render()?;
    let text = content.plain_text();

    let mut report = Report::default();
    let recipients = models::users::with_email(&ctx.db, Role::Bureau).await?;
    if recipients.is_empty() {
        report.lines.push("no bureau user has an email address; nothing queued".into());
    }
    for user in recipients {
        let queued = notices::enqueue(
            &ctx.db,
            NewNotice {
                alert_id: None,
                chief_id: None,
                channel: Channel::Email,
                recipient: user.email.clone().unwrap_or_default(),
                subject: content.title.clone(),
                body: text.clone(),
                body_html: Some(html.clone()),
                dedupe_key: Some(format!("monthly_report:{}:user:{}", period.code(), user.id)),
            },
            Utc::now(),
        )
        .await?;
        match queued {
            Some(n) => {
                report.count("queued");
                report.lines.push(format!("report for {} queued as notice {} to {}", period.code(), n.id, n.recipient));
            }
            None => report.count("already_queued"),
        }
    }
    Ok(report)
}

fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

/// A change of a share in words: `上升 8.3 个百分点`, `下降 8.3 个百分点`, `持平`.
fn points(v: f64) -> String {
    let shown = format!("{:.1}", v.abs());
    if shown == "0.0" {
        "持平".into()
    } else if v > 0.0 {
        format!("上升 {shown} 个百分点")
    } else {
        format!("下降 {shown} 个百分点")
    }
}

fn pollutants(figures: &GroupFigures) -> String {
    if figures.main_pollutants.is_empty() {
        return "—".into();
    }
    figures
        .main_pollutants
        .iter()
        .map(|p| format!("{}（{}）", p.parameter.info().name_zh, pct(p.exceedance_rate)))
        .collect::<Vec<_>>()
        .join("、")
}

fn section_pollutants(labels: &[(Parameter, String)]) -> String {
    if labels.is_empty() { "—".into() } else { labels.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>().join("、") }
}

pub struct TownRow {
    pub name: String,
    pub evaluated: usize,
    pub excellent: usize,
    pub worse_than_v: usize,
    pub excellent_rate: String,
    pub attainment_rate: String,
    pub status: String,
    pub pollutants: String,
}

pub struct MissingRow {
    pub section: String,
    pub water_body: String,
    pub town: String,
    pub target: String,
    pub class: String,
    pub pollutants: String,
}

/// Everything the report says, once, for both the HTML and the plain text.
#[derive(Template)]
#[template(path = "monthly_report.html")]
pub struct ReportContent {
    pub title: String,
    pub source_line: String,
    pub overall: String,
    pub comparisons: Vec<String>,
    pub towns: Vec<TownRow>,
    pub missing: Vec<MissingRow>,
}

fn comparison_line(label: &str, period: &str, c: Option<&Comparison>) -> String {
    match c {
        Some(c) => format!(
            "与{label}（{period}）相比：优良比例{}，劣V类比例{}，水质{}。",
            points(c.delta_excellent),
            points(c.delta_worse_than_v),
            c.change.zh()
        ),
        None => format!("与{label}（{period}）相比：无可比数据。"),
    }
}

impl ReportContent {
    pub fn new(district_name: &str, district: &Assessment, towns: &Assessment) -> Self {
        let title = format!("【水质月报】{district_name}{}地表水环境质量", district.period_label);
        let (overall, comparisons) = match district.units.first() {
            Some(unit) if unit.figures.evaluated > 0 => {
                let f = &unit.figures;
                let overall = format!(
                    "全区 {} 个断面参与评价：I～III类 {} 个，优良比例 {}；劣V类 {} 个，占 {}；{} 个断面达到水质目标，达标率 {}。水质状况：{}。主要污染指标：{}。",
                    f.evaluated,
                    f.distribution[..3].iter().sum::<usize>(),
                    pct(f.excellent_rate),
                    f.distribution[5],
                    pct(f.worse_than_v_share),
                    f.meeting_target,
                    pct(f.target_attainment_rate),
                    f.status.map_or("—", |s| s.zh()),
                    pollutants(f),
                );
                let comparisons = vec![
                    comparison_line("上月", &district.previous_period, unit.previous.as_ref()),
                    comparison_line("去年同期", &district.last_year_period, unit.last_year.as_ref()),
                ];
                (overall, comparisons)
            }
            _ => ("本月没有参与评价的断面数据。".into(), Vec::new()),
        };
        let town_rows = towns
            .units
            .iter()
            .filter(|u| u.figures.evaluated > 0)
            .map(|u| TownRow {
                name: u.name.clone(),
                evaluated: u.figures.evaluated,
                excellent: u.figures.distribution[..3].iter().sum(),
                worse_than_v: u.figures.distribution[5],
                excellent_rate: pct(u.figures.excellent_rate),
                attainment_rate: pct(u.figures.target_attainment_rate),
                status: u.figures.status.map_or("—", |s| s.zh()).into(),
                pollutants: pollutants(&u.figures),
            })
            .collect();
        let missing = towns
            .units
            .iter()
            .flat_map(|u| u.sections.iter().map(move |s| (u, s)))
            .filter(|(_, s)| s.evaluation.class.is_some_and(|c| c > s.target))
            .map(|(u, s)| MissingRow {
                section: format!("{}（{}）", s.name, s.code),
                water_body: s.water_body.clone(),
                town: u.name.clone(),
                target: format!("{} 类", s.target),
                class: s.evaluation.class.map_or_else(String::new, |c| format!("{c} 类")),
                pollutants: section_pollutants(
                    &s.evaluation.main_pollutants.iter().map(|m| (m.parameter, m.label())).collect::<Vec<_>>(),
                ),
            })
            .collect();
        ReportContent {
            title,
            source_line: format!(
                "评价时段：{}；依据《地表水环境质量标准》（GB 3838-2002）和《地表水环境质量评价办法（试行）》，按断面月均值评价。",
                district.period_label
            ),
            overall,
            comparisons,
            towns: town_rows,
            missing,
        }
    }

    /// The same content as plain text, for clients that do not show HTML.
    pub fn plain_text(&self) -> String {
        let mut out = format!("{}\n\n{}\n\n一、总体情况\n{}\n", self.title, self.source_line, self.overall);
        for line in &self.comparisons {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("\n二、各街镇水质\n");
        for t in &self.towns {
            out.push_str(&format!(
                "· {}：{} 个断面，I～III类 {} 个，劣V类 {} 个，优良比例 {}，达标率 {}，{}；主要污染指标 {}\n",
                t.name,
                t.evaluated,
                t.excellent,
                t.worse_than_v,
                t.excellent_rate,
                t.attainment_rate,
                t.status,
                t.pollutants
            ));
        }
        out.push_str("\n三、未达到水质目标的断面\n");
        if self.missing.is_empty() {
            out.push_str("本月所有参与评价的断面均达到水质目标。\n");
        }
        for m in &self.missing {
            out.push_str(&format!(
                "· {}，{}，{}：目标 {}，本月 {}，主要污染指标 {}\n",
                m.section, m.water_body, m.town, m.target, m.class, m.pollutants
            ));
        }
        out.push_str("\n—— riverchief 河长制水质监管平台（系统自动生成）\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_of_shares_read_as_words() {
        assert_eq!(points(8.333), "上升 8.3 个百分点");
        assert_eq!(points(-8.333), "下降 8.3 个百分点");
        assert_eq!(points(0.04), "持平");
    }

    #[test]
    fn a_run_on_the_first_reports_the_previous_month_in_china_time() {
        // 2026-11-01 00:30 CST is still 2026-10-31 in UTC: the report is for October either way.
        let now: DateTime<Utc> = "2026-10-31T16:30:00Z".parse().expect("t");
        assert_eq!(reported_month(now).code(), "2026-10");
        let january: DateTime<Utc> = "2027-01-01T00:00:00Z".parse().expect("t");
        assert_eq!(reported_month(january).code(), "2026-12");
    }
}
