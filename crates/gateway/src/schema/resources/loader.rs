//! Batched loading of resources and of the viewer's registrations, one batch per kind of key
//! per request, acting as the request's actor.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use commons_core::Actor;
use uuid::Uuid;

use super::registrations::Registration;
use super::types::Resource;
use crate::error::{LoadError, SharedResult, load_failed};
use crate::schema::context::Services;
use crate::schema::loaders::RequestLoader;
use crate::schema::reactions::ReactionSummary;

pub struct ResourcesLoader {
    pub services: Arc<Services>,
    pub actor: Actor,
}

/// A resource's reaction counts and the request actor's own reactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReactionsOf(pub Uuid);

impl Loader<ReactionsOf> for ResourcesLoader {
    type Value = ReactionSummary;
    type Error = LoadError;

    async fn load(&self, keys: &[ReactionsOf]) -> Result<HashMap<ReactionsOf, ReactionSummary>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .reactions
            .reaction_summaries(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found
            .into_iter()
            .map(|(id, summary)| (ReactionsOf(id), ReactionSummary(summary)))
            .collect())
    }
}

/// The request actor's own registration for an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewerRegistrationFor(pub Uuid);

impl Loader<Uuid> for ResourcesLoader {
    type Value = Resource;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Resource>, LoadError> {
        let s = &self.services;
        let found = s
            .resources
            .resources_by_ids(&s.db, &self.actor, ids)
            .await
            .map_err(load_failed)?;
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
            .map_err(load_failed)?;
        Ok(found
            .into_iter()
            .map(|(event, r)| (ViewerRegistrationFor(event), Registration(r)))
            .collect())
    }
}

fn loader<'a>(ctx: &'a Context<'_>) -> &'a RequestLoader<ResourcesLoader> {
    ctx.data_unchecked::<RequestLoader<ResourcesLoader>>()
}

/// Resources by id, as the request's actor sees them.
pub async fn load_resources(
    ctx: &Context<'_>,
    ids: Vec<Uuid>,
) -> async_graphql::Result<HashMap<Uuid, Resource>> {
    loader(ctx).load_many(ids).await.unshared()
}

pub async fn load_reactions(ctx: &Context<'_>, resource: Uuid) -> async_graphql::Result<ReactionSummary> {
    Ok(loader(ctx)
        .load_one(ReactionsOf(resource))
        .await
        .unshared()?
        .unwrap_or_else(|| {
            ReactionSummary(commons_reactions::ReactionSummary {
                resource_id: resource,
                ..Default::default()
            })
        }))
}

pub async fn load_viewer_registration(
    ctx: &Context<'_>,
    event: Uuid,
) -> async_graphql::Result<Option<Registration>> {
    loader(ctx)
        .load_one(ViewerRegistrationFor(event))
        .await
        .unshared()
}
