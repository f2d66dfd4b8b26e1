//! Connecting to SQLite or PostgreSQL, migrating, and opening write transactions that behave alike on both.

use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

/// Applies pending migrations over one dedicated connection, then opens the pool. Migrating through the
/// pool would let one pooled SQLite connection cache the schema half-way through a migration (a table
/// without its unique index), and SQLite does not re-check a cached schema for every kind of error.
pub async fn open(url: &str) -> Result<DatabaseConnection, DbErr> {
    let single = connect_with(url, 1).await?;
    migrate(&single).await?;
    single.close().await?;
    connect(url).await
}

/// Connects to `url` (`sqlite://file.db` or `postgres://…`). A missing SQLite file is created; SQLite runs
/// in WAL mode with a busy timeout so readers never block the writer.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let sqlite = normalise_url(url).starts_with("sqlite:");
    connect_with(url, if sqlite { 4 } else { 10 }).await
}

async fn connect_with(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let url = normalise_url(url);
    let mut options = ConnectOptions::new(url.clone());
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(30)).max_connections(max_connections);
    if url.starts_with("sqlite:") {
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true)
                // 32 MiB of page cache a connection (SQLite's default is 2 MiB): a large import's index
                // pages stay in memory instead of spilling to the WAL and being read back.
                .pragma("cache_size", "-32768")
        });
    }
    Database::connect(options).await
}

/// `riverchief.db` and `sqlite:riverchief.db` both mean a file, created on first use.
fn normalise_url(url: &str) -> String {
    let url = url.trim();
    let url =
        if url.contains("://") || url.starts_with("sqlite:") { url.to_string() } else { format!("sqlite://{url}") };
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url
    }
}

/// Applies every pending migration. Prefer [`open`], which does it on a connection of its own.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN` (IMMEDIATE), so a
/// transaction that reads first and writes later waits its turn instead of failing with SQLITE_BUSY.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_url;

    #[test]
    fn plain_file_names_become_sqlite_urls_that_create_the_file() {
        assert_eq!(normalise_url("riverchief.db"), "sqlite://riverchief.db?mode=rwc");
        assert_eq!(normalise_url("sqlite://x.db?mode=ro"), "sqlite://x.db?mode=ro");
        assert_eq!(normalise_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
