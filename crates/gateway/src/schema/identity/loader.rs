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

/// Boxed, as the other loading helpers are: async-graphql keeps every field's resolver of an
/// object in one future sized for the largest field, and moves that future for each field it
/// resolves, so an inline load would make `title` as costly to move as `owner`.
pub fn load_users<'a>(
    ctx: &'a Context<'_>,
    ids: Vec<Uuid>,
) -> BoxFuture<'a, async_graphql::Result<HashMap<Uuid, User>>> {
    ctx.data_unchecked::<RequestLoader<UserLoader>>()
        .load_many(ids)
        .map(SharedResult::unshared)
        .boxed()
}
