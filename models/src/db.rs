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

/// `riverchief.db` and `sqlite:riverchief.db` both mean a file, created on first use. A PostgreSQL server
/// on this machine (`localhost`, `127.0.0.1`, `[::1]`) is reached without TLS unless the URL asks for it
/// (`sslmode=`): TLS on loopback protects nothing, and the PostgreSQL driver (sqlx 0.9.0) sends over TLS
/// without TCP_NODELAY, so every statement larger than one TLS record waits about 40 ms for the server's
/// delayed acknowledgement (the HJ 212 receiver's p99 went from 63 ms to 3.7 s).
fn normalise_url(url: &str) -> String {
    let url = url.trim();
    let url =
        if url.contains("://") || url.starts_with("sqlite:") { url.to_string() } else { format!("sqlite://{url}") };
    let sep = if url.contains('?') { '&' } else { '?' };
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        format!("{url}{sep}mode=rwc")
    } else if (url.starts_with("postgres://") || url.starts_with("postgresql://"))
        && !url.contains("sslmode=")
        && is_loopback_host(&url)
    {
        format!("{url}{sep}sslmode=disable")
    } else {
        url
    }
}

/// Whether a PostgreSQL URL's host is this machine.
fn is_loopback_host(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
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

    #[test]
    fn a_postgresql_server_on_this_machine_is_reached_without_tls_unless_asked() {
        assert_eq!(
            normalise_url("postgres://u:p@127.0.0.1:5432/db"),
            "postgres://u:p@127.0.0.1:5432/db?sslmode=disable"
        );
        assert_eq!(normalise_url("postgresql://localhost/db?x=1"), "postgresql://localhost/db?x=1&sslmode=disable");
        assert_eq!(normalise_url("postgres://[::1]:5432/db"), "postgres://[::1]:5432/db?sslmode=disable");
        assert_eq!(
            normalise_url("postgres://u@127.0.0.1/db?sslmode=require"),
            "postgres://u@127.0.0.1/db?sslmode=require"
        );
        assert_eq!(normalise_url("postgres://u@db.example.org/db"), "postgres://u@db.example.org/db");
        assert_eq!(normalise_url("postgres://u@127.0.0.10/db"), "postgres://u@127.0.0.10/db");
    }
}
