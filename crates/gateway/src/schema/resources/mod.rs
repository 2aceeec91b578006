//! resources in GraphQL: the `Resource` interface, its kinds, lists, writing, moderation and
//! event registrations.

mod loader;
mod media;
mod mutation;
mod query;
mod registrations;
mod types;

pub use loader::{ResourcesLoader, load_resources};
pub use media::{Media, MediaMutation};
pub use mutation::ResourcesMutation;
pub use query::ResourcesQuery;
pub use registrations::{Registration, RegistrationsMutation, RegistrationsQuery};
pub use types::{Blogpost, Event, Initiative, Page, Photo, Product, Resource, Spot};

use async_graphql::{Context, ID};

use crate::error::GqlResult;
use crate::schema::context::ContextExt;
use crate::schema::node::{expect_id, parse_global_id};

/// The UUID of any global id: resources and owners are named by ids of several types, and the
/// services check what the id must be. Not a global id at all is `BAD_USER_INPUT` on `field`,
/// naming `expected` as what it should have been.
pub fn any_id(id: &ID, expected: &str, field: &str) -> async_graphql::Result<uuid::Uuid> {
    match parse_global_id(id) {
        Some((_, uuid)) => Ok(uuid),
        None => expect_id(id, expected, field),
    }
}

/// The UUID of a resource's global id (of any kind), for other domains' inputs.
pub fn any_resource_id(id: &ID, field: &str) -> async_graphql::Result<uuid::Uuid> {
    any_id(id, "Resource", field)
}

/// The resource `id` as the caller sees it now; null when it is gone or hidden from them.
async fn visible(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<Resource>> {
    let s = ctx.services();
    let found = s.resources.resource(&s.db, ctx.actor()?, id).await.gql()?;
    Ok(found.and_then(Resource::from_full))
}
