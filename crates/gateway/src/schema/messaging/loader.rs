//! Batched loading of conversations' participants and unread counts, one query per kind of
//! key per request, acting as the request's actor.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use commons_core::Actor;
use uuid::Uuid;

use crate::error::{LoadError, load_failed};
use crate::schema::context::Services;

pub struct MessagingLoader {
    pub services: Arc<Services>,
    pub actor: Actor,
}

/// A conversation's participants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParticipantsOf(pub Uuid);

/// How many messages of a conversation the actor has not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UnreadIn(pub Uuid);

/// The newest message of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LastMessageIn(pub Uuid);

impl Loader<LastMessageIn> for MessagingLoader {
    type Value = commons_messaging::Message;
    type Error = LoadError;

    async fn load(&self, keys: &[LastMessageIn]) -> Result<HashMap<LastMessageIn, Self::Value>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .messaging
            .last_messages(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, m)| (LastMessageIn(id), m)).collect())
    }
}

impl Loader<ParticipantsOf> for MessagingLoader {
    type Value = Vec<commons_messaging::Participant>;
    type Error = LoadError;

    async fn load(&self, keys: &[ParticipantsOf]) -> Result<HashMap<ParticipantsOf, Self::Value>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .messaging
            .participants(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found
            .into_iter()
            .map(|(id, people)| (ParticipantsOf(id), people))
            .collect())
    }
}

impl Loader<UnreadIn> for MessagingLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[UnreadIn]) -> Result<HashMap<UnreadIn, i64>, LoadError> {
        let s = &self.services;
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = s
            .messaging
            .unread_counts(&s.db, &self.actor, &ids)
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, n)| (UnreadIn(id), n)).collect())
    }
}
