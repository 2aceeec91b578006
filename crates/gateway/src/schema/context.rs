//! What resolvers find in the GraphQL context: the services (for the whole schema) and the
//! request's caller.

use std::sync::Arc;

use async_graphql::Context;
use commons_core::audience::Registry;
use commons_core::{Actor, ErrorCode};
use commons_identity::Identity;
use commons_identity::service::ClientInfo;
use commons_orgs::Orgs;
use commons_resources::Resources;
use sea_orm::DatabaseConnection;

use crate::error::coded;
use crate::ratelimit::IpRateLimiter;

/// Shared by every request.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub identity: Identity,
    pub orgs: Orgs,
    pub resources: Resources,
    pub reactions: commons_reactions::Reactions,
    pub messaging: commons_messaging::Messaging,
    pub sales: commons_sales::Sales,
    pub payments: commons_payments::Payments,
    pub governance: commons_governance::Governance,
    /// Every crate's event rules: who hears of what, what live subscribers receive.
    pub rules: Arc<Registry>,
    /// This process's live delivery, for subscriptions.
    pub live: crate::live::Live,
    /// `login` and `register` per client IP.
    pub auth_limiter: IpRateLimiter,
    /// Anonymous `recordVisit` per client IP.
    pub visit_limiter: IpRateLimiter,
}

/// Who is calling, for one request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    /// The request carried a bearer token that is malformed, expired, wrongly signed or
    /// revoked. Operations that need the caller answer `UNAUTHENTICATED`; signing in and
    /// refreshing still work, since clients often send a stale token along with them.
    pub rejected_token: bool,
    pub client: ClientInfo,
}

pub trait ContextExt {
    fn services(&self) -> &Services;
    /// The services, shared: for what outlives the resolver, such as a subscription's stream.
    fn shared_services(&self) -> Arc<Services>;
    fn caller(&self) -> &Caller;
    /// The actor, or `UNAUTHENTICATED` when the request's token was refused.
    fn actor(&self) -> async_graphql::Result<&Actor>;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Services {
        self.data_unchecked::<Arc<Services>>()
    }

    fn shared_services(&self) -> Arc<Services> {
        self.data_unchecked::<Arc<Services>>().clone()
    }

    fn caller(&self) -> &Caller {
        self.data_unchecked::<Caller>()
    }

    fn actor(&self) -> async_graphql::Result<&Actor> {
        let caller = self.caller();
        if caller.rejected_token {
            return Err(coded(
                ErrorCode::Unauthenticated,
                "the access token is invalid or expired; refresh it or sign in again",
            ));
        }
        Ok(&caller.actor)
    }
}
