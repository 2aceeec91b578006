use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use commons_core::Actor;
use futures::FutureExt;
use futures::future::BoxFuture;
use uuid::Uuid;

use super::User;
use crate::error::{LoadError, SharedResult, load_failed};
use crate::schema::context::Services;
use crate::schema::loaders::RequestLoader;

/// Users by id, batched per request. It loads with the request's actor, so what it returns
/// is what that actor may see.
pub struct UserLoader {
    pub services: Arc<Services>,
    pub actor: Actor,
}

impl Loader<Uuid> for UserLoader {
    type Value = User;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, User>, Self::Error> {
        let users = self
            .services
            .identity
            .users_by_ids(&self.services.db, &self.actor, ids)
            .await
            .map_err(load_failed)?;
        Ok(users.into_iter().map(|(id, u)| (id, User::from(u))).collect())
    }
}

/// Users by id, as the request's actor sees them. Boxed, since some thirty resolvers await it:
/// an inline load would grow every object's field future (see `resource_object!` in
/// `schema::resources::types` for why that size costs on every field).
pub fn load_users<'a>(
    ctx: &'a Context<'_>,
    ids: Vec<Uuid>,
) -> BoxFuture<'a, async_graphql::Result<HashMap<Uuid, User>>> {
    ctx.data_unchecked::<RequestLoader<UserLoader>>()
        .load_many(ids)
        .map(SharedResult::unshared)
        .boxed()
}
