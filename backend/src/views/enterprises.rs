//! Enterprises, outfalls and self-checks on the wire.

use models::domain::Code;
use serde::Serialize;
use utoipa::ToSchema;

use models::domain::discharge::Standard;
use models::enterprises::{EnterpriseDetail, EnterpriseSummary};

use super::local_time;

#[derive(Serialize, ToSchema)]
pub struct OutfallView {
    pub code: String,
    pub name: String,
    pub receiving_water_body: Option<String>,
    /// e.g. `gb8978:1`; `null`: chosen from the receiving water's class.
    pub discharge_standard: Option<String>,
    pub discharge_standard_name: Option<String>,
    pub station_mn: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct EnterpriseView {
    /// Unified social credit code.
    pub credit_code: String,
    pub name: String,
    pub industry: Option<String>,
    /// 重点排污单位.
    pub is_key_unit: bool,
    pub region: Option<String>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub outfalls: Vec<OutfallView>,
}

impl From<&EnterpriseSummary> for EnterpriseView {
    fn from(s: &EnterpriseSummary) -> Self {
        let e = &s.enterprise;
        EnterpriseView {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            industry: e.industry.clone(),
            is_key_unit: e.is_key_unit,
            region: s.region.as_ref().map(|r| r.name.clone()),
            address: e.address.clone(),
            contact_name: e.contact_name.clone(),
            contact_phone: e.contact_phone.clone(),
            outfalls: s
                .outfalls
                .iter()
                .map(|(o, w)| OutfallView {
                    code: o.code.clone(),
                    name: o.name.clone(),
                    receiving_water_body: w.as_ref().map(|w| w.name.clone()),
                    discharge_standard_name: o
                        .discharge_standard
                        .as_deref()
                        .and_then(Standard::parse)
                        .map(|s| s.name_zh()),
                    discharge_standard: o.discharge_standard.clone(),
                    station_mn: o.station_mn.clone(),
                    longitude: o.longitude,
                    latitude: o.latitude,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EnterpriseList {
    pub count: usize,
    pub enterprises: Vec<EnterpriseView>,
}

#[derive(Serialize, ToSchema)]
pub struct SelfCheckView {
    pub outfall: String,
    pub parameter: String,
    pub sampled_at: String,
    pub value: f64,
    pub unit: String,
    pub below_detection: bool,
    /// compliant | exceeded | undecidable, when judged.
    pub verdict: Option<String>,
    pub submitted_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnterpriseDetailView {
    #[serde(flatten)]
    pub enterprise: EnterpriseView,
    /// The latest self-checks, newest first.
    pub self_checks: Vec<SelfCheckView>,
}

impl From<&EnterpriseDetail> for EnterpriseDetailView {
    fn from(d: &EnterpriseDetail) -> Self {
        let outfall_code = |id: i32| {
            d.summary.outfalls.iter().find(|(o, _)| o.id == id).map(|(o, _)| o.code.clone()).unwrap_or_default()
        };
        EnterpriseDetailView {
            enterprise: EnterpriseView::from(&d.summary),
            self_checks: d
                .self_checks
                .iter()
                .map(|c| SelfCheckView {
                    outfall: outfall_code(c.outfall_id),
                    parameter: c.parameter.clone(),
                    sampled_at: local_time(c.sampled_at),
                    value: c.value,
                    unit: c.unit.clone(),
                    below_detection: c.below_detection,
                    verdict: c.verdict.map(|v| v.as_str().to_string()),
                    submitted_at: local_time(c.submitted_at),
                })
                .collect(),
        }
    }
}
