//! Enterprises that discharge into the district's waters, and their outfalls.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    fk, instant,
    m20261128_000001_registry::{Regions, WaterBodies},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Enterprises::Table)
                    .col(pk_auto(Enterprises::Id))
                    // Unified social credit code (统一社会信用代码), 18 characters.
                    .col(string_len_uniq(Enterprises::CreditCode, 18))
                    .col(string_len(Enterprises::Name, 128))
                    .col(integer_null(Enterprises::RegionId))
                    .col(string_len_null(Enterprises::Address, 256))
                    .col(string_len_null(Enterprises::Industry, 64))
                    // 重点排污单位: key units run automatic monitors and check more often.
                    .col(boolean(Enterprises::IsKeyUnit).default(false))
                    .col(string_len_null(Enterprises::ContactName, 64))
                    .col(string_len_null(Enterprises::ContactPhone, 32))
                    .col(instant(Enterprises::CreatedAt))
                    .foreign_key(&mut fk(Enterprises::Table, Enterprises::RegionId, Regions::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outfalls::Table)
                    .col(pk_auto(Outfalls::Id))
                    .col(integer(Outfalls::EnterpriseId))
                    .col(string_len(Outfalls::Code, 32))
                    .col(string_len(Outfalls::Name, 128))
                    .col(integer_null(Outfalls::ReceivingWaterBodyId))
                    // Applicable standard and grade, e.g. `gb8978:1`, `gb18918:1A`; NULL: from the receiving water.
                    .col(string_len_null(Outfalls::DischargeStandard, 32))
                    .col(string_len_null(Outfalls::StationMn, 32).unique_key())
                    .col(double_null(Outfalls::Longitude))
                    .col(double_null(Outfalls::Latitude))
                    .col(instant(Outfalls::CreatedAt))
                    .foreign_key(&mut fk(Outfalls::Table, Outfalls::EnterpriseId, Enterprises::Table))
                    .foreign_key(&mut fk(Outfalls::Table, Outfalls::ReceivingWaterBodyId, WaterBodies::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_outfalls_enterprise_code")
                    .table(Outfalls::Table)
                    .col(Outfalls::EnterpriseId)
                    .col(Outfalls::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Outfalls::Table.into_iden(), Enterprises::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Enterprises {
    Table,
    Id,
    CreditCode,
    Name,
    RegionId,
    Address,
    Industry,
    IsKeyUnit,
    ContactName,
    ContactPhone,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Outfalls {
    Table,
    Id,
    EnterpriseId,
    Code,
    Name,
    ReceivingWaterBodyId,
    DischargeStandard,
    StationMn,
    Longitude,
    Latitude,
    CreatedAt,
}
