//! The audit log: an append-only, hash-chained record of every write, and its one-row head.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::instant;

/// The head's hash while the log is empty. Equal to `models::domain::audit::GENESIS`, which this crate
/// cannot import (models depends on it); the models tests check that a fresh log verifies.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Refusals in the database itself, so that no code path (or person with a SQL prompt) edits the log by
/// accident. Deliberate tampering by dropping them is what the hash chain catches.
const SQLITE_TRIGGERS: [&str; 3] = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head \
     BEGIN SELECT RAISE(ABORT, 'audit head cannot be deleted'); END",
];

// TRUNCATE skips row triggers on PostgreSQL, so it gets statement triggers of its own.
const POSTGRES_TRIGGERS: [&str; 5] = [
    "CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME; END $$",
    "CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION audit_refuse()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head \
     FOR EACH ROW EXECUTE FUNCTION audit_refuse()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    // Assigned by the appender as the head's last id + 1, not by the database: the hash
                    // covers the id, so it must be known before the insert, and ids without gaps let the
                    // verifier name a deleted entry (a PostgreSQL sequence leaves gaps on rollback).
                    // On SQLite this is still `integer PRIMARY KEY`, the rowid.
                    .col(big_integer(AuditLog::Id).primary_key())
                    .col(instant(AuditLog::At))
                    // user | api_key | system | cli
                    .col(string_len(AuditLog::ActorKind, 16))
                    .col(integer_null(AuditLog::ActorId))
                    // Text, not bounded strings: on PostgreSQL an over-long label or id would make the
                    // audited write itself fail.
                    .col(text(AuditLog::ActorLabel))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::Entity, 64))
                    .col(text_null(AuditLog::EntityId))
                    // JSON kept as text, never jsonb: the hash covers these exact bytes.
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .col(char_len(AuditLog::PrevHash, 64))
                    .col(char_len_uniq(AuditLog::Hash, 64))
                    .to_owned(),
            )
            .await?;
        // The list filters; newest first within each.
        for (name, col) in
            [("idx_audit_log_action", AuditLog::Action), ("idx_audit_log_actor_label", AuditLog::ActorLabel)]
        {
            manager
                .create_index(Index::create().name(name).table(AuditLog::Table).col(col).col(AuditLog::Id).to_owned())
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AuditHead::Table)
                    .col(integer(AuditHead::Id).primary_key())
                    .col(big_integer_null(AuditHead::LastId))
                    .col(char_len(AuditHead::LastHash, 64))
                    // One row only: appenders lock it, and the verifier compares the end of the chain with it.
                    .check(Expr::col(AuditHead::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        let mut head = Query::insert();
        head.into_table(AuditHead::Table)
            .columns([AuditHead::Id, AuditHead::LastId, AuditHead::LastHash])
            .values([1.into(), Option::<i64>::None.into(), GENESIS.into()])
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        manager.exec_stmt(head).await?;

        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_TRIGGERS,
            _ => &SQLITE_TRIGGERS,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for sql in [
                    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
                    "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_head",
                    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                    "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
                    "DROP FUNCTION IF EXISTS audit_refuse()",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                for name in ["audit_head_no_delete", "audit_log_no_delete", "audit_log_no_update"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}")).await?;
                }
            }
        }
        manager.drop_table(Table::drop().table(AuditHead::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorKind,
    ActorId,
    ActorLabel,
    Action,
    Entity,
    EntityId,
    Before,
    After,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    LastId,
    LastHash,
}
