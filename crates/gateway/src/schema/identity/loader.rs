use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use commons_core::Actor;
use uuid::Uuid;

use super::User;
use crate::error::to_graphql;
use crate::schema::context::Services;

/// Users by id, batched per request. It loads with the request's actor, so what it returns
/// is what that actor may see.
pub struct UserLoader {
    pub services: Services,
    pub actor: Actor,
}

impl Loader<Uuid> for UserLoader {
    type Value = User;
    type Error = Arc<async_graphql::Error>;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, User>, Self::Error> {
        let users = self
            .services
            .identity
            .users_by_ids(&self.services.db, &self.actor, ids)
            .await
            .map_err(|e| Arc::new(to_graphql(e)))?;
        Ok(users.into_iter().map(|(id, u)| (id, User::from(u))).collect())
    }
}

pub async fn load_users(ctx: &Context<'_>, ids: Vec<Uuid>) -> async_graphql::Result<HashMap<Uuid, User>> {
    ctx.data_unchecked::<DataLoader<UserLoader>>()
        .load_many(ids)
        .await
        .map_err(|e| (*e).clone())
}
