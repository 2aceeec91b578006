//! Batched loading of orders, their lines and their history, one query per kind of key per
//! request, acting as the request's actor.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use commons_core::Actor;
use commons_sales::entity::{booking, order, order_change, order_line};
use uuid::Uuid;

use crate::error::{LoadError, load_failed};
use crate::schema::context::Services;

pub struct SalesLoader {
    pub services: Arc<Services>,
    pub actor: Actor,
}

impl Loader<Uuid> for SalesLoader {
    type Value = order::Model;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, order::Model>, LoadError> {
        let s = &self.services;
        let found = s
            .sales
            .orders_by_ids(&s.db, &self.actor, ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|o| (o.id, o)).collect())
    }
}

/// An order's lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinesOf(pub Uuid);

impl Loader<LinesOf> for SalesLoader {
    type Value = Vec<order_line::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[LinesOf]) -> Result<HashMap<LinesOf, Self::Value>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .sales
            .lines(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, l)| (LinesOf(id), l)).collect())
    }
}

/// An order's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub Uuid);

impl Loader<HistoryOf> for SalesLoader {
    type Value = Vec<order_change::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[HistoryOf]) -> Result<HashMap<HistoryOf, Self::Value>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .sales
            .history(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, h)| (HistoryOf(id), h)).collect())
    }
}

/// A booking, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BookingId(pub Uuid);

impl Loader<BookingId> for SalesLoader {
    type Value = booking::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[BookingId]) -> Result<HashMap<BookingId, Self::Value>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .sales
            .bookings_by_ids(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|b| (BookingId(b.id), b)).collect())
    }
}
