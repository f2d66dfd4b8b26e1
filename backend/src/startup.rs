//! Building and running the application: database, listeners, scheduler. Tests build the same thing on
//! port 0.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use chrono::{TimeDelta, Utc};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tracing::info;

use jobs::{JobContext, Mailer};
use secrecy::ExposeSecret;

use crate::Settings;
use crate::state::AppState;

/// Opens the database named in `settings`, applies pending migrations, and builds the roll-ups evaluation
/// reads if this database predates them.
pub async fn open_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let db = models::db::open(settings.database_url.expose_secret())
        .await
        .with_context(|| format!("opening and migrating {}", settings.database_url_for_logs()))?;
    let built = models::rollups::ensure_built(&db, Utc::now()).await.context("building the roll-ups")?;
    if let Some(counted) = built.filter(|n| *n > 0) {
        info!(readings = counted, "monthly roll-ups built from the stored readings");
    }
    Ok(db)
}

/// What jobs need, built from the settings.
pub fn job_context(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<JobContext> {
    let decimals = settings.decimals().map_err(anyhow::Error::msg)?;
    Ok(JobContext { db, mailer: Mailer::from_settings(&settings.mail())?, decimals })
}

pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    jobs: JobContext,
}

impl Application {
    /// Connects, migrates, loads the demo data if asked, and binds the HTTP listener.
    pub async fn build(settings: Settings, demo: bool) -> anyhow::Result<Application> {
        let db = open_database(&settings).await?;
        if demo {
            let outcome =
                seed::load_demo(&db, Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()).await?;
            info!(%outcome, "demo data");
        }
        let jobs = job_context(&settings, db.clone())?;
        let listener = TcpListener::bind(settings.http_addr)
            .await
            .with_context(|| format!("cannot listen on {} (is another riverchief running?)", settings.http_addr))?;
        let addr = listener.local_addr()?;
        let state = AppState {
            db,
            token_ttl: TimeDelta::hours(settings.token_ttl_hours.max(1)),
            login_limiter: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
                std::num::NonZeroU32::new(settings.login_attempts_per_minute.max(1))
                    .unwrap_or(std::num::NonZeroU32::MIN),
            ))),
            decimals: jobs.decimals,
            settings: Arc::new(settings),
            rules: Arc::default(),
        };
        Ok(Application { listener, addr, state, jobs })
    }

    /// The bound HTTP address (useful with port 0).
    pub fn http_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    pub fn job_context(&self) -> &JobContext {
        &self.jobs
    }

    /// Serves HTTP and runs the scheduler until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let settings = self.state.settings.clone();
        let mut scheduler = if settings.scheduler {
            let instance = format!("{}-{}", hostname(), std::process::id());
            Some(jobs::scheduler::start(self.jobs.clone(), &settings.schedules, instance).await?)
        } else {
            None
        };
        info!(addr = %self.addr, database = %settings.database_url_for_logs(), mail = %self.jobs.mailer.describe(), "riverchief serving");
        let app = crate::routes::router(self.state);
        // Connection info gives handlers the client address, for the sign-in rate limit.
        axum::serve(self.listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("HTTP server")?;
        if let Some(scheduler) = scheduler.as_mut() {
            scheduler.shutdown().await.context("stopping the scheduler")?;
        }
        info!("riverchief stopped");
        Ok(())
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "riverchief".into())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    info!("shutting down");
}
