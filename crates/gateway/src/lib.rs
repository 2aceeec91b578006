//! Commons gateway: one GraphQL schema over every domain crate, and the HTTP server around it.
//!
//! Resolvers translate and nothing more: they parse input, call one service, and map the
//! result. Rules live in the domain crates.
//!
//! - [`config`]: limits and switches.
//! - [`schema`]: the GraphQL types, queries, mutations and DataLoaders, one folder per domain.
//! - [`http`]: the axum router: GraphiQL, `/graphql` (GraphQL over HTTP), health, metrics.
//! - [`live`]: the outbox dispatcher and the hub that feeds GraphQL subscriptions.
//! - [`error`]: the one place domain errors become GraphQL errors with `extensions.code`.

pub mod config;
pub mod error;
pub mod http;
pub mod live;
pub mod ratelimit;
pub mod schema;

pub use config::GatewayConfig;
pub use http::{App, router};
pub use schema::{CommonsSchema, sdl};
