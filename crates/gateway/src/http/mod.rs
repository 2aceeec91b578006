//! The HTTP server: GraphiQL at `/`, GraphQL over HTTP at `/graphql` and over WebSocket at
//! `/graphql/ws` (subscriptions), `/health`, `/ready`,
//! Prometheus `/metrics`, uploaded files at `/media/{id}` and file exports under `/exports/`.

mod access;
mod body_limit;
mod export;
mod graphiql;
mod graphql;
mod media;
pub(crate) mod metrics;
mod response;
mod subscriptions;
mod webhooks;
pub mod ws_limits;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use commons_resources::Resources;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::GatewayConfig;
use crate::ratelimit::IpRateLimiter;
use crate::schema::context::Services;
use crate::schema::{self, CommonsSchema};

/// Everything a request handler needs; cheap to clone (axum clones it for every request).
#[derive(Clone)]
pub struct App {
    pub(crate) services: Arc<Services>,
    pub(crate) schema: CommonsSchema,
    pub(crate) config: Arc<GatewayConfig>,
    pub(crate) metrics: metrics::Metrics,
    /// The connection background work uses, when not the requests' own.
    background_db: Option<DatabaseConnection>,
}

impl App {
    /// The server over `db`, with the resource services (and through them those of
    /// organizations and identity).
    pub fn new(db: DatabaseConnection, resources: Resources, config: GatewayConfig) -> App {
        let identity = resources.orgs().identity().clone();
        let rules = Arc::new(crate::rules());
        let sales = commons_sales::Sales::new(resources.clone());
        let payments = commons_payments::Payments::new(sales.clone(), config.payments.provider.clone())
            .with_fee(config.payments.fee);
        let services = Services {
            db,
            orgs: resources.orgs().clone(),
            reactions: commons_reactions::Reactions::new(resources.clone()),
            sales,
            payments,
            governance: commons_governance::Governance::new(resources.clone()),
            messaging: commons_messaging::Messaging::new(identity.clone(), rules.clone()),
            identity,
            rules,
            live: crate::live::Live::new(),
            resources,
            auth_limiter: IpRateLimiter::new(config.auth_attempts_per_minute),
            visit_limiter: IpRateLimiter::new(config.visits_per_minute),
        };
        let services = Arc::new(services);
        let metrics = metrics::Metrics::install();
        let schema = schema::builder(&config, Some(metrics.clone()))
            .data(services.clone())
            .finish();
        App {
            services,
            schema,
            config: Arc::new(config),
            metrics,
            background_db: None,
        }
    }

    /// Reads the outbox through `db` instead of the requests' connection: another pool, so a
    /// busy API does not hold live delivery back (tests also use it to count only the
    /// statements requests run).
    pub fn with_background_db(mut self, db: DatabaseConnection) -> App {
        self.background_db = Some(db);
        self
    }
}

pub fn router(app: App) -> Router {
    let limits = body_limit::BodyLimits {
        json: app.config.max_body_bytes,
        // The file, and room for the operation and the multipart framing around it.
        multipart: app.services.resources.media_settings().max_bytes + 64 * 1024,
    };
    Router::new()
        .route("/", get(graphiql::page))
        .route("/graphiql/{version}/{file}", get(graphiql::asset))
        .route("/graphql", get(graphql::handle).post(graphql::handle))
        .route("/graphql/ws", get(subscriptions::upgrade))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::render))
        .route("/media/{id}", get(media::serve))
        .route("/exports/events/{id}/registrations", get(export::registrations))
        .route("/exports/funding/{id}", get(export::funding))
        .route("/exports/initiatives/{id}", get(export::initiative))
        .route("/webhooks/{provider}", axum::routing::post(webhooks::receive))
        .layer(axum::middleware::from_fn_with_state(limits, body_limit::limit))
        .layer(cors(&app.config.cors_origins))
        .layer(axum::middleware::from_fn(access::log))
        .with_state(app)
}

/// Which browser pages on other origins may call the API: none when `origins` is empty (the
/// same origin always may), any with `*`, else those listed. Requests carry their token in
/// `Authorization`, never in cookies, so no credentials mode is needed.
fn cors(origins: &[String]) -> CorsLayer {
    let allowed = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static(access::REQUEST_ID),
        ])
        .expose_headers([HeaderName::from_static(access::REQUEST_ID), header::RETRY_AFTER])
        .max_age(Duration::from_secs(3600))
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut background = Services::clone(&app.services);
    if let Some(db) = &app.background_db {
        background.db = db.clone();
    }
    let workers = app
        .services
        .live
        .start(&background, app.config.outbox_poll, app.config.outbox_retention);
    let limiters = [
        app.services.auth_limiter.clone(),
        app.services.visit_limiter.clone(),
    ];
    let sweeper = tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            for limiter in &limiters {
                limiter.forget_idle();
            }
        }
    });
    let minutely = tokio::spawn(every_minute(background.clone()));
    let served = axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    minutely.abort();
    for worker in workers {
        worker.abort();
    }
    served
}

/// What falls due by the clock: plans whose month ended are invoiced and charged (PA6), and
/// polls past their closing time get their outcome (GV3). Every process runs it; unique keys
/// and conditional updates make one of them do each.
async fn every_minute(services: Services) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        match services.payments.bill_due(&services.db).await {
            Ok(run) if run.invoiced > 0 => {
                tracing::info!(
                    invoiced = run.invoiced,
                    paid = run.paid,
                    failed = run.failed,
                    "plans billed"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "billing the plans failed; trying again in a minute"),
        }
        match services.governance.close_due_polls(&services.db).await {
            Ok(0) => {}
            Ok(closed) => tracing::info!(closed, "polls closed"),
            Err(e) => tracing::warn!(error = %e, "closing the due polls failed; trying again in a minute"),
        }
    }
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Ready when the database answers.
async fn ready(State(app): State<App>) -> impl IntoResponse {
    match app.services.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ready" })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable", "reason": "database" })),
            )
        }
    }
}
