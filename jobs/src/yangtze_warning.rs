//! `yangtze_warning`: the 2018 Yangtze-basin monitoring warning (《长江流域水环境质量监测预警办法（试行）》,
//! `STANDARDS.md` §5), run early each month for the month before.
//!
//! Each run evaluates every month of the current quarter through the last complete one: each section's
//! monthly and year-to-date class against the same periods last year and this year's target
//! (`domain::warning::yangtze_level`); towns and the top-level region (the district) take their worst
//! section's level. The periods' classes come from the stored monthly totals, one query per period, never
//! from raw readings.
//!
//! Warnings are **issued quarterly**: only the run after a quarter's last month (April, July, October,
//! January) raises, changes or lifts them, on the quarter's basis (`QuarterBasis::LatestMonth`: the
//! quarter's latest evaluated month). The runs in between report the provisional levels and issue nothing.
//! At an issue a warning whose criteria no longer hold is **lifted automatically**; a subject without any
//! evaluated month in the quarter keeps the warning it had (missing data is no improvement). A section's
//! issued warning opens or updates an alert of kind `yangtze_warning`, filed under the section's first main
//! pollutant of the year to date (the item that makes its class), and tells its lowest chief.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::{EntityTrait, TransactionTrait};
use serde_json::json;

use models::alerts::{self, WarningSignal};
use models::assessment::{self, SectionFacts};
use models::domain::Code;
use models::domain::alert::AlertKind;
use models::domain::evaluation::{Rounding, SectionEvaluation};
use models::domain::gb3838::WaterClass;
use models::domain::period::{Period, YearMonth};
use models::domain::warning::{
    MonthlyLevel, PeriodClasses, QuarterBasis, WarningGrade, WarningKind, YangtzeLevel, YangtzeMonth, issue_quarterly,
    worst_level, yangtze_level,
};
use models::entities::regions;
use models::sections::SectionContext;
use models::warnings::{self, Raise};

use crate::{Job, JobContext, JobFuture, Report};

pub const NAME: &str = "yangtze_warning";

pub struct YangtzeWarning;

impl Job for YangtzeWarning {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "the 2018 Yangtze-basin warning: evaluated each month, issued and lifted quarterly"
    }

    fn default_schedule(&self) -> &'static str {
        // 04:00 China Standard Time on the 6th of every month, when last month's lab results are in.
        "0 0 4 6 * *"
    }

    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a> {
        Box::pin(run(ctx, now))
    }
}

/// One month of one section, as the rule saw it.
#[derive(Debug, Clone)]
struct Evaluated {
    month: YearMonth,
    rule: YangtzeMonth,
    level: Option<YangtzeLevel>,
}

/// The months of `last`'s quarter through `last`.
fn quarter_months(last: YearMonth) -> Vec<YearMonth> {
    let first = (last.month - 1) / 3 * 3 + 1;
    (first..=last.month).map(|month| YearMonth { year: last.year, month }).collect()
}

fn quarter_label(month: YearMonth) -> String {
    format!("{}Q{}", month.year, (month.month - 1) / 3 + 1)
}

fn classes(month: &SectionEvaluation, ytd: &SectionEvaluation) -> Option<PeriodClasses> {
    Some(PeriodClasses { monthly: month.class?, year_to_date: ytd.class? })
}

/// Each section's evaluations of `period`, by section id.
async fn evaluate(
    ctx: &JobContext,
    facts: &[SectionFacts],
    period: Period,
) -> anyhow::Result<HashMap<i32, SectionEvaluation>> {
    let rounding = Rounding::PerItem(ctx.decimals);
    Ok(assessment::evaluate_sections(&ctx.db, facts, period, rounding)
        .await?
        .into_iter()
        .map(|(f, e)| (f.section.id, e))
        .collect())
}

/// The top-level region (the district) a region lies in.
fn top_of(region_id: i32, regions: &HashMap<i32, regions::Model>) -> Option<i32> {
    let mut current = regions.get(&region_id)?;
    for _ in 0..16 {
        match current.parent_id.and_then(|p| regions.get(&p)) {
            Some(parent) => current = parent,
            None => return Some(current.id),
        }
    }
    None
}

