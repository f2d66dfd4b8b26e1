//! A migrated database for one unit test, on the backend the suite runs against: an SQLite file in a
//! temporary directory, or, when `DATABASE_URL` is set, a PostgreSQL database created for the test and
//! dropped afterwards. Each test runs on exactly one backend; CI runs the suite once per backend, and
//! `RIVERCHIEF_TEST_BACKEND` makes a run fail when it is not on the backend it was meant for.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

use crate::db;

/// `postgres` when `DATABASE_URL` is set, else `sqlite`.
pub fn backend_under_test() -> &'static str {
    if admin_url().is_some() { "postgres" } else { "sqlite" }
}

fn admin_url() -> Option<String> {
    std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty())
}

pub struct TestDb {
    pub db: DatabaseConnection,
    _pg: Option<PgDatabase>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> Self {
        match admin_url() {
            Some(admin_url) => Self::postgres(admin_url).await,
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("t.db").display());
                let db = db::open(&url).await.expect("open sqlite");
                Self { db, _pg: None, _dir: Some(dir) }
            }
        }
    }

    async fn postgres(admin_url: String) -> Self {
        let name = format!("rc_unit_{}", hex::encode(rand::random::<[u8; 8]>()));
        let admin = Database::connect(&admin_url).await.expect("DATABASE_URL must reach a PostgreSQL server");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
        admin.close().await.expect("close admin connection");
        let (base, query) = admin_url.split_once('?').map_or((admin_url.as_str(), None), |(b, q)| (b, Some(q)));
        let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
        let url = match query {
            Some(q) => format!("{prefix}/{name}?{q}"),
            None => format!("{prefix}/{name}"),
        };
        // Owned before opening, so the database is dropped even if migrating panics.
        let pg = PgDatabase { admin_url, name };
        let db = db::open(&url).await.expect("open postgres");
        Self { db, _pg: Some(pg), _dir: None }
    }
}

/// A PostgreSQL database made for one test, dropped with it.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: talk to the server from a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// One `#[tokio::test]` per scenario (an `async fn(&DatabaseConnection)`), on the backend under test.
macro_rules! on_the_backend_under_test {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test]
            async fn on_the_backend_under_test() {
                let t = $crate::test_db::TestDb::new().await;
                super::$scenario(&t.db).await;
            }
        }
    )*};
}
pub(crate) use on_the_backend_under_test;

#[tokio::test]
async fn the_suite_runs_on_the_backend_it_was_asked_for() {
    let t = TestDb::new().await;
    let reached = match t.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgres",
        sea_orm::DbBackend::Sqlite => "sqlite",
        _ => "other",
    };
    assert_eq!(reached, backend_under_test(), "the database a test gets is on the backend the suite reports");
    // CI sets RIVERCHIEF_TEST_BACKEND for each of its two runs: a run on the wrong backend must not pass.
    if let Ok(wanted) = std::env::var("RIVERCHIEF_TEST_BACKEND") {
        assert_eq!(reached, wanted, "DATABASE_URL decides the backend");
    }
}
