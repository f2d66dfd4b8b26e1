//! What the HJ 212 receiver stores: a group of decoded messages from many connections, committed together.
//!
//! Each message is taken or refused as a whole before anything is written:
//! - an unknown MN, a wrong password, a device with neither section nor outfall, an upload without a
//!   usable `DataTime`: refused, recorded as a device event, not acknowledged;
//! - an upload from an enterprise's online monitor (a device registered for an outfall, ST 32): every item
//!   stored by its code in `monitor_readings` (wastewater items such as flow have no GB 3838 parameter), a
//!   changed value replacing the stored one with the old kept in `monitor_revisions`;
//! - an upload (CN 2011 real-time, 2051 minute, 2061 hour, 2031 day): each item with a GB 3838 parameter
//!   becomes a reading of that data kind (`Rtd` for real-time, `Avg` for the others), in the unit the
//!   device is registered with for that code, else the code's Table B.1 default, with the item's data
//!   flag (only `N` is evaluated). Items that cannot be readings (a code with no parameter, a value out
//!   of range) are recorded as an event; the message is still taken;
//! - anything else (heartbeats, replies): taken, nothing to store.
//!
//! Readings go through the same [`Writer`](crate::readings::Writer) as every other path (duplicates,
//! revisions, roll-ups, alerts within the live window), and the devices' counters and events are written
//! in the same transaction. If it fails, nothing of the group is stored and nothing is acknowledged.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::audit::Actor;
use crate::devices::password_matches;
use crate::domain::Code;
use crate::domain::gb3838::Parameter;
use crate::domain::hj212::Packet;
use crate::domain::reading::{DataKind, ReadingInput, ReadingSource, ValueInput};
use crate::entities::{device_events, devices, sections};
use crate::readings::Writer;

