//! Enterprise self-checks (自行监测, HJ 819): results the enterprises submit for their outfalls.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{fk, instant, instant_null, m20261128_000003_enterprises::Outfalls, m20261128_000004_users::Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SelfChecks::Table)
                    .col(big_pk_auto(SelfChecks::Id))
                    .col(integer(SelfChecks::OutfallId))
                    .col(string_len(SelfChecks::Parameter, 24))
                    .col(instant(SelfChecks::SampledAt))
                    .col(double(SelfChecks::Value))
                    .col(string_len(SelfChecks::Unit, 16))
                    .col(boolean(SelfChecks::BelowDetection).default(false))
                    .col(double_null(SelfChecks::DetectionLimit))
                    .col(string_len_null(SelfChecks::Sampler, 64))
                    .col(string_len_null(SelfChecks::Method, 128))
                    .col(integer_null(SelfChecks::SubmittedBy))
                    .col(instant(SelfChecks::SubmittedAt))
                    // compliant | exceeded | undecidable; NULL until judged.
                    .col(string_len_null(SelfChecks::Verdict, 16))
                    .col(double_null(SelfChecks::LimitValue))
                    .col(instant_null(SelfChecks::JudgedAt))
                    .foreign_key(&mut fk(SelfChecks::Table, SelfChecks::OutfallId, Outfalls::Table))
                    .foreign_key(&mut fk(SelfChecks::Table, SelfChecks::SubmittedBy, Users::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_self_checks_outfall_parameter_time")
                    .table(SelfChecks::Table)
                    .col(SelfChecks::OutfallId)
                    .col(SelfChecks::Parameter)
                    .col(SelfChecks::SampledAt)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SelfChecks::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SelfChecks {
    Table,
    Id,
    OutfallId,
    Parameter,
    SampledAt,
    Value,
    Unit,
    BelowDetection,
    DetectionLimit,
    Sampler,
    Method,
    SubmittedBy,
    SubmittedAt,
    Verdict,
    LimitValue,
    JudgedAt,
}
