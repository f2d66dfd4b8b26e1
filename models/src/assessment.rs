//! Assessing sections and groups of sections over a period from the stored readings, by the national
//! method in `domain::evaluation`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::chiefs::china_day;
use crate::domain::evaluation::{
    self, Comparison, GroupFigures, GroupMember, ItemValue, Rounding, Sample, SectionEvaluation, compare, group_figures,
};
use crate::domain::gb3838::{WaterBodyKind, WaterClass};
use crate::domain::period::Period;
use crate::domain::{Code, RegionLevel};
use crate::entities::{readings, regions, section_targets, sections, water_bodies};
use crate::rollups;

/// How sections are grouped into assessed units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Scope {
    /// By street or town (the region a section lies in, or its street/town ancestor).
    Town,
    /// By water body.
    River,
    /// All sections together.
    District,
    /// By control level (national, provincial, municipal, district).
    Level,
}

impl Scope {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Town => "街镇",
            Self::River => "河湖",
            Self::District => "全区",
            Self::Level => "控制级别",
        }
    }
}

/// A section with the registry facts an assessment needs.
#[derive(Debug, Clone)]
pub struct SectionFacts {
    pub section: sections::Model,
    pub water_body: water_bodies::Model,
    /// The street or town the section belongs to, when known.
    pub town: Option<regions::Model>,
    /// Targets set for particular years (an assessment uses its year's, else the standing target).
    pub yearly_targets: BTreeMap<i32, WaterClass>,
    /// The target of the period being judged: set by [`evaluate_sections`].
    pub period_target: Option<WaterClass>,
}

impl SectionFacts {
    pub fn kind(&self) -> WaterBodyKind {
        self.water_body.kind
    }

    /// The target in the period judged, or the standing target.
    pub fn target(&self) -> WaterClass {
        self.period_target.unwrap_or(self.section.target_class)
    }

    /// The section's target in `year`.
    pub fn target_in(&self, year: i32) -> WaterClass {
        self.yearly_targets.get(&year).copied().unwrap_or(self.section.target_class)
    }

    /// Whether the section was in service at some time in `[first, last]` (days, China Standard Time): a
    /// retired section stays in the periods it served.
    pub fn active_during(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.section.active_from.is_none_or(|from| from <= last) && self.section.active_to.is_none_or(|to| to >= first)
    }
}

/// A section judged over a period.
#[derive(Debug, Clone, Serialize)]
pub struct SectionResult {
    pub code: String,
    pub name: String,
    pub water_body: String,
    pub target: WaterClass,
    pub evaluation: SectionEvaluation,
}

/// One assessed unit (a town, a river, …) over one period, compared with the period before and with the
/// same period last year.
#[derive(Debug, Clone, Serialize)]
pub struct UnitAssessment {
    pub key: String,
    pub name: String,
    pub figures: GroupFigures,
    pub previous: Option<Comparison>,
    pub previous_figures: GroupFigures,
    pub last_year: Option<Comparison>,
    pub last_year_figures: GroupFigures,
    pub sections: Vec<SectionResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub scope: Scope,
    pub period: String,
    pub period_label: String,
    pub previous_period: String,
    pub last_year_period: String,
    pub units: Vec<UnitAssessment>,
}

/// The name of the top-level region (the district), when there is exactly one.
pub async fn district_name(db: &impl ConnectionTrait) -> Result<Option<String>, DbErr> {
    let roots = regions::Entity::find().filter(regions::Column::ParentId.is_null()).all(db).await?;
    Ok(match roots.as_slice() {
        [root] => Some(root.name.clone()),
        _ => None,
    })
}

/// Yearly targets of every section (`None`) or of one.
async fn yearly_targets(
    db: &impl ConnectionTrait,
    section: Option<i32>,
) -> Result<HashMap<i32, BTreeMap<i32, WaterClass>>, DbErr> {
    let mut query = section_targets::Entity::find();
    if let Some(id) = section {
        query = query.filter(section_targets::Column::SectionId.eq(id));
    }
    let mut targets: HashMap<i32, BTreeMap<i32, WaterClass>> = HashMap::new();
    for t in query.all(db).await? {
        targets.entry(t.section_id).or_default().insert(t.year, t.target_class);
    }
    Ok(targets)
}

/// Every section, retired ones included (each period takes those that served in it), with its water body,
/// its street/town and its yearly targets.
pub async fn section_facts(db: &impl ConnectionTrait) -> Result<Vec<SectionFacts>, DbErr> {
    let rows = sections::Entity::find().order_by_asc(sections::Column::Code).all(db).await?;
    let mut targets = yearly_targets(db, None).await?;
    let rows = crate::sections::with_water_bodies(db, rows).await?;
    let regions: HashMap<i32, regions::Model> =
        regions::Entity::find().all(db).await?.into_iter().map(|r| (r.id, r)).collect();
    Ok(rows
        .into_iter()
        .map(|(section, water_body)| {
            let town = town_of(section.region_id, &regions);
            let yearly_targets = targets.remove(&section.id).unwrap_or_default();
            SectionFacts { section, water_body, town, yearly_targets, period_target: None }
        })
        .collect())
}

