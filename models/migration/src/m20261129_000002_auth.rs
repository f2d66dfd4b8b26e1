//! Signing in safely: lock-out counters on users, web sessions, and API keys for machines.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{fk, instant, instant_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Failed sign-ins since the last success, and when the account may try again.
        manager
            .alter_table(
                Table::alter().table(Users::Table).add_column(integer(Users::FailedLogins).default(0)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Users::Table).add_column(instant_null(Users::LastFailedLoginAt)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Users::Table).add_column(instant_null(Users::LockedUntil)).to_owned())
            .await?;

        // Web sessions: the cookie holds a random token; the table keeps its SHA-256. The CSRF token is derived
        // from the session token, so it needs no column.
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_auto(Sessions::Id))
                    .col(integer(Sessions::UserId))
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(instant(Sessions::CreatedAt))
                    .col(instant(Sessions::ExpiresAt))
                    .col(instant_null(Sessions::RevokedAt))
                    .foreign_key(&mut fk(Sessions::Table, Sessions::UserId, Users::Table))
                    .to_owned(),
            )
            .await?;

        // Keys for machines (automatic stations, enterprise systems), each limited to one section or one
        // outfall.
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_auto(ApiKeys::Id))
                    .col(string_len(ApiKeys::Name, 64))
                    .col(string_len_uniq(ApiKeys::KeyHash, 64))
                    // The first characters of the key, shown in lists so people can tell keys apart.
                    .col(string_len(ApiKeys::Prefix, 16))
                    .col(integer_null(ApiKeys::SectionId))
                    .col(integer_null(ApiKeys::OutfallId))
                    .col(integer_null(ApiKeys::CreatedBy))
                    .col(instant(ApiKeys::CreatedAt))
                    .col(instant_null(ApiKeys::ExpiresAt))
                    .col(instant_null(ApiKeys::RevokedAt))
                    .col(instant_null(ApiKeys::LastUsedAt))
                    .foreign_key(&mut fk(ApiKeys::Table, ApiKeys::SectionId, Sections::Table))
                    .foreign_key(&mut fk(ApiKeys::Table, ApiKeys::OutfallId, Outfalls::Table))
                    .foreign_key(&mut fk(ApiKeys::Table, ApiKeys::CreatedBy, Users::Table))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiKeys::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Sessions::Table).to_owned()).await?;
        for col in [Users::LockedUntil, Users::LastFailedLoginAt, Users::FailedLogins] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    FailedLogins,
    LastFailedLoginAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Name,
    KeyHash,
    Prefix,
    SectionId,
    OutfallId,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Sections {
    Table,
}

#[derive(DeriveIden)]
enum Outfalls {
    Table,
}
