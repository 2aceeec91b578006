//! The events messaging writes, who hears of them, and what live subscribers get.

use commons_core::audience::{Audience, EventRules, Notice, NotifiedTopic, Prepared, RuleError};
use commons_core::text::quoted;
use commons_core::{Event, outbox};
use commons_identity::service::users::name_of;
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::conversation::{self, ConversationKind};
use crate::entity::participant;
use crate::messages;

/// A message was written in a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCreated {
    pub conversation: Uuid,
    pub message: Uuid,
    pub author: Uuid,
}

impl Event for MessageCreated {
    const TOPIC: &'static str = "message.created";
    fn subject(&self) -> Option<Uuid> {
        Some(self.conversation)
    }
}

/// A notification landed in someone's inbox (it feeds `notificationAdded`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationCreated {
    pub notification: Uuid,
    /// The recipient.
    pub user: Uuid,
}

impl Event for NotificationCreated {
    const TOPIC: &'static str = "notification.created";
    fn subject(&self) -> Option<Uuid> {
        Some(self.user)
    }
}

/// Who hears of messages, and what live subscribers receive (registered with the server's
/// rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct MessagingRules;

#[async_trait::async_trait]
impl EventRules for MessagingRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[NotifiedTopic::pushed(MessageCreated::TOPIC)];
        NOTIFIED
    }

    /// Everyone in the conversation now, but the author.
    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
        let Some(created) = event.decode::<MessageCreated>() else {
            return Ok(Audience::nobody());
        };
        let Some(found) = conversation::Entity::find_by_id(created.conversation)
            .one(tx)
            .await?
        else {
            return Ok(Audience::nobody());
        };
        let who = name_of(tx, Some(created.author)).await?;
        let summary = match (found.kind, &found.title) {
            (ConversationKind::Group, Some(title)) => format!("{who} wrote in {}", quoted(title)),
            _ => format!("{who} sent you a message"),
        };
        let people = participant::Entity::find()
            .filter(participant::Column::ConversationId.eq(found.id))
            .filter(participant::Column::UserId.ne(created.author))
            .all(tx)
            .await?;
        Ok(Audience::of(
            people
                .into_iter()
                .map(|p| Notice::new(p.user_id, summary.clone()))
                .collect(),
        ))
    }

    fn live(&self) -> &'static [&'static str] {
        &[MessageCreated::TOPIC]
    }

    async fn prepare_live(
        &self,
        db: &DatabaseConnection,
        event: &outbox::Model,
    ) -> Result<Option<Prepared>, RuleError> {
        let prepared = messages::prepare_live(db, event).await?;
        Ok(prepared.map(|message| std::sync::Arc::new(message) as Prepared))
    }
}
