use serde::Serialize;

use models::domain::ControlLevel;
use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::sections::SectionOverview;

use super::local_time;

#[derive(Serialize)]
pub struct SectionList {
    pub count: usize,
    pub sections: Vec<SectionView>,
}

#[derive(Serialize)]
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
    pub target_class: Option<WaterClass>,
    /// Class of the latest sample; `null` before the first reading.
    pub latest_class: Option<WaterClass>,
    pub latest: Option<LatestView>,
}

#[derive(Serialize)]
pub struct WaterBodyView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_zh: Option<&'static str>,
}

#[derive(Serialize)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Serialize)]
pub struct LatestView {
    pub class: WaterClass,
    pub sampled_at: String,
    pub status: &'static str,
    pub status_en: &'static str,
    pub colour: &'static str,
    pub meets_target: Option<bool>,
    /// Items in the worst class.
    pub worst_items: Vec<&'static str>,
}

impl From<SectionOverview> for SectionView {
    fn from(o: SectionOverview) -> Self {
        let target = WaterClass::from_rank(o.section.target_class);
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
            water_body: WaterBodyView {
                kind_zh: WaterBodyKind::parse(&o.water_body.kind).map(WaterBodyKind::zh),
                code: o.water_body.code,
                name: o.water_body.name,
                kind: o.water_body.kind,
            },
            region: o.region.map(|r| RegionView { code: r.code, name: r.name, level: r.level }),
            control_level_zh: ControlLevel::parse(&o.section.control_level).map(ControlLevel::zh),
            control_level: o.section.control_level,
            longitude: o.section.longitude,
            latitude: o.section.latitude,
            station_mn: o.section.station_mn,
            target_class: target,
            latest_class: latest.as_ref().map(|l| l.class),
            latest,
        }
    }
}