/// The street or town a region is, or lies in (a village's parent). Falls back to the region itself.
fn town_of(region_id: i32, regions: &HashMap<i32, regions::Model>) -> Option<regions::Model> {
    let mut current = regions.get(&region_id)?;
    for _ in 0..8 {
        if current.level.is_town() {
            return Some(current.clone());
        }
        match current.parent_id.and_then(|p| regions.get(&p)) {
            Some(parent) if current.level == RegionLevel::Village => current = parent,
            _ => break,
        }
    }
    regions.get(&region_id).cloned()
}

/// Each section judged over `period`, from the stored monthly totals (one query for all of them).
pub async fn evaluate_sections(
    db: &impl ConnectionTrait,
    facts: &[SectionFacts],
    period: Period,
    rounding: Rounding,
) -> Result<Vec<(SectionFacts, SectionEvaluation)>, DbErr> {
    let (from, to) = period.month_range();
    let (start, end) = period.bounds();
    let (first_day, last_day) = (china_day(start), china_day(end - chrono::TimeDelta::seconds(1)));
    let facts: Vec<SectionFacts> = facts
        .iter()
        .filter(|f| f.active_during(first_day, last_day))
        .map(|f| SectionFacts { period_target: Some(f.target_in(from.year)), ..f.clone() })
        .collect();
    let facts = facts.as_slice();
    // A few sections by id; many (a district, a nation) by month alone, which reads no more.
    let ids: Vec<i32> = facts.iter().map(|f| f.section.id).collect();
    let filter = (ids.len() <= 200).then_some(ids.as_slice());
    let mut totals = rollups::period_totals(db, from, to, filter).await?;
    Ok(facts
        .iter()
        .map(|f| {
            let values: Vec<ItemValue> = totals
                .remove(&f.section.id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(parameter, t)| t.item_value(parameter, rounding))
                .collect();
            (f.clone(), evaluation::evaluate(&values, f.kind()))
        })
        .collect())
}

/// The unit a section belongs to under `scope`: (key, name).
fn unit_of(scope: Scope, f: &SectionFacts) -> (String, String) {
    match scope {
        Scope::Town => {
            f.town.as_ref().map_or_else(|| ("-".into(), "未划分街镇".into()), |t| (t.code.clone(), t.name.clone()))
        }
        Scope::River => (f.water_body.code.clone(), f.water_body.name.clone()),
        Scope::District => ("all".into(), "全区".into()),
        Scope::Level => (f.section.control_level.as_str().to_string(), f.section.control_level.zh().to_string()),
    }
}

fn members(
    evaluated: &[(SectionFacts, SectionEvaluation)],
    scope: Scope,
) -> BTreeMap<(String, String), Vec<GroupMember>> {
    let mut groups: BTreeMap<(String, String), Vec<GroupMember>> = BTreeMap::new();
    for (f, e) in evaluated {
        groups.entry(unit_of(scope, f)).or_default().push(GroupMember {
            code: f.section.code.clone(),
            kind: f.kind(),
            target: f.target(),
            evaluation: e.clone(),
        });
    }
    groups
}

/// Assesses every unit of `scope` over `period`, with the previous period and the same period last year.
pub async fn assess(
    db: &impl ConnectionTrait,
    scope: Scope,
    period: Period,
    rounding: Rounding,
) -> Result<Assessment, DbErr> {
    let facts = section_facts(db).await?;
    // The periods are read at the same time (on a pool, each on its own connection). A year's previous
    // period is the same period last year: it is read once.
    let same_as_previous = period.same_period_last_year() == period.previous();
    let (now, previous, last_year) = tokio::try_join!(
        evaluate_sections(db, &facts, period, rounding),
        evaluate_sections(db, &facts, period.previous(), rounding),
        async {
            if same_as_previous {
                Ok(None)
            } else {
                evaluate_sections(db, &facts, period.same_period_last_year(), rounding).await.map(Some)
            }
        },
    )?;
    let last_year = last_year.unwrap_or_else(|| previous.clone());
    let before = members(&previous, scope);
    let last_year = members(&last_year, scope);

    let mut results: BTreeMap<(String, String), Vec<SectionResult>> = BTreeMap::new();
    for (f, e) in &now {
        results.entry(unit_of(scope, f)).or_default().push(SectionResult {
            code: f.section.code.clone(),
            name: f.section.name.clone(),
            water_body: f.water_body.name.clone(),
            target: f.target(),
            evaluation: e.clone(),
        });
    }
    let units = members(&now, scope)
        .into_iter()
        .map(|(unit, group)| {
            let figures = group_figures(&group, rounding);
            let previous_figures = group_figures(before.get(&unit).map_or(&[][..], Vec::as_slice), rounding);
            let last_year_figures = group_figures(last_year.get(&unit).map_or(&[][..], Vec::as_slice), rounding);
            UnitAssessment {
                previous: compare(&previous_figures, &figures),
                last_year: compare(&last_year_figures, &figures),
                sections: results.remove(&unit).unwrap_or_default(),
                key: unit.0,
                name: unit.1,
                figures,
                previous_figures,
                last_year_figures,
            }
        })
        .collect();
    Ok(Assessment {
        scope,
        period: period.code(),
        period_label: period.label_zh(),
        previous_period: period.previous().label_zh(),
        last_year_period: period.same_period_last_year().label_zh(),
        units,
    })
}

