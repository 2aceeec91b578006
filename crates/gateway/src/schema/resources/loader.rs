//! Batched loading of resources and of the viewer's registrations, one batch per kind of key
//! per request, acting as the request's actor.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use commons_core::Actor;
use uuid::Uuid;

use super::registrations::Registration;
use super::types::Resource;
use crate::error::to_graphql;
use crate::schema::context::Services;

pub struct ResourcesLoader {
    pub services: Services,
    pub actor: Actor,
}

/// The request actor's own registration for an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewerRegistrationFor(pub Uuid);

type LoadError = Arc<async_graphql::Error>;

fn failed(e: impl commons_core::CodedError) -> LoadError {
    Arc::new(to_graphql(e))
}

impl Loader<Uuid> for ResourcesLoader {
    type Value = Resource;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Resource>, LoadError> {
        let s = &self.services;
        let found = s
            .resources
            .resources_by_ids(&s.db, &self.actor, ids)
            .await
            .map_err(failed)?;
        Ok(found
            .into_iter()
            .filter_map(|(id, full)| Resource::from_full(full).map(|r| (id, r)))
            .collect())
    }
}

impl Loader<ViewerRegistrationFor> for ResourcesLoader {
    type Value = Registration;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ViewerRegistrationFor],
    ) -> Result<HashMap<ViewerRegistrationFor, Registration>, LoadError> {
        let s = &self.services;
        let events: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .resources
            .my_registrations_for(&s.db, &self.actor, &events)
            .await
            .map_err(failed)?;
        Ok(found
            .into_iter()
            .map(|(event, r)| (ViewerRegistrationFor(event), Registration(r)))
            .collect())
    }
}

fn loader<'a>(ctx: &'a Context<'_>) -> &'a DataLoader<ResourcesLoader> {
    ctx.data_unchecked::<DataLoader<ResourcesLoader>>()
}

/// Resources by id, as the request's actor sees them.
pub async fn load_resources(
    ctx: &Context<'_>,
    ids: Vec<Uuid>,
) -> async_graphql::Result<HashMap<Uuid, Resource>> {
    loader(ctx).load_many(ids).await.map_err(|e| (*e).clone())
}

pub async fn load_viewer_registration(
    ctx: &Context<'_>,
    event: Uuid,
) -> async_graphql::Result<Option<Registration>> {
    loader(ctx)
        .load_one(ViewerRegistrationFor(event))
        .await
        .map_err(|e| (*e).clone())
}
