//! The audit log in the database: [`append`] records a write inside the writer's own transaction, [`verify`]
//! walks the hash chain, [`list`] pages through it. The chain rules themselves are in [`crate::domain::audit`].

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::Code;
pub use crate::domain::audit::{Actor, ActorKind, BreakKind, Verification};
use crate::domain::audit::{ChainVerifier, EntryFields, Head, entry_hash};
use crate::entities::{audit_head, audit_log};

/// The head is the only row of `audit_head`.
const HEAD_ID: i32 = 1;

/// Entries read per query while verifying: enough to keep round trips few, small enough to keep memory flat.
const VERIFY_PAGE: u64 = 1000;

/// The most entries [`list`] returns at once, whatever the filter asks for.
pub const LIST_LIMIT_MAX: u64 = 1000;

/// A write to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub actor: Actor,
    /// e.g. `readings.submit`, `user.create`, `user.disable`, `auth.login`, `api_key.create`
    pub action: String,
    /// Table or resource, e.g. `readings`, `users`
    pub entity: String,
    pub entity_id: Option<String>,
    /// The record before and after the write; leave secrets (password hashes, key hashes) out.
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Appends inside the caller's write transaction (the caller commits). Returns the new entry's id.
///
/// Call it in the same transaction as the write it records (on SQLite one from `db::begin_write`), so
/// both are kept or neither is. It locks the head row: on PostgreSQL concurrent appenders wait for the
/// holder to commit, so the chain never forks; on SQLite the IMMEDIATE transaction already serialises
/// writers. An error leaves the transaction to be rolled back.
pub async fn append(db: &impl ConnectionTrait, entry: NewEntry, now: DateTime<Utc>) -> Result<i64, DbErr> {
    let ids = append_many(db, vec![entry], now).await?;
    ids.last().copied().ok_or_else(|| DbErr::Custom("audit append recorded nothing".into()))
}

/// Entries inserted per statement by [`append_many`]: 12 columns each, under SQLite's 32,766 parameters.
const APPEND_CHUNK: usize = 1000;

/// Appends `entries` in order, chained one to the next, with one lock and one update of the head: a
/// registry import of thousands of rows records each with a few statements in all. Same rules as
/// [`append`]. Returns the new ids.
pub async fn append_many(
    db: &impl ConnectionTrait,
    entries: Vec<NewEntry>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let head =
        audit_head::Entity::find_by_id(HEAD_ID).lock_exclusive().one(db).await?.ok_or_else(|| {
            DbErr::RecordNotFound("audit_head row is missing; the audit log cannot be extended".into())
        })?;
    // PostgreSQL keeps microseconds; hashing more precision than is stored would break every entry.
    let at = now.trunc_subsecs(6);
    let mut last_id = head.last_id.unwrap_or(0);
    let mut last_hash = head.last_hash.clone();
    let mut rows = Vec::with_capacity(entries.len());
    let mut ids = Vec::with_capacity(entries.len());
    for entry in entries {
        let id = last_id.checked_add(1).ok_or_else(|| DbErr::Custom("audit log id overflow".into()))?;
        // `Value`'s Display is compact JSON and cannot fail.
        let before = entry.before.map(|v| v.to_string());
        let after = entry.after.map(|v| v.to_string());
        let hash = entry_hash(&EntryFields {
            id,
            at,
            actor_kind: entry.actor.kind.as_str(),
            actor_id: entry.actor.id,
            actor_label: &entry.actor.label,
            action: &entry.action,
            entity: &entry.entity,
            entity_id: entry.entity_id.as_deref(),
            before: before.as_deref(),
            after: after.as_deref(),
            prev_hash: &last_hash,
        });
        rows.push(audit_log::ActiveModel {
            id: Set(id),
            at: Set(at),
            actor_kind: Set(entry.actor.kind),
            actor_id: Set(entry.actor.id),
            actor_label: Set(entry.actor.label),
            action: Set(entry.action),
            entity: Set(entry.entity),
            entity_id: Set(entry.entity_id),
            before: Set(before),
            after: Set(after),
            prev_hash: Set(std::mem::replace(&mut last_hash, hash.clone())),
            hash: Set(hash),
        });
        ids.push(id);
        last_id = id;
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(APPEND_CHUNK).collect();
        audit_log::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }

    // Compare-and-set on the old hash: if the head moved since it was read (an append outside a write
    // transaction), fail rather than leave the head and the chain disagreeing.
    let moved = audit_head::Entity::update_many()
        .col_expr(audit_head::Column::LastId, Expr::value(last_id))
        .col_expr(audit_head::Column::LastHash, Expr::value(last_hash))
        .filter(audit_head::Column::Id.eq(HEAD_ID))
        .filter(audit_head::Column::LastHash.eq(head.last_hash))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(DbErr::Custom("audit head changed during append; append inside a write transaction".into()));
    }
    Ok(ids)
}

