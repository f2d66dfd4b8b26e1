//! What emailed reports need: an address for users (bureau staff receive the monthly report), an HTML
//! body for notices, and a dedupe key so that a report or notice queued twice is stored once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(Table::alter().table(Users::Table).add_column(string_len_null(Users::Email, 254)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Notices::Table).add_column(text_null(Notices::BodyHtml)).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(Notices::Table).add_column(string_len_null(Notices::DedupeKey, 128)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_notices_dedupe_key")
                    .table(Notices::Table)
                    .col(Notices::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("uq_notices_dedupe_key").table(Notices::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Notices::Table).drop_column(Notices::DedupeKey).to_owned()).await?;
        manager.alter_table(Table::alter().table(Notices::Table).drop_column(Notices::BodyHtml).to_owned()).await?;
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::Email).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Email,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    BodyHtml,
    DedupeKey,
}
