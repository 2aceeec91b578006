//! The GraphQL schema: one folder per domain, stitched here.

pub mod connection;
pub mod context;
pub mod extension;
pub mod governance;
pub mod guard;
pub mod idempotency;
pub mod identity;
pub mod live;
pub mod loaders;
pub mod messaging;
pub mod node;
pub mod orgs;
pub mod payments;
pub mod reactions;
pub mod resources;
pub mod sales;

use async_graphql::{MergedObject, Schema, SchemaBuilder};

use crate::config::GatewayConfig;

#[derive(MergedObject, Default)]
pub struct Query(
    identity::IdentityQuery,
    identity::ApiKeysQuery,
    orgs::OrgsQuery,
    resources::ResourcesQuery,
    resources::RegistrationsQuery,
    reactions::ReactionsQuery,
    messaging::MessagingQuery,
    sales::SalesQuery,
    payments::PaymentsQuery,
    governance::GovernanceQuery,
    governance::AchievementsQuery,
    governance::PollsQuery,
    node::NodeQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::IdentityMutation,
    identity::ApiKeysMutation,
    orgs::OrgsMutation,
    resources::ResourcesMutation,
    resources::RegistrationsMutation,
    resources::MediaMutation,
    reactions::ReactionsMutation,
    messaging::MessagingMutation,
    sales::SalesMutation,
    payments::PaymentsMutation,
    governance::GovernanceMutation,
    governance::PollsMutation,
);

pub type CommonsSchema = Schema<Query, Mutation, live::Subscription>;

/// The schema with its limits and extensions, before any service data is attached.
pub fn builder(
    config: &GatewayConfig,
    metrics: Option<crate::http::metrics::Metrics>,
) -> SchemaBuilder<Query, Mutation, live::Subscription> {
    Schema::build(Query::default(), Mutation::default(), live::Subscription)
        // The guard holds other operations to `max_depth`; introspection may go deeper.
        .limit_depth(config.max_depth.max(guard::MAX_INTROSPECTION_DEPTH))
        .limit_complexity(config.max_complexity)
        .extension(extension::Pipeline::new(config, metrics))
}

/// The schema in SDL, as `commons schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    builder(&GatewayConfig::default(), None).finish().sdl()
}
