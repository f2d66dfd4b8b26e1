//! What evaluation reads instead of every reading: the series stored (each section's items), monthly totals
//! per section, item and month, kept current as readings are stored, and each section's latest sample.
//! `models::rollups` maintains them (and fills them from the readings of an older database on first start).

use sea_orm_migration::{prelude::*, schema::*};

use crate::{fk, instant, m20261128_000001_registry::Sections};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // On SQLite both tables are clustered by their key (WITHOUT ROWID): a period's months of one series
        // are one range of the table, read in key order, so grouping needs no sort. sea-query cannot say
        // WITHOUT ROWID; PostgreSQL gets the same tables from the builder.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Sqlite {
            let db = manager.get_connection();
            db.execute_unprepared(
                "CREATE TABLE reading_series (\
                   section_id integer NOT NULL REFERENCES sections (id) ON DELETE RESTRICT, \
                   parameter varchar(24) NOT NULL, \
                   PRIMARY KEY (section_id, parameter)) WITHOUT ROWID",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TABLE reading_months (\
                   section_id integer NOT NULL REFERENCES sections (id) ON DELETE RESTRICT, \
                   parameter varchar(24) NOT NULL, month integer NOT NULL, \
                   n integer NOT NULL, n_nd integer NOT NULL, sum_value real NOT NULL, sum_h real NOT NULL, \
                   max_dl real, \
                   PRIMARY KEY (section_id, parameter, month)) WITHOUT ROWID",
            )
            .await?;
        } else {
            manager
                .create_table(
                    Table::create()
                        .table(ReadingSeries::Table)
                        .col(integer(ReadingSeries::SectionId))
                        .col(string_len(ReadingSeries::Parameter, 24))
                        .primary_key(Index::create().col(ReadingSeries::SectionId).col(ReadingSeries::Parameter))
                        .foreign_key(&mut fk(ReadingSeries::Table, ReadingSeries::SectionId, Sections::Table))
                        .to_owned(),
                )
                .await?;
            manager
                .create_table(
                    Table::create()
                        .table(ReadingMonths::Table)
                        .col(integer(ReadingMonths::SectionId))
                        .col(string_len(ReadingMonths::Parameter, 24))
                        // yyyymm in China Standard Time.
                        .col(integer(ReadingMonths::Month))
                        // Normal (flag N) samples; of them below detection.
                        .col(integer(ReadingMonths::N))
                        .col(integer(ReadingMonths::NNd))
                        // Σ values with non-detects at half their limit; Σ 10^-pH for pH.
                        .col(double(ReadingMonths::SumValue))
                        .col(double(ReadingMonths::SumH))
                        .col(double_null(ReadingMonths::MaxDl))
                        .primary_key(
                            Index::create()
                                .col(ReadingMonths::SectionId)
                                .col(ReadingMonths::Parameter)
                                .col(ReadingMonths::Month),
                        )
                        .foreign_key(&mut fk(ReadingMonths::Table, ReadingMonths::SectionId, Sections::Table))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SectionLatest::Table)
                    .col(integer(SectionLatest::SectionId).primary_key())
                    // The newest instant with a classified, normal reading, and the class of that sample.
                    .col(instant(SectionLatest::SampledAt))
                    .col(small_integer(SectionLatest::Class))
                    // The items in the worst class, comma-separated keys in the standard's order.
                    .col(string_len(SectionLatest::WorstItems, 255))
                    .foreign_key(&mut fk(SectionLatest::Table, SectionLatest::SectionId, Sections::Table))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SectionLatest::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ReadingMonths::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ReadingSeries::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ReadingSeries {
    Table,
    SectionId,
    Parameter,
}

#[derive(DeriveIden)]
enum ReadingMonths {
    Table,
    SectionId,
    Parameter,
    Month,
    N,
    NNd,
    SumValue,
    SumH,
    MaxDl,
}

#[derive(DeriveIden)]
enum SectionLatest {
    Table,
    SectionId,
    SampledAt,
    Class,
    WorstItems,
}
