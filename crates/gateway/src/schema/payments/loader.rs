//! Batched loading of payments and their refunds, one query per kind of key per request,
//! acting as the request's actor.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use commons_core::Actor;
use commons_payments::entity::{payment, refund};
use uuid::Uuid;

use crate::error::{LoadError, load_failed};
use crate::schema::context::Services;

pub struct PaymentsLoader {
    pub services: Arc<Services>,
    pub actor: Actor,
}

impl Loader<Uuid> for PaymentsLoader {
    type Value = payment::Model;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, payment::Model>, LoadError> {
        let s = &self.services;
        let found = s
            .payments
            .payments_by_ids(&s.db, &self.actor, ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// A payment's refunds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefundsOf(pub Uuid);

impl Loader<RefundsOf> for PaymentsLoader {
    type Value = Vec<refund::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[RefundsOf]) -> Result<HashMap<RefundsOf, Self::Value>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .payments
            .refunds(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, r)| (RefundsOf(id), r)).collect())
    }
}

/// What a resource's fund has raised, per currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RaisedFor(pub Uuid);

impl Loader<RaisedFor> for PaymentsLoader {
    type Value = Vec<(String, i64)>;
    type Error = LoadError;

    async fn load(&self, keys: &[RaisedFor]) -> Result<HashMap<RaisedFor, Self::Value>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .payments
            .raised(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, r)| (RaisedFor(id), r)).collect())
    }
}
