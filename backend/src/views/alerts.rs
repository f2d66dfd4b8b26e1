//! Alerts on the wire.

use models::domain::Code;
use serde::Serialize;
use utoipa::ToSchema;

use models::alerts::AlertRow;
use models::domain::gb3838::WaterClass;

use super::local_time;

#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub id: i32,
    pub section: String,
    pub section_name: String,
    pub water_body: Option<String>,
    pub parameter: String,
    pub parameter_name: Option<&'static str>,
    /// exceedance
    pub kind: String,
    /// open | acknowledged | closed
    pub status: String,
    pub escalation_level: i16,
    #[schema(value_type = Option<String>)]
    pub target_class: Option<WaterClass>,
    pub last_value: f64,
    #[schema(value_type = Option<String>)]
    pub last_class: Option<WaterClass>,
    pub last_sampled_at: String,
    pub worst_value: f64,
    #[schema(value_type = Option<String>)]
    pub worst_class: Option<WaterClass>,
    pub reading_count: i32,
    pub opened_at: String,
    pub updated_at: String,
}

impl From<&AlertRow> for AlertView {
    fn from(r: &AlertRow) -> Self {
        let a = &r.alert;
        AlertView {
            id: a.id,
            section: r.section.code.clone(),
            section_name: r.section.name.clone(),
            water_body: r.water_body.as_ref().map(|w| w.name.clone()),
            parameter_name: Some(a.parameter.info().name_zh),
            parameter: a.parameter.key().to_string(),
            kind: a.kind.as_str().to_string(),
            status: a.status.as_str().to_string(),
            escalation_level: a.escalation_level,
            target_class: Some(a.target_class),
            last_value: a.last_value,
            last_class: Some(a.last_class),
            last_sampled_at: local_time(a.last_sampled_at),
            worst_value: a.worst_value,
            worst_class: Some(a.worst_class),
            reading_count: a.reading_count,
            opened_at: local_time(a.opened_at),
            updated_at: local_time(a.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    pub count: usize,
    pub alerts: Vec<AlertView>,
}
