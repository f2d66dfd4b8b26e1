//! Stored trend results: the latest Mann–Kendall (with Sen's slope) and seasonal Kendall result of each
//! section, item and window, written by the nightly `trend_analysis` job and read by the API.

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
                    .table(TrendResults::Table)
                    .col(integer(TrendResults::SectionId))
                    .col(string_len(TrendResults::Parameter, 24))
                    // 12m | 36m | 60m (monthly means) | 90d (an automatic station's daily means)
                    .col(string_len(TrendResults::Window, 8))
                    .col(instant(TrendResults::ComputedAt))
                    .col(integer(TrendResults::N))
                    // Mann–Kendall and Sen's slope.
                    .col(big_integer(TrendResults::S))
                    .col(double(TrendResults::VarS))
                    .col(double(TrendResults::Z))
                    .col(double(TrendResults::P))
                    .col(double_null(TrendResults::Tau))
                    .col(double_null(TrendResults::SlopePerYear))
                    .col(string_len(TrendResults::Trend, 24))
                    // Seasonal Kendall: null when not run on this window.
                    .col(big_integer_null(TrendResults::SkS))
                    .col(double_null(TrendResults::SkVarS))
                    .col(double_null(TrendResults::SkZ))
                    .col(double_null(TrendResults::SkP))
                    .col(double_null(TrendResults::SkSlopePerYear))
                    .col(string_len_null(TrendResults::SkTrend, 24))
                    // What preparing the series did (n, below detection, gaps, left out), as JSON text.
                    .col(text(TrendResults::Guards))
                    .primary_key(
                        Index::create()
                            .col(TrendResults::SectionId)
                            .col(TrendResults::Parameter)
                            .col(TrendResults::Window),
                    )
                    .foreign_key(&mut fk(TrendResults::Table, TrendResults::SectionId, Sections::Table))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TrendResults::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum TrendResults {
    Table,
    SectionId,
    Parameter,
    Window,
    ComputedAt,
    N,
    S,
    VarS,
    Z,
    P,
    Tau,
    SlopePerYear,
    Trend,
    SkS,
    SkVarS,
    SkZ,
    SkP,
    SkSlopePerYear,
    SkTrend,
    Guards,
}
