//! What an operator can tune in the gateway.

use std::sync::Arc;
use std::time::Duration;

use commons_payments::{Fee, PaymentProvider, TestProvider};

#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Larger request bodies are refused with `PAYLOAD_TOO_LARGE` before they are parsed.
    pub max_body_bytes: usize,
    /// Deeper queries are refused with `QUERY_TOO_DEEP` before any resolver runs.
    pub max_depth: usize,
    /// Costlier queries are refused with `QUERY_TOO_COMPLEX`; a field costs 1 and a
    /// connection multiplies its selection by `first`.
    pub max_complexity: usize,
    /// A request still running after this is answered with `TIMEOUT`.
    pub request_timeout: Duration,
    /// Attempts at `login` and `register` per client IP per minute; 0 turns the limit off.
    pub auth_attempts_per_minute: u32,
    /// Anonymous `recordVisit` calls per client IP per minute; 0 turns the limit off.
    pub visits_per_minute: u32,
    /// Proxies in front of the server that append to `X-Forwarded-For` (0: none, the peer
    /// is the client). The client IP is read that many hops from the right.
    pub trusted_proxies: usize,
    /// How long a DataLoader gathers keys before it runs its one query, beyond the pass in
    /// which the request's fields ask for them. Zero by default: async-graphql polls every
    /// field of a level in one pass of the request's task, and the loader's task, spawned from
    /// it onto the same worker, starts only after that pass. A timer of 1 ms cost 1 to 2 ms
    /// of waiting per level of every request (issue 16).
    pub batch_delay: Duration,
    /// How often the outbox is read for live delivery where nothing wakes the reader sooner
    /// (SQLite; on PostgreSQL `LISTEN` wakes it and this is only the fallback).
    pub outbox_poll: Duration,
    /// How often a subscription connection's sign-in is checked again, so that signing out or
    /// being blocked ends its subscriptions.
    pub session_recheck: Duration,
    /// How long outbox events are kept (for late readers and the notification catch-up)
    /// before they are deleted.
    pub outbox_retention: Duration,
    /// Origins of browser pages on other sites that may call the API (`*`: any); empty for
    /// none.
    pub cors_origins: Vec<String>,
    /// What one WebSocket connection may hold and how long it may wait.
    pub websocket: crate::http::ws_limits::Limits,
    /// Who moves the money, and the platform's fee.
    pub payments: PaymentsConfig,
}

/// The payment provider (its webhooks arrive at `POST /webhooks/{name}`) and the fee.
#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    pub provider: Arc<dyn PaymentProvider>,
    pub fee: Fee,
}

impl Default for PaymentsConfig {
    /// The test provider with a secret no one knows (so no one can forge its webhooks), and
    /// no fee.
    fn default() -> Self {
        PaymentsConfig {
            provider: Arc::new(TestProvider::with_random_secret()),
            fee: Fee::default(),
        }
    }
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            max_body_bytes: 1024 * 1024,
            max_depth: 12,
            max_complexity: 2000,
            request_timeout: Duration::from_secs(30),
            auth_attempts_per_minute: 20,
            visits_per_minute: 60,
            trusted_proxies: 0,
            batch_delay: Duration::ZERO,
            outbox_poll: Duration::from_millis(200),
            session_recheck: Duration::from_secs(60),
            outbox_retention: Duration::from_secs(7 * 24 * 60 * 60),
            cors_origins: Vec::new(),
            websocket: crate::http::ws_limits::Limits {
                max_subscriptions: 100,
                init_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(5 * 60),
            },
            payments: PaymentsConfig::default(),
        }
    }
}
