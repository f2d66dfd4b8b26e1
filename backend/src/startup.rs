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
    // PostgreSQL: this month's readings partition and the next few, before any station sends.
    models::partitions::ensure_ahead(&db, Utc::now(), jobs::create_partitions::AHEAD)
        .await
        .context("making the readings partitions")?;
    Ok(db)
}

/// What jobs need, built from the settings.
pub fn job_context(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<JobContext> {
    let decimals = settings.decimals().map_err(anyhow::Error::msg)?;
    settings.warnings.validate().map_err(|e| anyhow::anyhow!("[warnings]: {e}"))?;
    Ok(JobContext { db, mailer: Mailer::from_settings(&settings.mail())?, decimals, warnings: settings.warnings })
}

pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    jobs: JobContext,
    hj212: Option<crate::hj212::Server<crate::hj212::DatabaseSink>>,
    hj212_addr: Option<SocketAddr>,
    metrics: Option<(TcpListener, SocketAddr)>,
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
        let (hj212, hj212_addr) = if settings.hj212.enabled {
            let sink = crate::hj212::DatabaseSink::new(db.clone(), settings.live_window());
            let server =
                crate::hj212::Server::bind(settings.hj212.clone(), Arc::new(sink)).await.with_context(|| {
                    format!(
                        "cannot listen for HJ 212 on {} (set [hj212] addr, or enabled = false)",
                        settings.hj212.addr
                    )
                })?;
            let bound = server.local_addr()?;
            (Some(server), Some(bound))
        } else {
            (None, None)
        };
        let metrics = match settings.metrics_addr {
            Some(at) => {
                crate::telemetry::check_address(at, settings.metrics_token.as_ref()).map_err(anyhow::Error::msg)?;
                crate::telemetry::handle();
                let listener = TcpListener::bind(at)
                    .await
                    .with_context(|| format!("cannot serve metrics on {at} (set metrics_addr)"))?;
                let bound = listener.local_addr()?;
                Some((listener, bound))
            }
            None => None,
        };
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
        Ok(Application { listener, addr, state, jobs, hj212, hj212_addr, metrics })
    }

    /// The bound HJ 212 address, when the receiver runs.
    pub fn hj212_addr(&self) -> Option<SocketAddr> {
        self.hj212_addr
    }

    /// The bound metrics address, when metrics are served.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, a)| *a)
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
        info!(addr = %self.addr, hj212 = ?self.hj212_addr, metrics = ?self.metrics_addr(), database = %settings.database_url_for_logs(), mail = %self.jobs.mailer.describe(), "riverchief serving");
        // One stop signal for every listener.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let wait = move || {
            let mut stopped = stopped.clone();
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            }
        };
        let receiver = self.hj212.map(|server| tokio::spawn(server.serve(wait())));
        let metrics = self.metrics.map(|(listener, _)| {
            tokio::spawn(crate::telemetry::serve(
                listener,
                self.state.db.clone(),
                settings.metrics_token.clone(),
                wait(),
            ))
        });
        let app = crate::routes::router(self.state);
        // Connection info gives handlers the client address, for the sign-in rate limit.
        let http = axum::serve(self.listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                let _ = stop.send(true);
            })
            .await
            .context("HTTP server");
        if let Some(receiver) = receiver {
            receiver.await.context("HJ 212 receiver")?;
        }
        if let Some(metrics) = metrics {
            metrics.await.context("metrics server")?.context("metrics server")?;
        }
        http?;
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
