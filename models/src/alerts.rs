//! Alerts: one live alert per section, parameter and kind, opened by the first reading that misses the
//! section's target and updated by later ones. Opening an alert queues a notice to the lowest-level chief
//! of the section's chain, in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use crate::chiefs;
use crate::domain::ChiefLevel;
use crate::domain::gb3838::{Direction, Parameter, WaterClass};
use crate::domain::notice_text::Exceedance;
use crate::entities::{alert_events, alerts, readings};
use crate::notices::{self, Channel, NewNotice};
use crate::sections::SectionContext;

pub const KIND_EXCEEDANCE: &str = "exceedance";

/// What a reading did to the alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertOutcome {
    pub alert_id: i32,
    /// A new alert was opened (rather than a live one updated).
    pub opened: bool,
    /// A notice was queued for a chief.
    pub notice_queued: bool,
}

/// How bad a value is within its class, larger is worse: lets `worst_value` track the worst reading.
fn badness(parameter: Parameter, value: f64) -> f64 {
    match parameter.info().direction {
        Direction::LowerBound => -value,
        Direction::Range { low, high } => (low - value).max(value - high),
        _ => value,
    }
}

/// Records a reading worse than its section's target: updates the live alert, or opens one and queues a
/// notice. Call inside the transaction that stored the reading.
pub async fn record_exceedance(
    db: &impl ConnectionTrait,
    ctx: &SectionContext,
    reading: &readings::Model,
    parameter: Parameter,
    class: WaterClass,
    now: DateTime<Utc>,
) -> Result<AlertOutcome, DbErr> {
    let live = alerts::Entity::find()
        .filter(alerts::Column::SectionId.eq(ctx.section.id))
        .filter(alerts::Column::Parameter.eq(parameter.key()))
        .filter(alerts::Column::Kind.eq(KIND_EXCEEDANCE))
        .filter(alerts::Column::Status.ne("closed"))
        .one(db)
        .await?;

    if let Some(alert) = live {
        let alert_id = alert.id;
        let worse = (class.rank(), badness(parameter, reading.value))
            > (alert.worst_class, badness(parameter, alert.worst_value));
        let newer = reading.sampled_at >= alert.last_sampled_at;
        let count = alert.reading_count + 1;
        let mut active = alert.into_active_model();
        active.reading_count = Set(count);
        active.updated_at = Set(now);
        if newer {
            active.last_reading_id = Set(Some(reading.id));
            active.last_sampled_at = Set(reading.sampled_at);
            active.last_value = Set(reading.value);
            active.last_class = Set(class.rank());
        }
        if worse {
            active.worst_value = Set(reading.value);
            active.worst_class = Set(class.rank());
        }
        active.update(db).await?;
        record_event(
            db,
            alert_id,
            "updated",
            Some(reading.id),
            format!("{} {} → {class}", parameter.key(), reading.value),
            now,
        )
        .await?;
        return Ok(AlertOutcome { alert_id, opened: false, notice_queued: false });
    }

    let alert = alerts::ActiveModel {
        section_id: Set(ctx.section.id),
        parameter: Set(parameter.key().into()),
        kind: Set(KIND_EXCEEDANCE.into()),
        status: Set("open".into()),
        escalation_level: Set(0),
        target_class: Set(ctx.section.target_class),
        first_reading_id: Set(Some(reading.id)),
        last_reading_id: Set(Some(reading.id)),
        last_sampled_at: Set(reading.sampled_at),
        last_value: Set(reading.value),
        last_class: Set(class.rank()),
        worst_value: Set(reading.value),
        worst_class: Set(class.rank()),
        reading_count: Set(1),
        opened_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    record_event(
        db,
        alert.id,
        "opened",
        Some(reading.id),
        format!("{} {} → {class}", parameter.key(), reading.value),
        now,
    )
    .await?;

    let chain = chiefs::chain_for_section(db, &ctx.section).await?;
    let Some(chief) = chain.iter().find(|c| c.email.as_deref().is_some_and(|e| !e.trim().is_empty())) else {
        record_event(
            db,
            alert.id,
            "no_recipient",
            None,
            "断面河长链上没有可用邮箱 / no chief with an email".into(),
            now,
        )
        .await?;
        return Ok(AlertOutcome { alert_id: alert.id, opened: true, notice_queued: false });
    };
    let text = Exceedance {
        alert_id: alert.id,
        chief_name: &chief.name,
        chief_level: ChiefLevel::parse(&chief.level),
        section_code: &ctx.section.code,
        section_name: &ctx.section.name,
        water_body_name: &ctx.water_body.name,
        water_body_kind: ctx.kind(),
        parameter,
        value: reading.value,
        below_detection: reading.below_detection,
        class,
        target: ctx.target(),
        sampled_at: reading.sampled_at,
    }
    .render();
    let notice = notices::enqueue(
        db,
        NewNotice {
            alert_id: Some(alert.id),
            chief_id: Some(chief.id),
            channel: Channel::Email,
            recipient: chief.email.clone().unwrap_or_default(),
            subject: text.subject,
            body: text.body,
            body_html: None,
            dedupe_key: Some(format!("alert:{}:opened:chief:{}", alert.id, chief.id)),
        },
        now,
    )
    .await?;
    let detail = match notice {
        Some(n) => format!("notice {} → chief {}", n.id, chief.id),
        None => format!("notice to chief {} already queued", chief.id),
    };
    record_event(db, alert.id, "notice_queued", None, detail, now).await?;
    Ok(AlertOutcome { alert_id: alert.id, opened: true, notice_queued: true })
}

async fn record_event(
    db: &impl ConnectionTrait,
    alert_id: i32,
    kind: &str,
    reading_id: Option<i64>,
    detail: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    alert_events::ActiveModel {
        alert_id: Set(alert_id),
        at: Set(now),
        kind: Set(kind.into()),
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
        query = query.filter(alerts::Column::Status.ne("closed"));
    }
    let rows = query.find_also_related(s::Entity).all(db).await?;
    let bodies: std::collections::HashMap<i32, water_bodies::Model> =
        water_bodies::Entity::find().all(db).await?.into_iter().map(|w| (w.id, w)).collect();
    Ok(rows
        .into_iter()
        .filter_map(|(alert, section)| {
            let section = section?;
            let water_body = bodies.get(&section.water_body_id).cloned();
            Some(AlertRow { alert, section, water_body })
        })
        .collect())
}

/// Alerts not yet closed, most recently updated first.
pub async fn list_live(db: &impl ConnectionTrait) -> Result<Vec<alerts::Model>, DbErr> {
    alerts::Entity::find()
        .filter(alerts::Column::Status.ne("closed"))
        .order_by_desc(alerts::Column::UpdatedAt)
        .all(db)
        .await
}
