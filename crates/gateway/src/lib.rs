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

/// Every domain crate's event rules: who hears of each event, and what live subscribers
/// receive. A new domain crate adds its line here; a new topic in an existing crate adds none.
pub fn rules() -> commons_core::audience::Registry {
    commons_core::audience::Registry::new()
        .with(commons_orgs::events::OrgRules)
        .with(commons_resources::events::ResourceRules)
        .with(commons_reactions::events::ReactionRules)
        .with(commons_messaging::MessagingRules)
        .with(commons_sales::events::SalesRules)
        .with(commons_payments::events::PaymentRules)
        .with(commons_governance::events::GovernanceRules)
}
