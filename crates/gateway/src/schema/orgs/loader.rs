//! Batched loading for the organization types, one batch per kind of key per request. The
//! loader acts as the request's actor, so it returns only what that actor may see.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use commons_core::{Actor, AgentKind};
use commons_orgs::entity::membership;
use uuid::Uuid;

use super::types::{Department, Organization};
use crate::error::{LoadError, load_failed};
use crate::schema::context::Services;

pub struct OrgsLoader {
    pub services: Arc<Services>,
    pub actor: Actor,
}

/// A department's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DepartmentId(pub Uuid);

/// The owner of an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OwnerOf(pub Uuid);

/// The request actor's own membership in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewerMembershipIn(pub Uuid);

/// Which kind of agent an id is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AgentKindOf(pub Uuid);

impl Loader<Uuid> for OrgsLoader {
    type Value = Organization;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Organization>, LoadError> {
        let s = &self.services;
        let found = s
            .orgs
            .organizations_by_ids(&s.db, &self.actor, ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, o)| (id, Organization(o))).collect())
    }
}

impl Loader<DepartmentId> for OrgsLoader {
    type Value = Department;
    type Error = LoadError;

    async fn load(&self, ids: &[DepartmentId]) -> Result<HashMap<DepartmentId, Department>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = ids.iter().map(|d| d.0).collect();
        let found = s
            .orgs
            .departments_by_ids(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found
            .into_iter()
            .map(|(id, d)| (DepartmentId(id), Department(d)))
            .collect())
    }
}

impl Loader<OwnerOf> for OrgsLoader {
    type Value = Uuid;
    type Error = LoadError;

    async fn load(&self, keys: &[OwnerOf]) -> Result<HashMap<OwnerOf, Uuid>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s.orgs.owners(&s.db, &ids).await.map_err(load_failed)?;
        Ok(found
            .into_iter()
            .map(|(org, owner)| (OwnerOf(org), owner))
            .collect())
    }
}

impl Loader<ViewerMembershipIn> for OrgsLoader {
    type Value = membership::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ViewerMembershipIn],
    ) -> Result<HashMap<ViewerMembershipIn, membership::Model>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .orgs
            .viewer_memberships(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found
            .into_iter()
            .map(|(org, m)| (ViewerMembershipIn(org), m))
            .collect())
    }
}

impl Loader<AgentKindOf> for OrgsLoader {
    type Value = AgentKind;
    type Error = LoadError;

    async fn load(&self, keys: &[AgentKindOf]) -> Result<HashMap<AgentKindOf, AgentKind>, LoadError> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = commons_core::agent::kinds(&self.services.db, &ids)
            .await
            .map_err(|e| load_failed(commons_orgs::Error::from(e)))?;
        Ok(found
            .into_iter()
            .map(|(id, kind)| (AgentKindOf(id), kind))
            .collect())
    }
}