/// Walks the whole chain in id order (stream or page it: do not load millions of rows at once).
///
/// Safe to run while others append: the head is read after the entries, and when it is ahead of them the
/// walk continues; only a head still ahead once no more entries appear means deleted entries.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verification, DbErr> {
    verify_in_pages(db, VERIFY_PAGE).await
}

async fn verify_in_pages(db: &impl ConnectionTrait, page: u64) -> Result<Verification, DbErr> {
    let mut chain = ChainVerifier::new();
    walk(db, &mut chain, page).await?;
    loop {
        if chain.is_broken() {
            return Ok(chain.finish(None));
        }
        let head = audit_head::Entity::find_by_id(HEAD_ID).one(db).await?;
        // Entries commit together with the head update, so a head ahead of the walk means either appends
        // since the walk ended (walk again finds them) or deleted entries (it finds nothing).
        let head_ahead = head.as_ref().is_some_and(|h| h.last_id.unwrap_or(0) > chain.last_id().unwrap_or(0));
        if head_ahead && walk(db, &mut chain, page).await? > 0 {
            continue;
        }
        return Ok(chain.finish(head.as_ref().map(|h| Head { last_id: h.last_id, last_hash: &h.last_hash })));
    }
}

/// Feeds the entries after the verifier's last one, a page at a time, until the end or the first break.
/// Returns how many were read.
async fn walk(db: &impl ConnectionTrait, chain: &mut ChainVerifier, page: u64) -> Result<u64, DbErr> {
    let page = page.max(1);
    let mut read = 0;
    loop {
        let mut query = audit_log::Entity::find().order_by_asc(audit_log::Column::Id).limit(page);
        if let Some(last) = chain.last_id() {
            query = query.filter(audit_log::Column::Id.gt(last));
        }
        let rows = query.all(db).await?;
        let full = rows.len() as u64 == page;
        for row in &rows {
            read += 1;
            if !chain.push(&fields(row), &row.hash) {
                return Ok(read);
            }
        }
        if !full {
            return Ok(read);
        }
    }
}

fn fields(row: &audit_log::Model) -> EntryFields<'_> {
    EntryFields {
        id: row.id,
        at: row.at,
        actor_kind: row.actor_kind.as_str(),
        actor_id: row.actor_id,
        actor_label: &row.actor_label,
        action: &row.action,
        entity: &row.entity,
        entity_id: row.entity_id.as_deref(),
        before: row.before.as_deref(),
        after: row.after.as_deref(),
        prev_hash: &row.prev_hash,
    }
}

/// Which entries [`list`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// At most this many, capped at [`LIST_LIMIT_MAX`].
    pub limit: u64,
    /// Only entries older than this id: pass the last id of one page to get the next.
    pub before_id: Option<i64>,
    pub action: Option<String>,
    pub actor_label: Option<String>,
}

impl Default for AuditFilter {
    fn default() -> Self {
        Self { limit: 50, before_id: None, action: None, actor_label: None }
    }
}

