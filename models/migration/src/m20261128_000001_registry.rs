//! The registry: administrative regions, water bodies, monitoring sections, river chiefs and their reaches.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{fk, instant};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .col(pk_auto(Regions::Id))
                    .col(string_len_uniq(Regions::Code, 16))
                    .col(string_len(Regions::Name, 64))
                    // district | street | town | village
                    .col(string_len(Regions::Level, 16))
                    .col(integer_null(Regions::ParentId))
                    .foreign_key(&mut fk(Regions::Table, Regions::ParentId, Regions::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WaterBodies::Table)
                    .col(pk_auto(WaterBodies::Id))
                    .col(string_len_uniq(WaterBodies::Code, 32))
                    .col(string_len(WaterBodies::Name, 64))
                    // river | lake | reservoir
                    .col(string_len(WaterBodies::Kind, 16))
                    .col(text_null(WaterBodies::Description))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sections::Table)
                    .col(pk_auto(Sections::Id))
                    .col(string_len_uniq(Sections::Code, 32))
                    .col(string_len(Sections::Name, 64))
                    .col(integer(Sections::WaterBodyId))
                    .col(integer(Sections::RegionId))
                    .col(double_null(Sections::Longitude))
                    .col(double_null(Sections::Latitude))
                    // national | provincial | municipal | district
                    .col(string_len(Sections::ControlLevel, 16))
                    // GB 3838 class rank, 1 (I) .. 6 (劣V)
                    .col(small_integer(Sections::TargetClass))
                    // Device id (MN) of the automatic station at this section, if any.
                    .col(string_len_null(Sections::StationMn, 32).unique_key())
                    .col(boolean(Sections::Active).default(true))
                    .col(instant(Sections::CreatedAt))
                    .foreign_key(&mut fk(Sections::Table, Sections::WaterBodyId, WaterBodies::Table))
                    .foreign_key(&mut fk(Sections::Table, Sections::RegionId, Regions::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RiverChiefs::Table)
                    .col(pk_auto(RiverChiefs::Id))
                    .col(string_len(RiverChiefs::Name, 64))
                    // province | city | district | town | village
                    .col(string_len(RiverChiefs::Level, 16))
                    .col(string_len_null(RiverChiefs::Position, 128))
                    .col(string_len_null(RiverChiefs::Phone, 32))
                    .col(string_len_null(RiverChiefs::Email, 254))
                    .col(integer_null(RiverChiefs::RegionId))
                    .col(boolean(RiverChiefs::Active).default(true))
                    .col(instant(RiverChiefs::CreatedAt))
                    .foreign_key(&mut fk(RiverChiefs::Table, RiverChiefs::RegionId, Regions::Table))
                    .to_owned(),
            )
            .await?;

        // A chief answers for a water body, or for one section (reach) of it when section_id is set.
        manager
            .create_table(
                Table::create()
                    .table(ChiefAssignments::Table)
                    .col(pk_auto(ChiefAssignments::Id))
                    .col(integer(ChiefAssignments::ChiefId))
                    .col(integer(ChiefAssignments::WaterBodyId))
                    .col(integer_null(ChiefAssignments::SectionId))
                    .col(instant(ChiefAssignments::CreatedAt))
                    .foreign_key(&mut fk(ChiefAssignments::Table, ChiefAssignments::ChiefId, RiverChiefs::Table))
                    .foreign_key(&mut fk(ChiefAssignments::Table, ChiefAssignments::WaterBodyId, WaterBodies::Table))
                    .foreign_key(&mut fk(ChiefAssignments::Table, ChiefAssignments::SectionId, Sections::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_chief_assignments_water_body")
                    .table(ChiefAssignments::Table)
                    .col(ChiefAssignments::WaterBodyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_chief_assignments_chief")
                    .table(ChiefAssignments::Table)
                    .col(ChiefAssignments::ChiefId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChiefAssignments::Table.into_iden(),
            RiverChiefs::Table.into_iden(),
            Sections::Table.into_iden(),
            WaterBodies::Table.into_iden(),
            Regions::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Regions {
    Table,
    Id,
    Code,
    Name,
    Level,
    ParentId,
}

#[derive(DeriveIden)]
pub enum WaterBodies {
    Table,
    Id,
    Code,
    Name,
    Kind,
    Description,
}

#[derive(DeriveIden)]
pub enum Sections {
    Table,
    Id,
    Code,
    Name,
    WaterBodyId,
    RegionId,
    Longitude,
    Latitude,
    ControlLevel,
    TargetClass,
    StationMn,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum RiverChiefs {
    Table,
    Id,
    Name,
    Level,
    Position,
    Phone,
    Email,
    RegionId,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ChiefAssignments {
    Table,
    Id,
    ChiefId,
    WaterBodyId,
    SectionId,
    CreatedAt,
}
