//! A notice's subject is built from what was measured (a section's name, a value): it is text of any
//! length, so that no reading can make storing its notice fail on a column width. SQLite does not enforce
//! `varchar` lengths; PostgreSQL does, so only there is the column changed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Notices::Table)
                    .modify_column(ColumnDef::new(Notices::Subject).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Notices::Table)
                    .modify_column(ColumnDef::new(Notices::Subject).string_len(255).not_null())
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Subject,
}
