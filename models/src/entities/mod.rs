//! sea-orm entities, one file per table. Behaviour lives beside them in `models::<table>`.

pub mod alert_events;
pub mod alerts;
pub mod api_keys;
pub mod api_tokens;
pub mod app_meta;
pub mod appointments;
pub mod audit_head;
pub mod audit_log;
pub mod enterprises;
pub mod job_runs;
pub mod notices;
pub mod outfalls;
pub mod reaches;
pub mod reading_months;
pub mod reading_series;
pub mod readings;
pub mod regions;
pub mod river_chiefs;
pub mod section_latest;
pub mod section_targets;
pub mod sections;
pub mod self_checks;
pub mod sessions;
pub mod users;
pub mod water_bodies;
pub mod water_body_regions;
