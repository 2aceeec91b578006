use crate::schema::loaders::RequestLoader;
use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use commons_core::Actor;
use uuid::Uuid;

use super::User;
use crate::error::{LoadError, SharedResult, load_failed};
use crate::schema::context::Services;

/// Users by id, batched per request. It loads with the request's actor, so what it returns
/// is what that actor may see.
pub struct UserLoader {
    pub services: Services,
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

pub async fn load_users(ctx: &Context<'_>, ids: Vec<Uuid>) -> async_graphql::Result<HashMap<Uuid, User>> {
    ctx.data_unchecked::<RequestLoader<UserLoader>>()
        .load_many(ids)
        .await
        .unshared()
}