/// One message as received.
#[derive(Debug, Clone)]
pub struct Message {
    pub peer: String,
    pub packet: Packet,
    pub received_at: DateTime<Utc>,
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Committed (acknowledge if asked).
    Stored,
    /// Not stored; an event says why.
    Refused(&'static str),
}

/// The readings an upload of `kind` sampled at `at` becomes for `section`: one per item with a GB 3838
/// parameter and a value (`-Rtd` for real-time, `-Avg` otherwise), in the unit `units` gives for its code
/// (lower case) or else the code's default, with its data flag. Also the codes that are no readings.
pub fn readings_of(
    packet: &Packet,
    kind: DataKind,
    at: DateTime<Utc>,
    section: &str,
    units: &HashMap<String, String>,
) -> (Vec<ReadingInput>, Vec<String>) {
    let sampled_at = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let (mut inputs, mut skipped) = (Vec::new(), Vec::new());
    for item in &packet.cp.items {
        let value = if kind == DataKind::Realtime { item.rtd } else { item.avg };
        let (Some(value), Some(_)) = (value, Parameter::parse(&item.code)) else {
            skipped.push(item.code.clone());
            continue;
        };
        inputs.push(ReadingInput {
            section: Some(section.to_string()),
            parameter: Some(item.code.clone()),
            sampled_at: Some(sampled_at.clone()),
            value: Some(ValueInput::Number(value)),
            unit: units.get(&item.code.to_ascii_lowercase()).cloned(),
            flag: item.flag.as_ref().map(|f| f.as_str().to_string()),
            kind: Some(kind.as_str().to_string()),
            origin: Some(format!("MN {}", packet.mn)),
            ..Default::default()
        });
    }
    (inputs, skipped)
}

/// Where a device's data goes and how to read it.
struct Known {
    section_code: Option<String>,
    outfall: Option<i32>,
    password_digest: Option<String>,
    units: HashMap<String, String>,
    device_id: Option<i32>,
}

/// Stores a group of messages in one transaction; one outcome per message, in order.
pub async fn store_group(
    db: &DatabaseConnection,
    messages: &[Message],
    live_window: TimeDelta,
    now: DateTime<Utc>,
) -> Result<Vec<Taken>, DbErr> {
    let mut tails = crate::readings::Tails::new();
    store_group_with(db, messages, live_window, now, &mut tails).await
}

/// [`store_group`], screening spikes and flat lines against `tails`: each series' newest values as the
/// receiver's previous groups left them. On success `tails` holds this group's; on failure it is emptied
/// (it may hold values that were not committed).
pub async fn store_group_with(
    db: &DatabaseConnection,
    messages: &[Message],
    live_window: TimeDelta,
    now: DateTime<Utc>,
    tails: &mut crate::readings::Tails,
) -> Result<Vec<Taken>, DbErr> {
    let taken = std::mem::take(tails);
    let mut kept = crate::readings::Tails::new();
    let result = store_group_inner(db, messages, live_window, now, taken, &mut kept).await;
    if result.is_ok() {
        *tails = kept;
    }
    result
}

async fn store_group_inner(
    db: &DatabaseConnection,
    messages: &[Message],
    live_window: TimeDelta,
    now: DateTime<Utc>,
    tails: crate::readings::Tails,
    kept: &mut crate::readings::Tails,
) -> Result<Vec<Taken>, DbErr> {
    let mns: BTreeSet<&str> = messages.iter().map(|m| m.packet.mn.as_str()).collect();
    let known = lookup(db, &mns).await?;

    let mut outcomes = Vec::with_capacity(messages.len());
    let mut events: Vec<device_events::ActiveModel> = Vec::new();
    let mut items: Vec<(usize, ReadingInput)> = Vec::new();
    // Which message each reading came from, to name it in an event.
    let mut origin_of: Vec<usize> = Vec::new();
    let mut monitor: Vec<MonitorRow> = Vec::new();
    let event = |m: &Message, kind: &str, detail: Option<String>| device_events::ActiveModel {
        at: Set(m.received_at),
        mn: Set(Some(m.packet.mn.chars().take(24).collect())),
        peer: Set(m.peer.clone()),
        kind: Set(kind.to_string()),
        cn: Set(Some(m.packet.cn.chars().take(4).collect())),
        detail: Set(detail),
        ..Default::default()
    };
    for (i, m) in messages.iter().enumerate() {
        let p = &m.packet;
        let Some(device) = known.get(p.mn.as_str()) else {
            events.push(event(m, "unknown_device", Some(format!("ST={} CN={}", p.st, p.cn))));
            outcomes.push(Taken::Refused("unknown_device"));
            continue;
        };
        if let Some(stored) = &device.password_digest
            && !password_matches(stored, p.pw.as_deref())
        {
            events.push(event(m, "wrong_password", None));
            outcomes.push(Taken::Refused("wrong_password"));
            continue;
        }
        let Some(kind) = DataKind::of_command(&p.cn) else {
            outcomes.push(Taken::Stored);
            continue;
        };
        let Some(at) = p.cp.data_time_utc() else {
            events.push(event(m, "no_data_time", Some("the upload has no valid DataTime".into())));
            outcomes.push(Taken::Refused("no_data_time"));
            continue;
        };
        if let Some(outfall) = device.outfall {
            for item in &p.cp.items {
                let code = item.code.to_ascii_lowercase();
                let unit = device
                    .units
                    .get(&code)
                    .cloned()
                    .or_else(|| crate::domain::hj212::codes::lookup(&code).map(|c| c.unit.to_string()));
                monitor.push(MonitorRow {
                    outfall_id: outfall,
                    mn: p.mn.clone(),
                    unit: unit.unwrap_or_else(|| "unknown".into()),
                    code,
                    sampled_at: at,
                    kind,
                    value: if kind == DataKind::Realtime { item.rtd } else { item.avg },
                    min: item.min,
                    max: item.max,
                    cou: item.cou,
                    flag: item.flag.as_ref().map(|f| f.as_str().to_string()),
                });
            }
            outcomes.push(Taken::Stored);
            continue;
        }
        let Some(section) = device.section_code.as_deref() else {
            events.push(event(m, "no_section", Some("the device has neither a section nor an outfall".into())));
            outcomes.push(Taken::Refused("no_section"));
            continue;
        };
        let (inputs, skipped) = readings_of(p, kind, at, section, &device.units);
        for input in inputs {
            origin_of.push(i);
            items.push((items.len(), input));
        }
        if !skipped.is_empty() {
            events.push(event(
                m,
                "items_not_stored",
                Some(format!("no value or no GB 3838 item: {}", skipped.join(", "))),
            ));
        }
        outcomes.push(Taken::Stored);
    }

    let mut writer =
        Writer::begin(db, ReadingSource::Hj212, Actor::system("hj212"), live_window, now).await?.with_tails(tails);
    writer.audit_only_changes = true;
    let (valid, problems) = writer.check(&items).await?;
    for problem in problems {
        let m = &messages[origin_of[problem.index]];
        let code = items[problem.index].1.parameter.clone().unwrap_or_default();
        events.push(event(m, "invalid_item", Some(format!("{code}: {}", problem.problem.en))));
    }
    writer.store(valid).await?;
    let tx = writer.transaction();
    store_monitor(tx, &monitor, now).await?;
    for chunk in events.chunks(500) {
        device_events::Entity::insert_many(chunk.to_vec()).exec_without_returning(tx).await?;
    }
    // The devices' last frame and counters.
    let mut seen: HashMap<i32, (&Message, i64)> = HashMap::new();
    for (m, taken) in messages.iter().zip(&outcomes) {
        if *taken == Taken::Stored
            && let Some(id) = known.get(m.packet.mn.as_str()).and_then(|d| d.device_id)
        {
            let e = seen.entry(id).or_insert((m, 0));
            e.0 = m;
            e.1 += 1;
        }
    }
    for (id, (m, n)) in seen {
        use sea_orm::sea_query::{Expr, ExprTrait};
        devices::Entity::update_many()
            .col_expr(devices::Column::LastFrameAt, Expr::value(m.received_at))
            .col_expr(devices::Column::LastCn, Expr::value(m.packet.cn.chars().take(4).collect::<String>()))
            .col_expr(devices::Column::LastPeer, Expr::value(m.peer.clone()))
            .col_expr(devices::Column::Frames, Expr::col(devices::Column::Frames).add(n))
            .filter(devices::Column::Id.eq(id))
            .exec(tx)
            .await?;
    }
    let tails = writer.take_tails();
    writer.commit(Some(serde_json::json!({"messages": messages.len()}))).await?;
    *kept = tails;
    Ok(outcomes)
}

/// The devices of these MNs: registered ones, and sections whose registry entry names the MN.
async fn lookup(db: &DatabaseConnection, mns: &BTreeSet<&str>) -> Result<HashMap<String, Known>, DbErr> {
    let registered = devices::Entity::find().filter(devices::Column::Mn.is_in(mns.iter().copied())).all(db).await?;
    let section_ids: Vec<i32> = registered.iter().filter_map(|d| d.section_id).collect();
    let by_id: HashMap<i32, String> = sections::Entity::find()
        .filter(sections::Column::Id.is_in(section_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let mut known: HashMap<String, Known> = HashMap::new();
    for d in registered {
        let units: HashMap<String, String> = d
            .units
            .as_deref()
            .and_then(|u| serde_json::from_str::<HashMap<String, String>>(u).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|(code, unit)| (code.to_ascii_lowercase(), unit))
            .collect();
        known.insert(
            d.mn.clone(),
            Known {
                section_code: d.section_id.and_then(|id| by_id.get(&id).cloned()),
                outfall: d.outfall_id,
                password_digest: d.password_digest,
                units,
                device_id: Some(d.id),
            },
        );
    }
    let missing: Vec<&str> = mns.iter().copied().filter(|mn| !known.contains_key(*mn)).collect();
    if !missing.is_empty() {
        for s in sections::Entity::find().filter(sections::Column::StationMn.is_in(missing)).all(db).await? {
            if let Some(mn) = s.station_mn {
                known.insert(
                    mn,
                    Known {
                        section_code: Some(s.code),
                        outfall: None,
                        password_digest: None,
                        units: HashMap::new(),
                        device_id: None,
                    },
                );
            }
        }
    }
    Ok(known)
}

/// One value of an enterprise's online monitor.
#[derive(Debug, Clone, PartialEq)]
struct MonitorRow {
    outfall_id: i32,
    mn: String,
    code: String,
    sampled_at: DateTime<Utc>,
    kind: DataKind,
    value: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    cou: Option<f64>,
    unit: String,
    flag: Option<String>,
}

/// Stores monitors' values as readings are stored: the same value again changes nothing, a different one
/// replaces it and the old one goes to `monitor_revisions`. A few hundred values a second at a nation's
/// 10,000 monitors: one statement each is enough.
async fn store_monitor(
    db: &sea_orm::DatabaseTransaction,
    rows: &[MonitorRow],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use crate::entities::monitor_readings::{self, Column as C};
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use sea_orm::{ConnectionTrait, TryInsertResult};
    for r in rows {
        let inserted = monitor_readings::Entity::insert(monitor_readings::ActiveModel {
            outfall_id: Set(r.outfall_id),
            mn: Set(r.mn.chars().take(24).collect()),
            code: Set(r.code.chars().take(12).collect()),
            sampled_at: Set(r.sampled_at),
            data_kind: Set(r.kind),
            value: Set(r.value),
            min: Set(r.min),
            max: Set(r.max),
            cou: Set(r.cou),
            unit: Set(r.unit.chars().take(16).collect()),
            flag: Set(r.flag.as_ref().map(|f| f.chars().take(4).collect())),
            revision: Set(1),
            received_at: Set(now),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([C::OutfallId, C::Code, C::SampledAt, C::DataKind])
        .exec(db)
        .await?;
        if matches!(inserted, TryInsertResult::Inserted(_)) {
            continue;
        }
        let Some(old) = monitor_readings::Entity::find()
            .filter(C::OutfallId.eq(r.outfall_id))
            .filter(C::Code.eq(r.code.as_str()))
            .filter(C::SampledAt.eq(r.sampled_at))
            .filter(C::DataKind.eq(r.kind))
            .one(db)
            .await?
        else {
            continue;
        };
        let bits = |v: Option<f64>| v.map(f64::to_bits);
        let same = bits(old.value) == bits(r.value)
            && bits(old.min) == bits(r.min)
            && bits(old.max) == bits(r.max)
            && bits(old.cou) == bits(r.cou)
            && old.flag == r.flag;
        if same {
            continue;
        }
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("monitor_revisions"))
            .columns(
                [
                    "monitor_reading_id",
                    "revision",
                    "value",
                    "min",
                    "max",
                    "cou",
                    "flag",
                    "received_at",
                    "superseded_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                old.id.into(),
                old.revision.into(),
                old.value.into(),
                old.min.into(),
                old.max.into(),
                old.cou.into(),
                old.flag.clone().into(),
                old.received_at.into(),
                now.into(),
            ]);
        db.execute(&insert).await?;
        monitor_readings::Entity::update_many()
            .col_expr(C::Value, Expr::value(r.value))
            .col_expr(C::Min, Expr::value(r.min))
            .col_expr(C::Max, Expr::value(r.max))
            .col_expr(C::Cou, Expr::value(r.cou))
            .col_expr(C::Flag, Expr::value(r.flag.clone()))
            .col_expr(C::ReceivedAt, Expr::value(now))
            .col_expr(C::Revision, Expr::col(C::Revision).add(1))
            .filter(C::Id.eq(old.id))
            .exec(db)
            .await?;
    }
    Ok(())
}
