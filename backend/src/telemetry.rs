//! `GET /metrics` in the Prometheus text format, on an address of its own (loopback by default): HTTP
//! requests and latencies by route, readings stored per source, the HJ 212 receiver's connections,
//! frames, rejects and acknowledgement latency, import progress, job runs and failures, outbox depth.
//!
//! The counters go through the `metrics` facade wherever they happen; one Prometheus recorder per process
//! collects them. On an address other than loopback the endpoint needs a bearer token
//! (`metrics_token`): it tells an outsider how busy, and how broken, the service is.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;

use models::domain::notice::NoticeStatus;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use. `None` when another recorder was installed first
/// (a test binary's own): then there is nothing to render.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!("riverchief_http_requests_total", "HTTP requests by route, method and status");
    metrics::describe_histogram!(
        "riverchief_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by route"
    );
    metrics::describe_counter!("riverchief_readings_stored_total", "Readings newly stored, by source");
    metrics::describe_counter!("riverchief_readings_revised_total", "Readings revised, by source");
    metrics::describe_counter!("riverchief_readings_duplicates_total", "Readings sent again unchanged, by source");
    metrics::describe_gauge!("riverchief_outbox_depth", "Notices waiting to be sent");
    metrics::describe_counter!("riverchief_job_runs_total", "Scheduled job runs, by job and outcome");
}

/// Where `/metrics` may be served: loopback freely, elsewhere only behind a token.
pub fn check_address(addr: SocketAddr, token: Option<&SecretString>) -> Result<(), String> {
    if addr.ip().is_loopback() || token.is_some_and(|t| !t.expose_secret().is_empty()) {
        Ok(())
    } else {
        Err(format!("metrics_addr {addr} is reachable from other machines: set metrics_token, or keep it on 127.0.0.1"))
    }
}

#[derive(Clone)]
struct MetricsState {
    db: DatabaseConnection,
    token: Option<SecretString>,
}

/// Serves `/metrics` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    db: DatabaseConnection,
    token: Option<SecretString>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().route("/metrics", axum::routing::get(render)).with_state(MetricsState { db, token });
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

async fn render(State(state): State<MetricsState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
            return (StatusCode::UNAUTHORIZED, "metrics need the bearer token\n").into_response();
        }
    }
    // Sampled when scraped: a count over the notices not yet sent (an index on status serves it).
    match models::entities::notices::Entity::find()
        .filter(models::entities::notices::Column::Status.is_in([NoticeStatus::Pending, NoticeStatus::Sending]))
        .count(&state.db)
        .await
    {
        Ok(n) => metrics::gauge!("riverchief_outbox_depth").set(n as f64),
        Err(e) => tracing::warn!(error = %e, "outbox depth not sampled"),
    }
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no metrics recorder in this process\n").into_response();
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// Middleware counting every request by its route's pattern (`/api/v1/sections/{code}`, never the
/// concrete path, so label values stay few) with its latency.
pub async fn track(request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("riverchief_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("riverchief_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