pub async fn run(ctx: &JobContext, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let last = YearMonth::of(now.with_timezone(&Shanghai).date_naive()).previous();
    let months = quarter_months(last);
    let facts = assessment::section_facts(&ctx.db).await?;
    let facts: Vec<SectionFacts> = facts.into_iter().filter(|f| f.section.active).collect();

    // The rule's inputs, month by month: four periods each, every section at once.
    let mut evaluated: HashMap<i32, Vec<Evaluated>> = HashMap::new();
    let mut ytd_of_last: HashMap<i32, SectionEvaluation> = HashMap::new();
    for &month in &months {
        let a_year_ago = YearMonth { year: month.year - 1, month: month.month };
        let now_month = evaluate(ctx, &facts, Period::Month(month)).await?;
        let mut now_ytd = evaluate(ctx, &facts, Period::YearToDate { year: month.year, through: month.month }).await?;
        let then_month = evaluate(ctx, &facts, Period::Month(a_year_ago)).await?;
        let then_ytd =
            evaluate(ctx, &facts, Period::YearToDate { year: a_year_ago.year, through: month.month }).await?;
        for f in &facts {
            let id = f.section.id;
            let (Some(m), Some(y)) = (now_month.get(&id), now_ytd.get(&id)) else { continue };
            let Some(this_year) = classes(m, y) else { continue };
            let last_year = then_month.get(&id).zip(then_ytd.get(&id)).and_then(|(m, y)| classes(m, y));
            let rule = YangtzeMonth { month, this_year, last_year, target: Some(f.target_in(month.year)) };
            evaluated.entry(id).or_default().push(Evaluated { month, rule, level: yangtze_level(&rule) });
            report.count("section months evaluated");
            if month == last
                && let Some(ytd) = now_ytd.remove(&id)
            {
                ytd_of_last.insert(id, ytd);
            }
        }
    }

    // Towns and districts: their worst section's level, month by month, over the sections evaluated.
    let region_rows: HashMap<i32, regions::Model> =
        regions::Entity::find().all(&ctx.db).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut units: BTreeMap<i32, BTreeMap<YearMonth, Option<YangtzeLevel>>> = BTreeMap::new();
    for f in &facts {
        let Some(months) = evaluated.get(&f.section.id) else { continue };
        let mut of = vec![];
        if let Some(town) = &f.town {
            of.push(town.id);
        }
        if let Some(top) = top_of(f.section.region_id, &region_rows)
            && !of.contains(&top)
        {
            of.push(top);
        }
        for unit in of {
            let unit = units.entry(unit).or_default();
            for e in months {
                let slot = unit.entry(e.month).or_insert(None);
                *slot = worst_level(Some(*slot).into_iter().chain(Some(e.level)));
            }
        }
    }

    let issuing = last.month.is_multiple_of(3);
    let period = quarter_label(last);
    let issued = |levels: Vec<MonthlyLevel>| {
        issue_quarterly(&levels, QuarterBasis::LatestMonth).into_iter().last().and_then(|issue| issue.level)
    };
    if !issuing {
        for f in &facts {
            if let Some(e) = evaluated.get(&f.section.id).and_then(|m| m.last()).filter(|e| e.level.is_some()) {
                report.count("provisional section levels");
                report.lines.push(format!(
                    "{} {}: {} (provisional; issued with the quarter {period})",
                    f.section.code,
                    e.month,
                    e.level.map_or("-", YangtzeLevel::zh)
                ));
            }
        }
        return Ok(report);
    }

    // The quarter's issue.
    let mut still: HashSet<String> = HashSet::new();
    let txn = ctx.db.begin().await?;
    for f in &facts {
        let key = warnings::yangtze_section_key(f.section.id);
        let Some(months) = evaluated.get(&f.section.id) else {
            // Not evaluated this quarter: whatever was issued stays.
            still.insert(key);
            continue;
        };
        let levels: Vec<MonthlyLevel> =
            months.iter().map(|e| MonthlyLevel { month: e.month, level: e.level }).collect();
        let Some(level) = issued(levels) else { continue };
        let Some(latest) = months.last() else { continue };
        still.insert(key.clone());
        let reasons = json!(months.iter().map(month_reason).collect::<Vec<_>>());
        let summary = section_summary(f, latest, level);
        let (warning, change) = warnings::raise(
            &txn,
            Raise {
                key,
                kind: WarningKind::Yangtze,
                level: WarningGrade::from(level),
                section_id: Some(f.section.id),
                region_id: None,
                device_id: None,
                parameter: None,
                period: Some(period.clone()),
                reasons,
                summary: summary.clone(),
            },
            now,
        )
        .await?;
        report.count(match change {
            warnings::Change::Raised => "section warnings issued",
            warnings::Change::Same => "section warnings continued",
            _ => "section warnings changed",
        });
        report.lines.push(format!("{} {period}: {}", f.section.code, level.zh()));
        // The alert, filed under the item that makes the year-to-date class.
        let Some(ytd) = ytd_of_last.get(&f.section.id) else { continue };
        let Some(item) = ytd.main_pollutants.first().and_then(|p| ytd.item(p.parameter)) else { continue };
        let Some(class) = item.class else { continue };
        let section = SectionContext {
            section: f.section.clone(),
            water_body: f.water_body.clone(),
            yearly_targets: f.yearly_targets.clone(),
        };
        let signal = WarningSignal {
            kind: AlertKind::YangtzeWarning,
            parameter: item.parameter,
            level: WarningGrade::from(level),
            change,
            value: item.value,
            class,
            sampled_at: latest.month.start(),
            target: f.target_in(latest.month.year),
            summary: &summary,
        };
        let outcome = alerts::record_warning(&txn, &section, &signal, now).await?;
        if warning.alert_id != Some(outcome.alert_id) {
            warnings::set_alert(&txn, warning.id, outcome.alert_id).await?;
        }
        if outcome.notice_queued {
            report.count("notices queued");
        }
    }
    for (&region_id, months) in &units {
        let key = warnings::yangtze_region_key(region_id);
        let levels: Vec<MonthlyLevel> = months.iter().map(|(&month, &level)| MonthlyLevel { month, level }).collect();
        let Some(level) = issued(levels) else { continue };
        still.insert(key.clone());
        let name = region_rows.get(&region_id).map_or("?", |r| r.name.as_str());
        let worst: Vec<String> = facts
            .iter()
            .filter(|f| {
                f.town.as_ref().is_some_and(|t| t.id == region_id)
                    || top_of(f.section.region_id, &region_rows) == Some(region_id)
            })
            .filter(|f| evaluated.get(&f.section.id).and_then(|m| m.last()).is_some_and(|e| e.level == Some(level)))
            .map(|f| f.section.code.clone())
            .collect();
        let (_, change) = warnings::raise(
            &txn,
            Raise {
                key,
                kind: WarningKind::Yangtze,
                level: WarningGrade::from(level),
                section_id: None,
                region_id: Some(region_id),
                device_id: None,
                parameter: None,
                period: Some(period.clone()),
                reasons: json!([{"reason": "worst_section", "sections": worst}]),
                summary: format!(
                    "{name} {period} {}：辖区内最差断面（{}）达到该级别 / {name} {period}: {} from its worst sections ({})",
                    level.zh(),
                    worst.join("、"),
                    WarningGrade::from(level).as_str(),
                    worst.join(", ")
                ),
            },
            now,
        )
        .await?;
        report.count(if change == warnings::Change::Raised {
            "region warnings issued"
        } else {
            "region warnings kept"
        });
        report.lines.push(format!("{name} {period}: {}", level.zh()));
    }
    // Regions without any evaluated section this quarter keep theirs.
    for region_id in region_rows.keys().filter(|id| !units.contains_key(id)) {
        still.insert(warnings::yangtze_region_key(*region_id));
    }
    let lifted = warnings::lift_all_but(&txn, WarningKind::Yangtze, &still, now).await?;
    for w in &lifted {
        report.count("warnings lifted");
        if let Some(alert_id) = w.alert_id {
            let note = format!("{period} 不再满足预警条件，自动解除 / no longer holds in {period}: lifted");
            alerts::record_warning_lifted(&txn, alert_id, &note, now).await?;
        }
    }
    txn.commit().await?;
    Ok(report)
}

