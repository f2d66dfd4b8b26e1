//! Alerts: one live alert per section, parameter and kind, opened by the first reading that misses the
//! section's target and updated by later ones. Opening an alert queues a notice to the lowest-level chief
//! of the section's chain, in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use crate::chiefs;
use crate::domain::alert::{
    AlertEventKind, AlertKind, AlertStatus, ChainMember, Decision, JudgedReading, LiveAlert, decide, recipient,
};
use crate::domain::gb3838::{Parameter, WaterClass};
use crate::domain::notice_text::{Exceedance, NoticeText, WarningNotice};
use crate::domain::warning::WarningGrade;
use crate::entities::{alert_events, alerts};
use crate::notices::{self, Channel, NewNotice};
use crate::sections::SectionContext;
use crate::warnings::Change;

/// What a reading did to the alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertOutcome {
    pub alert_id: i32,
    /// A new alert was opened (rather than a live one updated).
    pub opened: bool,
    /// A notice was queued for a chief.
    pub notice_queued: bool,
}

/// The live alert of a section, parameter and kind, if any.
async fn find_live(
    db: &impl ConnectionTrait,
    section_id: i32,
    parameter: Parameter,
    kind: AlertKind,
) -> Result<Option<alerts::Model>, DbErr> {
    alerts::Entity::find()
        .filter(alerts::Column::SectionId.eq(section_id))
        .filter(alerts::Column::Parameter.eq(parameter))
        .filter(alerts::Column::Kind.eq(kind))
        .filter(alerts::Column::Status.ne(AlertStatus::Closed))
        .one(db)
        .await
}

/// Carries out what [`decide`] says about a stored, judged reading: updates the live alert, or opens one and
/// queues a notice to the lowest chief who can be told. Call inside the transaction that stored the reading.
pub async fn record_reading(
    db: &impl ConnectionTrait,
    ctx: &SectionContext,
    reading_id: i64,
    reading: &JudgedReading,
    now: DateTime<Utc>,
) -> Result<Option<AlertOutcome>, DbErr> {
    // Most readings meet their target: decide before looking anything up.
    if decide(None, reading) == Decision::Leave {
        return Ok(None);
    }
    let stored = find_live(db, ctx.section.id, reading.parameter, AlertKind::Exceedance).await?;
    let live = stored.as_ref().map(|a| LiveAlert {
        last_sampled_at: a.last_sampled_at,
        worst_value: a.worst_value,
        worst_class: a.worst_class,
    });
    let detail = format!(
        "{} {} → {}",
        reading.parameter.key(),
        reading.value,
        reading.class.map_or("-".into(), |c| c.to_string())
    );
    match (decide(live.as_ref(), reading), stored) {
        (Decision::Leave, _) => Ok(None),
        (Decision::Update { class, newer, worse }, Some(alert)) => {
            let alert_id = alert.id;
            let count = alert.reading_count + 1;
            let mut active = alert.into_active_model();
            active.reading_count = Set(count);
            active.updated_at = Set(now);
            if newer {
                active.last_reading_id = Set(Some(reading_id));
                active.last_sampled_at = Set(reading.sampled_at);
                active.last_value = Set(reading.value);
                active.last_class = Set(class);
            }
            if worse {
                active.worst_value = Set(reading.value);
                active.worst_class = Set(class);
            }
            active.update(db).await?;
            record_event(db, alert_id, AlertEventKind::Updated, Some(reading_id), detail, now).await?;
            Ok(Some(AlertOutcome { alert_id, opened: false, notice_queued: false }))
        }
        (Decision::Open { class }, _) | (Decision::Update { class, .. }, None) => {
            open(db, ctx, reading_id, reading, class, detail, now).await.map(Some)
        }
    }
}

