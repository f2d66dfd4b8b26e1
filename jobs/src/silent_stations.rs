//! `detect_silent_stations`: every hour, the HJ 212 devices (automatic surface-water stations and
//! enterprises' online monitors) that stopped sending. A device is silent when its last frame is older
//! than [`SILENT_AFTER`] (or, never having sent one, it was registered longer ago than that): a yellow
//! warning, orange from [`ORANGE_AFTER`]. The warning is lifted on the first run after frames arrive again.
//! Devices of retired sections are left alone. Reads the devices table only (a row per device), never
//! readings.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use models::domain::warning::{WarningGrade, WarningKind};
use models::entities::{devices, sections};
use models::warnings::{self, Raise};

use crate::{Job, JobContext, JobFuture, Report};

pub const NAME: &str = "detect_silent_stations";

/// Stations send hourly values (CN 2061) at least; four hours without a frame is three missed hours.
pub const SILENT_AFTER: TimeDelta = TimeDelta::hours(4);

/// A day without a frame is graver.
pub const ORANGE_AFTER: TimeDelta = TimeDelta::hours(24);

pub struct SilentStations;

impl Job for SilentStations {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "warn of automatic stations and online monitors that stopped sending"
    }

    fn default_schedule(&self) -> &'static str {
        // Five past every hour.
        "0 5 * * * *"
    }

    fn run<'a>(&'a self, ctx: &'a JobContext, now: DateTime<Utc>) -> JobFuture<'a> {
        Box::pin(run(ctx, now))
    }
}

/// How long a device has been silent at `now`, and since when, if it counts as silent.
pub fn silence(device: &devices::Model, now: DateTime<Utc>) -> Option<(TimeDelta, DateTime<Utc>)> {
    let since = device.last_frame_at.unwrap_or(device.created_at);
    let quiet = now - since;
    (quiet >= SILENT_AFTER).then_some((quiet, since))
}

fn hours(d: TimeDelta) -> i64 {
    d.num_hours()
}

pub async fn run(ctx: &JobContext, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let devices = devices::Entity::find().all(&ctx.db).await?;
    let section_ids: Vec<i32> = devices.iter().filter_map(|d| d.section_id).collect();
    let sections: HashMap<i32, sections::Model> = sections::Entity::find()
        .filter(sections::Column::Id.is_in(section_ids))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let txn = ctx.db.begin().await?;
    let mut still = HashSet::new();
    for device in &devices {
        let section = device.section_id.and_then(|id| sections.get(&id));
        if section.is_some_and(|s| !s.active) {
            continue;
        }
        report.count("devices checked");
        let Some((quiet, since)) = silence(device, now) else { continue };
        let key = warnings::silent_key(device.id);
        still.insert(key.clone());
        let level = if quiet >= ORANGE_AFTER { WarningGrade::Orange } else { WarningGrade::Yellow };
        let since_text = since.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string();
        let place = section.map_or_else(String::new, |s| format!("（{} {}）", s.code, s.name));
        let summary = match device.last_frame_at {
            Some(_) => format!(
                "设备 {mn}{place} 已 {h} 小时未上传数据，最后一帧 {since_text} / device {mn} has sent nothing for {h} h \
                 (last frame {since_text} China Standard Time)",
                mn = device.mn,
                h = hours(quiet)
            ),
            None => format!(
                "设备 {mn}{place} 登记 {h} 小时以来从未上传数据 / device {mn} has sent nothing in the {h} h since it \
                 was registered",
                mn = device.mn,
                h = hours(quiet)
            ),
        };
        let reasons = json!([{
            "reason": "silent",
            "last_frame_at": device.last_frame_at.map(|t| t.with_timezone(&Shanghai).to_rfc3339()),
            "silent_hours": hours(quiet),
            "silent_after_hours": hours(SILENT_AFTER),
        }]);
        let (_, change) = warnings::raise(
            &txn,
            Raise {
                key,
                kind: WarningKind::SilentStation,
                level,
                section_id: device.section_id,
                region_id: None,
                device_id: Some(device.id),
                parameter: None,
                period: None,
                reasons,
                summary: summary.clone(),
            },
            now,
        )
        .await?;
        if change == warnings::Change::Raised {
            report.count("went silent");
            report.lines.push(summary);
        } else {
            report.count("still silent");
        }
    }
    for w in warnings::lift_all_but(&txn, WarningKind::SilentStation, &still, now).await? {
        report.count("sending again");
        report.lines.push(format!("lifted: {}", w.summary));
    }
    txn.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(created: &str, last: Option<&str>) -> devices::Model {
        devices::Model {
            id: 1,
            mn: "DEMO0000000001".into(),
            section_id: None,
            outfall_id: None,
            password_digest: None,
            units: None,
            note: None,
            created_at: created.parse().expect("time"),
            updated_at: created.parse().expect("time"),
            last_frame_at: last.map(|t| t.parse().expect("time")),
            last_cn: None,
            last_peer: None,
            frames: 0,
        }
    }

    #[test]
    fn silent_from_four_hours_after_the_last_frame_or_the_registration() {
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().expect("time");
        let sending = device("2026-01-01T00:00:00Z", Some("2026-11-20T08:00:01Z"));
        assert_eq!(silence(&sending, now), None, "3 h 59 min is not yet silent");
        let stopped = device("2026-01-01T00:00:00Z", Some("2026-11-20T08:00:00Z"));
        assert_eq!(silence(&stopped, now).map(|(d, _)| d), Some(TimeDelta::hours(4)));
        let new = device("2026-11-20T10:00:00Z", None);
        assert_eq!(silence(&new, now), None, "registered two hours ago");
        let never = device("2026-11-19T12:00:00Z", None);
        assert_eq!(silence(&never, now).map(|(d, _)| d), Some(TimeDelta::hours(24)));
    }
}