fn class_text(class: WaterClass) -> String {
    format!("{class}")
}

fn month_reason(e: &Evaluated) -> serde_json::Value {
    let then = e.rule.last_year;
    json!({
        "month": e.month.to_string(),
        "monthly_class": class_text(e.rule.this_year.monthly),
        "year_to_date_class": class_text(e.rule.this_year.year_to_date),
        "last_year_monthly_class": then.map(|c| class_text(c.monthly)),
        "last_year_year_to_date_class": then.map(|c| class_text(c.year_to_date)),
        "target": e.rule.target.map(class_text),
        "level": e.level.map(|l| WarningGrade::from(l).as_str()),
    })
}

fn section_summary(f: &SectionFacts, e: &Evaluated, level: YangtzeLevel) -> String {
    let now = e.rule.this_year;
    let (then_m, then_y) = e
        .rule
        .last_year
        .map_or(("-".to_string(), "-".to_string()), |c| (class_text(c.monthly), class_text(c.year_to_date)));
    let target = e.rule.target.map_or("-".to_string(), class_text);
    format!(
        "{code} {name} {month}：当月 {m} 类（去年同期 {then_m} 类），年初至今 {y} 类（去年同期 {then_y} 类），\
         目标 {target} 类，{level} / {code} {month}: month class {m} (last year {then_m}), year to date {y} \
         (last year {then_y}), target {target}: {level_en}",
        code = f.section.code,
        name = f.section.name,
        month = e.month,
        m = class_text(now.monthly),
        y = class_text(now.year_to_date),
        level = level.zh(),
        level_en = WarningGrade::from(level).as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_runs_from_its_first_month_through_the_last_complete_one() {
        let ym = |year, month| YearMonth { year, month };
        assert_eq!(quarter_months(ym(2026, 2)), vec![ym(2026, 1), ym(2026, 2)]);
        assert_eq!(quarter_months(ym(2026, 9)), vec![ym(2026, 7), ym(2026, 8), ym(2026, 9)]);
        assert_eq!(quarter_months(ym(2026, 10)), vec![ym(2026, 10)]);
        assert_eq!(quarter_label(ym(2026, 12)), "2026Q4");
    }
}
