//! People who sign in: users with a role, and the bearer tokens they hold.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    fk, instant, instant_null, m20261128_000001_registry::RiverChiefs, m20261128_000003_enterprises::Enterprises,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Username, 64))
                    // PHC string (argon2id).
                    .col(string_len(Users::PasswordHash, 255))
                    // admin | bureau | chief | enterprise
                    .col(string_len(Users::Role, 16))
                    .col(string_len_null(Users::DisplayName, 64))
                    .col(integer_null(Users::ChiefId))
                    .col(integer_null(Users::EnterpriseId))
                    .col(boolean(Users::Disabled).default(false))
                    .col(instant(Users::CreatedAt))
                    .foreign_key(&mut fk(Users::Table, Users::ChiefId, RiverChiefs::Table))
                    .foreign_key(&mut fk(Users::Table, Users::EnterpriseId, Enterprises::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::UserId))
                    // SHA-256 of the token, hex; the token itself is shown once and never stored.
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(string_len_null(ApiTokens::Label, 64))
                    .col(instant(ApiTokens::CreatedAt))
                    .col(instant(ApiTokens::ExpiresAt))
                    .col(instant_null(ApiTokens::RevokedAt))
                    .col(instant_null(ApiTokens::LastUsedAt))
                    .foreign_key(&mut fk(ApiTokens::Table, ApiTokens::UserId, Users::Table))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiTokens::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    DisplayName,
    ChiefId,
    EnterpriseId,
    Disabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    Label,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}
