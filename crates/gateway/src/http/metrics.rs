//! Prometheus metrics: GraphQL requests counted and timed by operation, and, read at each
//! scrape, the process's memory and open files and the database pool's connections. Every
//! series exists from the start (at zero), so dashboards and alerts see them before traffic.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::App;

const REQUESTS: &str = "commons_graphql_requests_total";
const DURATION: &str = "commons_graphql_request_duration_seconds";
const RESIDENT: &str = "commons_process_resident_memory_bytes";
const OPEN_FILES: &str = "commons_process_open_fds";
const UPTIME: &str = "commons_process_uptime_seconds";
const POOL_SIZE: &str = "commons_db_pool_connections";
const POOL_IDLE: &str = "commons_db_pool_idle_connections";
/// Operation names come from clients; past this many distinct ones, the rest count as "other".
const MAX_OPERATIONS: usize = 200;

#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    operations: Arc<Mutex<HashSet<String>>>,
}

impl Metrics {
    /// The process-wide recorder (the `metrics` macros write to one global recorder, so every
    /// `App` in a process shares it).
    pub fn install() -> Metrics {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE
            .get_or_init(|| {
                let builder = PrometheusBuilder::new()
                    .set_buckets_for_metric(
                        Matcher::Full(DURATION.into()),
                        &[
                            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                        ],
                    )
                    .unwrap_or_else(|_| PrometheusBuilder::new());
                match builder.install_recorder() {
                    Ok(handle) => handle,
                    // Another recorder is already global (a host program installed its own):
                    // keep a private one so /metrics still answers.
                    Err(_) => PrometheusBuilder::new().build_recorder().handle(),
                }
            })
            .clone();
        describe();
        Metrics {
            handle,
            operations: Arc::default(),
        }
    }

    /// Counts and times one GraphQL request of `operation` (the request pipeline calls it).
    pub(crate) fn record(&self, operation: Option<&str>, failed: bool, took: Duration) {
        let operation = self.label(operation);
        let outcome = if failed { "error" } else { "ok" };
        metrics::counter!(REQUESTS, "operation" => operation.clone(), "outcome" => outcome).increment(1);
        metrics::histogram!(DURATION, "operation" => operation).record(took.as_secs_f64());
    }

    fn label(&self, operation: Option<&str>) -> String {
        let Some(name) =
            operation.filter(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        else {
            return "anonymous".into();
        };
        let mut seen = self.operations.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(name) || seen.len() < MAX_OPERATIONS && seen.insert(name.to_owned()) {
            name.to_owned()
        } else {
            "other".into()
        }
    }
}

/// Names and explains every series, and starts the request counters at zero.
fn describe() {
    metrics::describe_counter!(REQUESTS, "GraphQL requests by operation and outcome");
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "GraphQL request durations by operation"
    );
    metrics::describe_gauge!(RESIDENT, metrics::Unit::Bytes, "resident memory of the server");
    metrics::describe_gauge!(OPEN_FILES, "open file descriptors (sockets included)");
    metrics::describe_gauge!(UPTIME, metrics::Unit::Seconds, "time since the server started");
    metrics::describe_gauge!(POOL_SIZE, "database connections open in the pool");
    metrics::describe_gauge!(POOL_IDLE, "database connections idle in the pool");
    for outcome in ["ok", "error"] {
        metrics::counter!(REQUESTS, "operation" => "anonymous", "outcome" => outcome).increment(0);
    }
}

/// Reads what is measured at scrape time rather than counted.
fn sample(app: &App) {
    static STARTED: OnceLock<std::time::Instant> = OnceLock::new();
    let started = *STARTED.get_or_init(std::time::Instant::now);
    metrics::gauge!(UPTIME).set(started.elapsed().as_secs_f64());
    // Linux's /proc; elsewhere these series stay absent.
    if let Ok(statm) = std::fs::read_to_string("/proc/self/statm")
        && let Some(pages) = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<f64>().ok())
    {
        metrics::gauge!(RESIDENT).set(pages * 4096.0);
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!(OPEN_FILES).set(entries.count() as f64);
    }
    let db = &app.services.db;
    let (size, idle) = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    metrics::gauge!(POOL_SIZE).set(f64::from(size));
    metrics::gauge!(POOL_IDLE).set(idle as f64);
}

pub async fn render(State(app): State<App>) -> impl IntoResponse {
    sample(&app);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.handle.render(),
    )
}
