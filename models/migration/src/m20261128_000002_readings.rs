//! Surface-water readings, with the GB 3838 judgement stored beside each value.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{fk, instant, m20261128_000001_registry::Sections};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Readings::Table)
                    .col(big_pk_auto(Readings::Id))
                    .col(integer(Readings::SectionId))
                    // Parameter key (`nh3n`), never the HJ 212 code.
                    .col(string_len(Readings::Parameter, 24))
                    .col(instant(Readings::SampledAt))
                    // In the standard's unit (mg/L; count/L for fecal coliform; ℃; pH).
                    // For a value below detection this is the detection limit itself.
                    .col(double(Readings::Value))
                    .col(boolean(Readings::BelowDetection).default(false))
                    .col(double_null(Readings::DetectionLimit))
                    // api | csv | hj212 | lab | seed
                    .col(string_len(Readings::Source, 16))
                    // HJ 212 data flag: N normal; anything else is kept but not evaluated.
                    .col(string_len(Readings::QualityFlag, 1).default("N"))
                    // GB 3838 single-factor class rank (1..6), NULL when the item has no class.
                    .col(small_integer_null(Readings::Class))
                    .col(instant(Readings::ReceivedAt))
                    .foreign_key(&mut fk(Readings::Table, Readings::SectionId, Sections::Table))
                    .to_owned(),
            )
            .await?;
        // The idempotency rule: one value per section, parameter and sampling instant.
        manager
            .create_index(
                Index::create()
                    .name("uq_readings_section_parameter_time")
                    .table(Readings::Table)
                    .col(Readings::SectionId)
                    .col(Readings::Parameter)
                    .col(Readings::SampledAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_readings_section_time")
                    .table(Readings::Table)
                    .col(Readings::SectionId)
                    .col(Readings::SampledAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Readings::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Readings {
    Table,
    Id,
    SectionId,
    Parameter,
    SampledAt,
    Value,
    BelowDetection,
    DetectionLimit,
    Source,
    QualityFlag,
    Class,
    ReceivedAt,
}
