//! Conversations, messages and notifications as GraphQL types.

use crate::schema::loaders::RequestLoader;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use commons_core::{PageRequest, Timestamp};
use commons_resources::Resources;

use super::loader::{LastMessageIn, MessagingLoader, ParticipantsOf, UnreadIn};
use crate::error::{GqlResult, SharedResult};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::identity::{User, load_users};
use crate::schema::node::global_id;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_messaging::ConversationKind")]
pub enum ConversationKind {
    /// Two people; one conversation per pair.
    Private,
    /// Titled, with any number of people; optionally a department's.
    Group,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_messaging::ParticipantRole")]
pub enum ParticipantRole {
    Owner,
    Member,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_messaging::PushPlatform")]
pub enum PushPlatform {
    Apns,
    Fcm,
    WebPush,
}

/// A conversation you take part in.
pub struct Conversation(pub commons_messaging::Conversation);

#[Object]
impl Conversation {
    pub async fn id(&self) -> ID {
        global_id("Conversation", self.0.id)
    }

    async fn kind(&self) -> ConversationKind {
        self.0.kind.into()
    }

    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }

    /// The department a group belongs to.
    async fn department_id(&self) -> Option<ID> {
        self.0.department_id.map(|id| global_id("Department", id))
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    async fn last_message_at(&self) -> Option<Timestamp> {
        self.0.last_message_at
    }

    async fn participants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Participant>> {
        let found = ctx
            .data_unchecked::<RequestLoader<MessagingLoader>>()
            .load_one(ParticipantsOf(self.0.id))
            .await
            .unshared()?;
        Ok(found.unwrap_or_default().into_iter().map(Participant).collect())
    }

    /// Messages by others after your read marker.
    async fn unread_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let found = ctx
            .data_unchecked::<RequestLoader<MessagingLoader>>()
            .load_one(UnreadIn(self.0.id))
            .await
            .unshared()?;
        Ok(found.unwrap_or_default())
    }

    /// The newest message, for a preview in a list of conversations (batched).
    async fn last_message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Message>> {
        let found = ctx
            .data_unchecked::<RequestLoader<MessagingLoader>>()
            .load_one(LastMessageIn(self.0.id))
            .await
            .unshared()?;
        Ok(found.map(Message))
    }

    /// Newest first. In a list of conversations, prefer `lastMessage`: this reads each
    /// conversation on its own.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Message>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .messaging
            .messages(&s.db, ctx.actor()?, self.0.id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Message))
    }
}

pub struct Participant(pub commons_messaging::Participant);

#[Object]
impl Participant {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let id = self.0.user_id;
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    async fn role(&self) -> ParticipantRole {
        self.0.role.into()
    }

    async fn joined_at(&self) -> Timestamp {
        self.0.joined_at
    }

    /// The last message they have read.
    async fn last_read_message_id(&self) -> Option<ID> {
        self.0.last_read_message_id.map(|id| global_id("Message", id))
    }
}

pub struct Message(pub commons_messaging::Message);

#[Object]
impl Message {
    pub async fn id(&self) -> ID {
        global_id("Message", self.0.id)
    }

    async fn conversation_id(&self) -> ID {
        global_id("Conversation", self.0.conversation_id)
    }

    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let id = self.0.author_id;
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    /// Empty when the message is only its attachment.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The attached upload's address (see `uploadMedia`).
    async fn attachment_url(&self) -> Option<String> {
        self.0.attachment_id.map(Resources::media_url)
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

/// Something you should hear about.
pub struct Notification(pub commons_messaging::Notification);

#[Object]
impl Notification {
    pub async fn id(&self) -> ID {
        global_id("Notification", self.0.id)
    }

    /// What happened, as a dotted topic: `comment.created`, `event.seat_granted`.
    async fn topic(&self) -> &str {
        &self.0.topic
    }

    /// One sentence for a person.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The global id of what it is about (a resource, an order, a conversation…), to follow
    /// with `node(id:)`, or for a page of notifications in one `nodes(ids:)`; null when it has
    /// none, or it is gone or hidden from you.
    async fn subject_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        crate::schema::node::subject_id(ctx, &self.0.topic, self.0.subject_id).await
    }

    /// Who did it.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    /// The event's details, for clients that link to them.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    async fn read_at(&self) -> Option<Timestamp> {
        self.0.read_at
    }
}

/// Where you hear about a topic: the inbox, push, both or neither.
#[derive(SimpleObject)]
pub struct NotificationSetting {
    topic: String,
    inbox: bool,
    push: bool,
}

impl From<commons_messaging::NotificationSetting> for NotificationSetting {
    fn from(s: commons_messaging::NotificationSetting) -> Self {
        NotificationSetting {
            topic: s.topic,
            inbox: s.inbox,
            push: s.push,
        }
    }
}

/// A device that receives your push notifications.
#[derive(SimpleObject)]
pub struct PushToken {
    /// (Owned: the `Node` interface takes the id by value.)
    #[graphql(owned)]
    pub id: ID,
    platform: PushPlatform,
    created_at: Timestamp,
}

impl From<commons_messaging::PushToken> for PushToken {
    fn from(t: commons_messaging::PushToken) -> Self {
        PushToken {
            id: global_id("PushToken", t.id),
            platform: t.platform.into(),
            created_at: t.created_at,
        }
    }
}