/// Newest first.
pub async fn list(db: &impl ConnectionTrait, filter: &AuditFilter) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut query =
        audit_log::Entity::find().order_by_desc(audit_log::Column::Id).limit(filter.limit.min(LIST_LIMIT_MAX));
    if let Some(id) = filter.before_id {
        query = query.filter(audit_log::Column::Id.lt(id));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::Column::Action.eq(action));
    }
    if let Some(label) = &filter.actor_label {
        query = query.filter(audit_log::Column::ActorLabel.eq(label));
    }
    query.all(db).await
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use sea_orm::{DatabaseConnection, DbBackend};
    use serde_json::json;

    use super::*;
    use crate::db;
    use crate::domain::audit::GENESIS;

    use crate::test_db::on_the_backend_under_test;

    on_the_backend_under_test!(
        three_entries_appended_in_one_transaction_verify_as_intact_up_to_the_head,
        a_rolled_back_append_leaves_no_trace_and_no_gap,
        the_database_refuses_to_update_or_delete_entries,
        an_entry_altered_behind_the_triggers_back_is_named_by_verify,
        deleting_the_newest_entry_is_reported_as_entries_missing_at_the_end,
        deleting_a_middle_entry_is_reported_at_that_entry,
        verification_reads_in_pages_without_skipping_an_entry,
        concurrent_appenders_build_one_unbroken_chain,
        list_returns_newest_first_and_filters_by_action_actor_and_page,
    );

    fn t0() -> DateTime<Utc> {
        // Nanoseconds on purpose: append must store and hash only the microseconds.
        Utc.timestamp_opt(1_795_000_000, 987_654_321).single().expect("valid instant")
    }

    fn reading(n: i64) -> NewEntry {
        NewEntry {
            actor: Actor::user(1, "zhang.wei"),
            action: "readings.submit".into(),
            entity: "readings".into(),
            entity_id: Some(n.to_string()),
            before: None,
            after: Some(json!({ "section": "HZ-01", "cod": 12.5 + n as f64, "note": "汛期" })),
        }
    }

    async fn append_readings(db: &DatabaseConnection, n: i64) -> Vec<i64> {
        let tx = db::begin_write(db).await.expect("begin");
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(append(&tx, reading(i), t0() + TimeDelta::seconds(i)).await.expect("append"));
        }
        tx.commit().await.expect("commit");
        ids
    }

    async fn drop_triggers(db: &DatabaseConnection) {
        let statements: &[&str] = match db.get_database_backend() {
            DbBackend::Postgres => &["DROP TRIGGER audit_log_no_update_delete ON audit_log"],
            _ => &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
        };
        for sql in statements {
            db.execute_unprepared(sql).await.expect("drop trigger");
        }
    }

    fn broken_at(v: &Verification) -> (i64, BreakKind) {
        match v {
            Verification::Broken { entry_id, kind, .. } => (*entry_id, *kind),
            Verification::Intact { .. } => panic!("expected a broken chain, got {v:?}"),
        }
    }

    async fn three_entries_appended_in_one_transaction_verify_as_intact_up_to_the_head(db: &DatabaseConnection) {
        assert_eq!(verify(db).await.expect("verify"), Verification::Intact { entries: 0, head_hash: GENESIS.into() });

        assert_eq!(append_readings(db, 3).await, vec![1, 2, 3]);

        let rows = list(db, &AuditFilter::default()).await.expect("list");
        let last = &rows[0];
        assert_eq!(
            verify(db).await.expect("verify"),
            Verification::Intact { entries: 3, head_hash: last.hash.clone() }
        );
        let head = audit_head::Entity::find_by_id(HEAD_ID).one(db).await.expect("head").expect("head row");
        assert_eq!((head.last_id, head.last_hash), (Some(3), last.hash.clone()));
        // What was hashed is what comes back: microseconds, compact JSON, the chain links.
        assert_eq!(rows[2].at, Utc.timestamp_opt(1_795_000_000, 987_654_000).single().expect("valid instant"));
        assert_eq!(rows[2].after.as_deref(), Some(r#"{"cod":12.5,"note":"汛期","section":"HZ-01"}"#));
        assert_eq!(rows[2].prev_hash, GENESIS);
        assert_eq!(rows[1].prev_hash, rows[2].hash);
    }

    async fn a_rolled_back_append_leaves_no_trace_and_no_gap(db: &DatabaseConnection) {
        append_readings(db, 2).await;
        let tx = db::begin_write(db).await.expect("begin");
        assert_eq!(append(&tx, reading(9), t0()).await.expect("append"), 3);
        tx.rollback().await.expect("rollback");

        assert_eq!(append_readings(db, 1).await, vec![3]);
        assert!(matches!(verify(db).await.expect("verify"), Verification::Intact { entries: 3, .. }));
    }

    async fn the_database_refuses_to_update_or_delete_entries(db: &DatabaseConnection) {
        append_readings(db, 2).await;
        let mut attempts = vec![
            "UPDATE audit_log SET actor_label = 'someone.else' WHERE id = 1",
            "DELETE FROM audit_log WHERE id = 2",
            "DELETE FROM audit_head",
        ];
        if db.get_database_backend() == DbBackend::Postgres {
            attempts.extend(["TRUNCATE audit_log", "TRUNCATE audit_head"]);
        }
        for sql in attempts {
            let err = db.execute_unprepared(sql).await.expect_err(sql).to_string();
            assert!(err.contains("append-only") || err.contains("cannot be deleted"), "{sql}: {err}");
        }
        assert!(matches!(verify(db).await.expect("verify"), Verification::Intact { entries: 2, .. }));
    }

    async fn an_entry_altered_behind_the_triggers_back_is_named_by_verify(db: &DatabaseConnection) {
        append_readings(db, 3).await;
        drop_triggers(db).await;
        db.execute_unprepared(r#"UPDATE audit_log SET "after" = '{"cod":1.0}' WHERE id = 2"#).await.expect("update");

        let v = verify(db).await.expect("verify");
        assert_eq!(broken_at(&v), (2, BreakKind::Altered));
    }

    async fn deleting_the_newest_entry_is_reported_as_entries_missing_at_the_end(db: &DatabaseConnection) {
        append_readings(db, 3).await;
        drop_triggers(db).await;
        db.execute_unprepared("DELETE FROM audit_log WHERE id = 3").await.expect("delete");

        let v = verify(db).await.expect("verify");
        assert_eq!(broken_at(&v), (3, BreakKind::MissingAtEnd));
        let Verification::Broken { reason_en, .. } = v else { unreachable!() };
        assert!(reason_en.contains("missing at the end"), "{reason_en}");
    }

    async fn deleting_a_middle_entry_is_reported_at_that_entry(db: &DatabaseConnection) {
        append_readings(db, 4).await;
        drop_triggers(db).await;
        db.execute_unprepared("DELETE FROM audit_log WHERE id = 2").await.expect("delete");

        assert_eq!(broken_at(&verify(db).await.expect("verify")), (2, BreakKind::Missing));
    }

    async fn verification_reads_in_pages_without_skipping_an_entry(db: &DatabaseConnection) {
        append_readings(db, 7).await;
        let intact = verify_in_pages(db, 2).await.expect("verify");
        assert!(matches!(intact, Verification::Intact { entries: 7, .. }), "{intact:?}");

        drop_triggers(db).await;
        db.execute_unprepared("UPDATE audit_log SET entity_id = NULL WHERE id = 6").await.expect("update");
        assert_eq!(broken_at(&verify_in_pages(db, 2).await.expect("verify")), (6, BreakKind::Altered));
    }

    async fn concurrent_appenders_build_one_unbroken_chain(db: &DatabaseConnection) {
        let tasks: Vec<_> = (0..6)
            .map(|w| {
                let db = db.clone();
                tokio::spawn(async move {
                    for i in 0..5 {
                        let tx = db::begin_write(&db).await?;
                        let mut entry = reading(i);
                        entry.actor = Actor::system(&format!("worker_{w}"));
                        append(&tx, entry, t0()).await?;
                        tx.commit().await?;
                    }
                    Ok::<_, DbErr>(())
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("appends");
        }
        let v = verify(db).await.expect("verify");
        assert!(matches!(v, Verification::Intact { entries: 30, .. }), "{v:?}");
    }

    async fn list_returns_newest_first_and_filters_by_action_actor_and_page(db: &DatabaseConnection) {
        let tx = db::begin_write(db).await.expect("begin");
        for (actor, action) in [
            (Actor::user(1, "admin"), "user.create"),
            (Actor::api_key(4, "station-7"), "readings.submit"),
            (Actor::user(1, "admin"), "user.disable"),
            (Actor::api_key(4, "station-7"), "readings.submit"),
            (Actor::cli("create-admin"), "user.create"),
        ] {
            let entry = NewEntry {
                actor,
                action: action.into(),
                entity: "x".into(),
                entity_id: None,
                before: None,
                after: None,
            };
            append(&tx, entry, t0()).await.expect("append");
        }
        tx.commit().await.expect("commit");

        let ids = |rows: Vec<audit_log::Model>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        let all = AuditFilter::default();
        assert_eq!(ids(list(db, &all).await.expect("list")), vec![5, 4, 3, 2, 1]);
        let page = AuditFilter { limit: 2, before_id: Some(4), ..all.clone() };
        assert_eq!(ids(list(db, &page).await.expect("list")), vec![3, 2]);
        let creates = AuditFilter { action: Some("user.create".into()), ..all.clone() };
        assert_eq!(ids(list(db, &creates).await.expect("list")), vec![5, 1]);
        let station = AuditFilter { actor_label: Some("station-7".into()), ..all.clone() };
        let rows = list(db, &station).await.expect("list");
        assert_eq!(
            rows.iter().map(|r| (r.id, r.actor_kind.as_str(), r.actor_id)).collect::<Vec<_>>(),
            vec![(4, "api_key", Some(4)), (2, "api_key", Some(4))]
        );
    }
}
