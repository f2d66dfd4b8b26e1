//! riverchief schema migrations. One file per change; the same migrations run on SQLite and PostgreSQL.
//! Never demo data: that lives in the `seed` crate.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_registry;
mod m20261128_000002_readings;
mod m20261128_000003_enterprises;
mod m20261128_000004_users;
mod m20261128_000005_self_checks;
mod m20261128_000006_alerts_notices;
mod m20261128_000007_jobs_meta;
mod m20261129_000001_report_delivery;
mod m20261129_000002_auth;
mod m20261129_000003_audit;
mod m20261201_000001_notice_subject_text;
mod m20261201_000002_rollups;
mod m20261201_000003_registry_terms;
mod m20261201_000004_ingestion;
mod m20261201_000005_trends;
mod m20261201_000006_warnings;
mod m20261201_000007_forecasts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_registry::Migration),
            Box::new(m20261128_000002_readings::Migration),
            Box::new(m20261128_000003_enterprises::Migration),
            Box::new(m20261128_000004_users::Migration),
            Box::new(m20261128_000005_self_checks::Migration),
            Box::new(m20261128_000006_alerts_notices::Migration),
            Box::new(m20261128_000007_jobs_meta::Migration),
            Box::new(m20261129_000001_report_delivery::Migration),
            Box::new(m20261129_000002_auth::Migration),
            Box::new(m20261129_000003_audit::Migration),
            Box::new(m20261201_000001_notice_subject_text::Migration),
            Box::new(m20261201_000002_rollups::Migration),
            Box::new(m20261201_000003_registry_terms::Migration),
            Box::new(m20261201_000004_ingestion::Migration),
            Box::new(m20261201_000005_trends::Migration),
            Box::new(m20261201_000006_warnings::Migration),
            Box::new(m20261201_000007_forecasts::Migration),
        ]
    }
}

/// `created_at`-style column: a UTC instant, required.
pub(crate) fn instant<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().take()
}

/// A UTC instant that may be absent.
pub(crate) fn instant_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}

pub(crate) fn fk<F: IntoIden, T: IntoIden, C: IntoIden>(
    from_table: F,
    from_col: C,
    to_table: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_tbl(from_table)
        .from_col(from_col)
        .to_tbl(to_table)
        .to_col(Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}
