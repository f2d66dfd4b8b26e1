//! Early warnings: each raised warning with its level and reasons, kept after it is lifted. At most one
//! warning is current per subject (a section's item, a section or region under the Yangtze rule, a device
//! gone silent): its `dedup_key`. The jobs that judge (`early_warning`, `yangtze_warning`,
//! `detect_silent_stations`) raise, update and lift them; the API only reads them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    fk, instant, instant_null,
    m20261128_000001_registry::{Regions, Sections},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Warnings::Table)
                    .col(pk_auto(Warnings::Id))
                    // e.g. `quality:12:nh3n`, `yangtze:section:12`, `silent:device:3`
                    .col(string_len(Warnings::DedupKey, 96))
                    // quality | yangtze | silent_station
                    .col(string_len(Warnings::Kind, 24))
                    // blue | yellow | orange | red | level2 | level1
                    .col(string_len(Warnings::Level, 16))
                    .col(integer_null(Warnings::SectionId))
                    .col(integer_null(Warnings::RegionId))
                    .col(integer_null(Warnings::DeviceId))
                    .col(string_len_null(Warnings::Parameter, 24))
                    // The period it was issued for (`2026Q3` under the Yangtze rule), else none.
                    .col(string_len_null(Warnings::Period, 16))
                    // JSON array of the reasons, each with its level and the numbers behind it.
                    .col(text(Warnings::Reasons))
                    // One sentence, Chinese then English, for lists and notices.
                    .col(text(Warnings::Summary))
                    .col(instant(Warnings::RaisedAt))
                    .col(instant(Warnings::UpdatedAt))
                    .col(instant_null(Warnings::LiftedAt))
                    .col(integer_null(Warnings::AlertId))
                    .foreign_key(&mut fk(Warnings::Table, Warnings::SectionId, Sections::Table))
                    .foreign_key(&mut fk(Warnings::Table, Warnings::RegionId, Regions::Table))
                    .to_owned(),
            )
            .await?;
        // One current warning per subject; lifted ones stay as history.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_warnings_current ON warnings (dedup_key) WHERE lifted_at IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_warnings_kind_level")
                    .table(Warnings::Table)
                    .col(Warnings::Kind)
                    .col(Warnings::LiftedAt)
                    .col(Warnings::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_warnings_section").table(Warnings::Table).col(Warnings::SectionId).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Warnings::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Warnings {
    Table,
    Id,
    DedupKey,
    Kind,
    Level,
    SectionId,
    RegionId,
    DeviceId,
    Parameter,
    Period,
    Reasons,
    Summary,
    RaisedAt,
    UpdatedAt,
    LiftedAt,
    AlertId,
}
