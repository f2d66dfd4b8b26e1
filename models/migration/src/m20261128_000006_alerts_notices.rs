//! Alerts on sections, every step of their life, and the notice outbox that tells the river chiefs.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    fk, instant, instant_null,
    m20261128_000001_registry::{RiverChiefs, Sections},
    m20261128_000002_readings::Readings,
    m20261128_000004_users::Users,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(pk_auto(Alerts::Id))
                    .col(integer(Alerts::SectionId))
                    .col(string_len(Alerts::Parameter, 24))
                    // exceedance (worse than target); later: pre_warning, trend, forecast, anomaly, silent_station
                    .col(string_len(Alerts::Kind, 24))
                    // open | acknowledged | closed
                    .col(string_len(Alerts::Status, 16))
                    // Chain level currently responsible: 0 is the lowest-level chief; escalation raises it.
                    .col(small_integer(Alerts::EscalationLevel).default(0))
                    .col(small_integer(Alerts::TargetClass))
                    .col(big_integer_null(Alerts::FirstReadingId))
                    .col(big_integer_null(Alerts::LastReadingId))
                    .col(instant(Alerts::LastSampledAt))
                    .col(double(Alerts::LastValue))
                    .col(small_integer(Alerts::LastClass))
                    .col(double(Alerts::WorstValue))
                    .col(small_integer(Alerts::WorstClass))
                    .col(integer(Alerts::ReadingCount).default(1))
                    .col(instant(Alerts::OpenedAt))
                    .col(instant(Alerts::UpdatedAt))
                    .col(instant_null(Alerts::AcknowledgedAt))
                    .col(integer_null(Alerts::AcknowledgedBy))
                    .col(instant_null(Alerts::ClosedAt))
                    .col(integer_null(Alerts::ClosedBy))
                    .foreign_key(&mut fk(Alerts::Table, Alerts::SectionId, Sections::Table))
                    .foreign_key(&mut fk(Alerts::Table, Alerts::FirstReadingId, Readings::Table))
                    .foreign_key(&mut fk(Alerts::Table, Alerts::LastReadingId, Readings::Table))
                    .foreign_key(&mut fk(Alerts::Table, Alerts::AcknowledgedBy, Users::Table))
                    .foreign_key(&mut fk(Alerts::Table, Alerts::ClosedBy, Users::Table))
                    .to_owned(),
            )
            .await?;
        // At most one alert not yet closed per section, parameter and kind. A partial index, written
        // as SQL because both SQLite and PostgreSQL accept the same statement.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_alerts_one_live ON alerts (section_id, parameter, kind) \
                 WHERE status <> 'closed'",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alerts_status")
                    .table(Alerts::Table)
                    .col(Alerts::Status)
                    .col(Alerts::UpdatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AlertEvents::Table)
                    .col(big_pk_auto(AlertEvents::Id))
                    .col(integer(AlertEvents::AlertId))
                    .col(instant(AlertEvents::At))
                    // opened | updated | notice_queued | acknowledged | escalated | closed
                    .col(string_len(AlertEvents::Kind, 24))
                    .col(big_integer_null(AlertEvents::ReadingId))
                    .col(integer_null(AlertEvents::UserId))
                    .col(text_null(AlertEvents::Detail))
                    .foreign_key(&mut fk(AlertEvents::Table, AlertEvents::AlertId, Alerts::Table))
                    .foreign_key(&mut fk(AlertEvents::Table, AlertEvents::ReadingId, Readings::Table))
                    .foreign_key(&mut fk(AlertEvents::Table, AlertEvents::UserId, Users::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_events_alert")
                    .table(AlertEvents::Table)
                    .col(AlertEvents::AlertId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notices::Table)
                    .col(big_pk_auto(Notices::Id))
                    .col(integer_null(Notices::AlertId))
                    .col(integer_null(Notices::ChiefId))
                    // email | sms
                    .col(string_len(Notices::Channel, 8))
                    .col(string_len(Notices::Recipient, 254))
                    .col(string_len(Notices::Subject, 255))
                    .col(text(Notices::Body))
                    // pending | sending | sent | failed
                    .col(string_len(Notices::Status, 16))
                    .col(integer(Notices::Attempts).default(0))
                    .col(instant(Notices::NextAttemptAt))
                    .col(instant_null(Notices::ClaimedAt))
                    .col(instant_null(Notices::SentAt))
                    .col(text_null(Notices::LastError))
                    .col(instant(Notices::CreatedAt))
                    .foreign_key(&mut fk(Notices::Table, Notices::AlertId, Alerts::Table))
                    .foreign_key(&mut fk(Notices::Table, Notices::ChiefId, RiverChiefs::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notices_due")
                    .table(Notices::Table)
                    .col(Notices::Status)
                    .col(Notices::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Notices::Table.into_iden(), AlertEvents::Table.into_iden(), Alerts::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    SectionId,
    Parameter,
    Kind,
    Status,
    EscalationLevel,
    TargetClass,
    FirstReadingId,
    LastReadingId,
    LastSampledAt,
    LastValue,
    LastClass,
    WorstValue,
    WorstClass,
    ReadingCount,
    OpenedAt,
    UpdatedAt,
    AcknowledgedAt,
    AcknowledgedBy,
    ClosedAt,
    ClosedBy,
}

#[derive(DeriveIden)]
enum AlertEvents {
    Table,
    Id,
    AlertId,
    At,
    Kind,
    ReadingId,
    UserId,
    Detail,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    AlertId,
    ChiefId,
    Channel,
    Recipient,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedAt,
    SentAt,
    LastError,
    CreatedAt,
}