async fn open(
    db: &impl ConnectionTrait,
    ctx: &SectionContext,
    reading_id: i64,
    reading: &JudgedReading,
    class: WaterClass,
    detail: String,
    now: DateTime<Utc>,
) -> Result<AlertOutcome, DbErr> {
    let alert = alerts::ActiveModel {
        section_id: Set(ctx.section.id),
        parameter: Set(reading.parameter),
        kind: Set(AlertKind::Exceedance),
        status: Set(AlertStatus::Open),
        escalation_level: Set(0),
        target_class: Set(reading.target),
        first_reading_id: Set(Some(reading_id)),
        last_reading_id: Set(Some(reading_id)),
        last_sampled_at: Set(reading.sampled_at),
        last_value: Set(reading.value),
        last_class: Set(class),
        worst_value: Set(reading.value),
        worst_class: Set(class),
        reading_count: Set(1),
        opened_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    record_event(db, alert.id, AlertEventKind::Opened, Some(reading_id), detail, now).await?;

    let class_text = class;
    let queued = notify_lowest_chief(db, ctx, alert.id, "opened", now, |chief| {
        Exceedance {
            alert_id: alert.id,
            chief_name: &chief.name,
            chief_level: Some(chief.level),
            section_code: &ctx.section.code,
            section_name: &ctx.section.name,
            water_body_name: &ctx.water_body.name,
            water_body_kind: ctx.kind(),
            parameter: reading.parameter,
            value: reading.value,
            below_detection: reading.below_detection,
            class: class_text,
            target: reading.target,
            sampled_at: reading.sampled_at,
        }
        .render()
    })
    .await?;
    Ok(AlertOutcome { alert_id: alert.id, opened: true, notice_queued: queued })
}

/// Queues a notice about alert `alert_id` to the lowest chief of the section's chain who can be told, and
/// records it in the alert's history; records that nobody could be told otherwise. `occasion` names the
/// notice in its dedupe key (`opened`, `level:red`), so a repeated occasion queues nothing twice.
async fn notify_lowest_chief(
    db: &impl ConnectionTrait,
    ctx: &SectionContext,
    alert_id: i32,
    occasion: &str,
    now: DateTime<Utc>,
    text: impl FnOnce(&crate::entities::river_chiefs::Model) -> NoticeText,
) -> Result<bool, DbErr> {
    let chain = chiefs::chain_for_section(db, &ctx.section, chiefs::china_day(now)).await?;
    let members: Vec<ChainMember> =
        chain.iter().map(|c| ChainMember { chief_id: c.id, level: c.level, email: c.email.clone() }).collect();
    let Some(chief) = recipient(&members).and_then(|m| chain.iter().find(|c| c.id == m.chief_id)) else {
        let why = "断面河长链上没有可用邮箱 / no chief with an email".to_string();
        record_event(db, alert_id, AlertEventKind::NoRecipient, None, why, now).await?;
        return Ok(false);
    };
    let text = text(chief);
    let notice = notices::enqueue(
        db,
        NewNotice {
            alert_id: Some(alert_id),
            chief_id: Some(chief.id),
            channel: Channel::Email,
            recipient: chief.email.clone().unwrap_or_default(),
            subject: text.subject,
            body: text.body,
            body_html: None,
            dedupe_key: Some(format!("alert:{alert_id}:{occasion}:chief:{}", chief.id)),
        },
        now,
    )
    .await?;
    let detail = match notice {
        Some(n) => format!("notice {} → chief {}", n.id, chief.id),
        None => format!("notice to chief {} already queued", chief.id),
    };
    record_event(db, alert_id, AlertEventKind::NoticeQueued, None, detail, now).await?;
    Ok(true)
}

/// A warning on one item at a section, as the alert it opens or updates carries it.
#[derive(Debug, Clone)]
pub struct WarningSignal<'a> {
    /// [`AlertKind::Warning`] or [`AlertKind::YangtzeWarning`].
    pub kind: AlertKind,
    pub parameter: Parameter,
    pub level: WarningGrade,
    /// What raising did to the stored warning (`models::warnings::raise`).
    pub change: Change,
    /// The newest value behind it, its class and time.
    pub value: f64,
    pub class: WaterClass,
    pub sampled_at: DateTime<Utc>,
    pub target: WaterClass,
    pub summary: &'a str,
}

