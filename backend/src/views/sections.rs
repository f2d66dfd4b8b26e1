use serde::Serialize;

use models::assessment::SectionDetail;
use models::domain::Code;
use models::domain::gb3838::WaterClass;
use models::entities::{regions, water_bodies};
use models::sections::SectionOverview;

use super::assessment::EvaluationView;
use super::local_time;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SectionList {
    pub count: usize,
    pub sections: Vec<SectionView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SectionView {
    pub code: String,
    pub name: String,
    pub water_body: WaterBodyView,
    pub region: Option<RegionView>,
    pub control_level: String,
    pub control_level_zh: Option<&'static str>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    /// Automatic station device id (HJ 212 MN), when the section has one.
    pub station_mn: Option<String>,
    #[schema(value_type = Option<String>)]
    pub target_class: Option<WaterClass>,
    /// Class of the latest sample; `null` before the first reading.
    #[schema(value_type = Option<String>)]
    pub latest_class: Option<WaterClass>,
    pub latest: Option<LatestView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WaterBodyView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_zh: Option<&'static str>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LatestView {
    #[schema(value_type = String)]
    pub class: WaterClass,
    pub sampled_at: String,
    pub status: &'static str,
    pub status_en: &'static str,
    pub colour: &'static str,
    pub meets_target: Option<bool>,
    /// Items in the worst class.
    pub worst_items: Vec<&'static str>,
}

impl From<&water_bodies::Model> for WaterBodyView {
    fn from(w: &water_bodies::Model) -> Self {
        WaterBodyView {
            code: w.code.clone(),
            name: w.name.clone(),
            kind: w.kind.as_str().to_string(),
            kind_zh: Some(w.kind.zh()),
        }
    }
}

impl From<&regions::Model> for RegionView {
    fn from(r: &regions::Model) -> Self {
        RegionView { code: r.code.clone(), name: r.name.clone(), level: r.level.as_str().to_string() }
    }
}

impl From<SectionOverview> for SectionView {
    fn from(o: SectionOverview) -> Self {
        let target = Some(o.section.target_class);
        let latest = o.latest.map(|l| {
            let status = l.class.status();
            LatestView {
                class: l.class,
                sampled_at: local_time(l.sampled_at),
                status: status.zh(),
                status_en: status.en(),
                colour: status.colour(),
                meets_target: target.map(|t| l.class <= t),
                worst_items: l.worst_items.iter().map(|p| p.key()).collect(),
            }
        });
        SectionView {
            code: o.section.code,
            name: o.section.name,
            water_body: WaterBodyView::from(&o.water_body),
            region: o.region.as_ref().map(RegionView::from),
            control_level_zh: Some(o.section.control_level.zh()),
            control_level: o.section.control_level.as_str().to_string(),
            longitude: o.section.longitude,
            latitude: o.section.latitude,
            station_mn: o.section.station_mn,
            target_class: target,
            latest_class: latest.as_ref().map(|l| l.class),
            latest,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SectionDetailView {
    pub code: String,
    pub name: String,
    pub water_body: WaterBodyView,
    pub town: Option<RegionView>,
    pub control_level: String,
    pub control_level_zh: Option<&'static str>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub station_mn: Option<String>,
    #[schema(value_type = Option<String>)]
    pub target_class: Option<WaterClass>,
    /// The latest sample, judged as measured.
    pub latest: Option<LatestSampleView>,
    /// The month of the latest sample, its quarter, its year to date and the previous year, each judged
    /// by the national method (monthly means, ½ detection limit for non-detects, pH through H⁺).
    pub periods: Vec<PeriodView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LatestSampleView {
    pub sampled_at: String,
    pub meets_target: Option<bool>,
    #[serde(flatten)]
    pub evaluation: EvaluationView,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    pub period: String,
    pub label: String,
    pub meets_target: Option<bool>,
    #[serde(flatten)]
    pub evaluation: EvaluationView,
}

impl From<&SectionDetail> for SectionDetailView {
    fn from(d: &SectionDetail) -> Self {
        let f = &d.facts;
        let target = Some(f.section.target_class);
        let meets = |class: Option<WaterClass>| Some(class? <= target?);
        SectionDetailView {
            code: f.section.code.clone(),
            name: f.section.name.clone(),
            water_body: WaterBodyView::from(&f.water_body),
            town: f.town.as_ref().map(RegionView::from),
            control_level: f.section.control_level.as_str().to_string(),
            control_level_zh: Some(f.section.control_level.zh()),
            longitude: f.section.longitude,
            latitude: f.section.latitude,
            station_mn: f.section.station_mn.clone(),
            target_class: target,
            latest: d.latest.as_ref().map(|(at, e)| LatestSampleView {
                sampled_at: local_time(*at),
                meets_target: meets(e.class),
                evaluation: EvaluationView::from(e),
            }),
            periods: d
                .periods
                .iter()
                .map(|(p, e)| PeriodView {
                    period: p.code(),
                    label: p.label_zh(),
                    meets_target: meets(e.class),
                    evaluation: EvaluationView::from(e),
                })
                .collect(),
        }
    }
}