/// One section, judged on its latest sample and over the periods around it.
#[derive(Debug, Clone)]
pub struct SectionDetail {
    pub facts: SectionFacts,
    /// The latest sampling instant with normal readings, and the judgement of that sample.
    pub latest: Option<(chrono::DateTime<chrono::Utc>, SectionEvaluation)>,
    /// The month of the latest sample, its quarter, its year to date, and the whole previous year.
    pub periods: Vec<(Period, SectionEvaluation)>,
}

/// The registry facts of one section, by its code (matched as every code is), without reading the registry.
pub async fn section_facts_of(db: &impl ConnectionTrait, code: &str) -> Result<Option<SectionFacts>, DbErr> {
    let Some(ctx) = crate::sections::find_by_code(db, code).await? else { return Ok(None) };
    // The street or town: the section's region, or its ancestor (a few rows, walked up).
    let mut chain: HashMap<i32, regions::Model> = HashMap::new();
    let mut next = Some(ctx.section.region_id);
    while let Some(id) = next.filter(|id| !chain.contains_key(id) && chain.len() < 8) {
        let Some(region) = regions::Entity::find_by_id(id).one(db).await? else { break };
        next = region.parent_id;
        chain.insert(id, region);
    }
    let town = town_of(ctx.section.region_id, &chain);
    let yearly_targets = yearly_targets(db, Some(ctx.section.id)).await?.remove(&ctx.section.id).unwrap_or_default();
    Ok(Some(SectionFacts {
        section: ctx.section,
        water_body: ctx.water_body,
        town,
        yearly_targets,
        period_target: None,
    }))
}

/// The detail of the section with `code`, or `None` when there is no such section.
pub async fn section_detail(
    db: &impl ConnectionTrait,
    code: &str,
    today: chrono::NaiveDate,
    rounding: Rounding,
) -> Result<Option<SectionDetail>, DbErr> {
    use crate::domain::period::YearMonth;
    let Some(facts) = section_facts_of(db, code).await? else { return Ok(None) };
    // The latest sample is the newest instant with a classified, normal reading, as in the section list: a
    // later temperature alone is not a sample to judge.
    let newest = crate::entities::section_latest::Entity::find_by_id(facts.section.id).one(db).await?;
    let latest = match &newest {
        Some(l) => {
            let rows = readings::Entity::find()
                .filter(readings::Column::SectionId.eq(facts.section.id))
                // As evaluation counts: a normal flag, no quality rule against it, a counted kind.
                .filter(crate::rollups::evaluated())
                .filter(readings::Column::SampledAt.eq(l.sampled_at))
                .all(db)
                .await?;
            let samples: Vec<Sample> = rows
                .iter()
                .map(|r| Sample {
                    parameter: r.parameter,
                    sampled_at: r.sampled_at,
                    value: r.value,
                    below_detection: r.below_detection,
                    normal: true,
                })
                .collect();
            // A single sample is judged as measured, without period rounding.
            Some((l.sampled_at, evaluation::evaluate_samples(&samples, facts.kind(), Rounding::Exact)))
        }
        None => None,
    };
    let month = newest.map_or_else(|| YearMonth::of(today), |l| YearMonth::of_instant(l.sampled_at));
    let periods = [
        Period::Month(month),
        Period::Quarter { year: month.year, quarter: (month.month - 1) / 3 + 1 },
        Period::YearToDate { year: month.year, through: month.month },
        Period::Year(month.year - 1),
    ];
    let mut evaluated = Vec::new();
    for period in periods {
        let (_, e) = evaluate_sections(db, std::slice::from_ref(&facts), period, rounding)
            .await?
            .into_iter()
            .next()
            .unwrap_or_else(|| (facts.clone(), evaluation::evaluate(&[], facts.kind())));
        evaluated.push((period, e));
    }
    Ok(Some(SectionDetail { facts, latest, periods: evaluated }))
}