/// Opens the alert of a warning (one live alert per section, item and kind) and tells the lowest chief, or
/// updates the live one: its latest and worst values, and a notice again only when the warning grew graver.
/// A warning judged again unchanged touches nothing.
pub async fn record_warning(
    db: &impl ConnectionTrait,
    ctx: &SectionContext,
    signal: &WarningSignal<'_>,
    now: DateTime<Utc>,
) -> Result<AlertOutcome, DbErr> {
    let level_en: &'static str = signal.level.into();
    let kind_zh = match signal.kind {
        AlertKind::YangtzeWarning => crate::domain::warning::WarningKind::Yangtze.zh(),
        _ => crate::domain::warning::WarningKind::Quality.zh(),
    };
    let detail = format!(
        "{} {} {level_en}: {}",
        signal.parameter.key(),
        crate::domain::notice_text::format_number(signal.value),
        signal.summary
    );
    let render = |graver: bool, alert_id: i32| {
        move |chief: &crate::entities::river_chiefs::Model| {
            WarningNotice {
                alert_id,
                chief_name: &chief.name,
                chief_level: Some(chief.level),
                section_code: &ctx.section.code,
                section_name: &ctx.section.name,
                water_body_name: &ctx.water_body.name,
                level_zh: signal.level.zh(),
                level_en,
                kind_zh,
                graver,
                summary: signal.summary,
            }
            .render()
        }
    };
    match find_live(db, ctx.section.id, signal.parameter, signal.kind).await? {
        Some(alert) => {
            let alert_id = alert.id;
            let newer = signal.sampled_at > alert.last_sampled_at;
            let worse = signal.class > alert.worst_class;
            if !newer && !worse && signal.change != Change::Graver && signal.change != Change::Milder {
                return Ok(AlertOutcome { alert_id, opened: false, notice_queued: false });
            }
            let count = alert.reading_count + 1;
            let mut active = alert.into_active_model();
            active.reading_count = Set(count);
            active.updated_at = Set(now);
            if newer {
                active.last_reading_id = Set(None);
                active.last_sampled_at = Set(signal.sampled_at);
                active.last_value = Set(signal.value);
                active.last_class = Set(signal.class);
            }
            if worse {
                active.worst_value = Set(signal.value);
                active.worst_class = Set(signal.class);
            }
            active.update(db).await?;
            if signal.change == Change::Graver {
                record_event(db, alert_id, AlertEventKind::Graver, None, detail, now).await?;
                let queued =
                    notify_lowest_chief(db, ctx, alert_id, &format!("level:{level_en}"), now, render(true, alert_id))
                        .await?;
                return Ok(AlertOutcome { alert_id, opened: false, notice_queued: queued });
            }
            record_event(db, alert_id, AlertEventKind::Updated, None, detail, now).await?;
            Ok(AlertOutcome { alert_id, opened: false, notice_queued: false })
        }
        None => {
            let alert = alerts::ActiveModel {
                section_id: Set(ctx.section.id),
                parameter: Set(signal.parameter),
                kind: Set(signal.kind),
                status: Set(AlertStatus::Open),
                escalation_level: Set(0),
                target_class: Set(signal.target),
                first_reading_id: Set(None),
                last_reading_id: Set(None),
                last_sampled_at: Set(signal.sampled_at),
                last_value: Set(signal.value),
                last_class: Set(signal.class),
                worst_value: Set(signal.value),
                worst_class: Set(signal.class),
                reading_count: Set(1),
                opened_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            record_event(db, alert.id, AlertEventKind::Opened, None, detail, now).await?;
            let queued =
                notify_lowest_chief(db, ctx, alert.id, &format!("opened:{level_en}"), now, render(false, alert.id))
                    .await?;
            Ok(AlertOutcome { alert_id: alert.id, opened: true, notice_queued: queued })
        }
    }
}

/// Notes in the alert's history that the warning behind it was lifted; the alert stays for staff to close.
pub async fn record_warning_lifted(
    db: &impl ConnectionTrait,
    alert_id: i32,
    summary: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    record_event(db, alert_id, AlertEventKind::WarningLifted, None, summary.to_string(), now).await
}

async fn record_event(
    db: &impl ConnectionTrait,
    alert_id: i32,
    kind: AlertEventKind,
    reading_id: Option<i64>,
    detail: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    alert_events::ActiveModel {
        alert_id: Set(alert_id),
        at: Set(now),
        kind: Set(kind),
        reading_id: Set(reading_id),
        user_id: Set(None),
        detail: Set(Some(detail)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An alert with what a reader needs to place it.
#[derive(Debug, Clone)]
pub struct AlertRow {
    pub alert: alerts::Model,
    pub section: crate::entities::sections::Model,
    pub water_body: Option<crate::entities::water_bodies::Model>,
}

/// Alerts of `sections` (all sections when `None`), newest first; only live ones unless `include_closed`.
pub async fn list(
    db: &impl ConnectionTrait,
    sections: Option<&[i32]>,
    include_closed: bool,
    limit: u64,
) -> Result<Vec<AlertRow>, DbErr> {
    use crate::entities::{sections as s, water_bodies};
    use sea_orm::QuerySelect;
    let mut query = alerts::Entity::find().order_by_desc(alerts::Column::UpdatedAt).limit(limit);
    if let Some(ids) = sections {
        query = query.filter(alerts::Column::SectionId.is_in(ids.iter().copied()));
    }
    if !include_closed {
        query = query.filter(alerts::Column::Status.ne(AlertStatus::Closed));
    }
    let alerts = query.all(db).await?;
    let ids: Vec<i32> = alerts.iter().map(|a| a.section_id).collect();
    let sections = s::Entity::find().filter(s::Column::Id.is_in(ids)).all(db).await?;
    let sections: std::collections::HashMap<i32, (s::Model, water_bodies::Model)> =
        crate::sections::with_water_bodies(db, sections).await?.into_iter().map(|p| (p.0.id, p)).collect();
    alerts
        .into_iter()
        .map(|alert| match sections.get(&alert.section_id) {
            Some((section, water_body)) => {
                Ok(AlertRow { alert, section: section.clone(), water_body: Some(water_body.clone()) })
            }
            None => Err(DbErr::RecordNotFound(format!("section {} of alert {}", alert.section_id, alert.id))),
        })
        .collect()
}

/// Alerts not yet closed, most recently updated first.
pub async fn list_live(db: &impl ConnectionTrait) -> Result<Vec<alerts::Model>, DbErr> {
    alerts::Entity::find()
        .filter(alerts::Column::Status.ne(AlertStatus::Closed))
        .order_by_desc(alerts::Column::UpdatedAt)
        .all(db)
        .await
}
