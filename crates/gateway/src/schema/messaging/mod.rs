//! messaging in GraphQL: conversations and messages (MS1), the notification inbox, its
//! settings and push devices (MS2). Their live parts are in `schema::live`.

mod loader;
mod types;

pub use loader::MessagingLoader;
pub use types::{Conversation, Message, Notification, PushToken};

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use commons_core::PageRequest;
use commons_messaging::NewConversation;

use crate::error::GqlResult;
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::idempotency;
use crate::schema::node::expect_id;
use types::{ConversationKind, NotificationSetting, PushPlatform};

#[derive(InputObject)]
pub struct StartConversationInput {
    kind: ConversationKind,
    /// Required for groups.
    title: Option<String>,
    /// The people besides you: exactly one for a private conversation.
    member_ids: Vec<ID>,
    /// Ties a group to a department; its organization's members alone may join.
    department_id: Option<ID>,
}

#[derive(InputObject)]
pub struct SendMessageInput {
    conversation_id: ID,
    /// May be empty when there is an attachment.
    #[graphql(default)]
    body: String,
    /// An upload of yours (`uploadMedia`).
    attachment_id: Option<ID>,
}

#[derive(Default)]
pub struct MessagingQuery;

#[Object]
impl MessagingQuery {
    /// Your conversations, most recent activity first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Conversation>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .messaging
            .conversations(&s.db, ctx.actor()?, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Conversation))
    }

    /// A conversation you take part in; null otherwise.
    async fn conversation(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Conversation>> {
        let s = ctx.services();
        let id = expect_id(&id, "Conversation", "id")?;
        let found = s.messaging.conversation(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(found.map(Conversation))
    }

    /// Your notifications, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] unread_only: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Notification>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .messaging
            .notifications(&s.db, ctx.actor()?, unread_only, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Notification))
    }

    async fn unread_notification_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let s = ctx.services();
        s.messaging
            .unread_notification_count(&s.db, ctx.actor()?)
            .await
            .gql()
    }

    /// Every topic, with where you hear about it.
    async fn notification_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<NotificationSetting>> {
        let s = ctx.services();
        let found = s
            .messaging
            .notification_settings(&s.db, ctx.actor()?)
            .await
            .gql()?;
        Ok(found.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct MessagingMutation;

#[Object]
impl MessagingMutation {
    /// Starts a conversation; a private one with the same person is the one you already have.
    async fn start_conversation(
        &self,
        ctx: &Context<'_>,
        input: StartConversationInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Conversation> {
        let s = ctx.services();
        let member_ids = input
            .member_ids
            .iter()
            .map(|id| expect_id(id, "User", "memberIds"))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let department_id = input
            .department_id
            .as_ref()
            .map(|id| expect_id(id, "Department", "departmentId"))
            .transpose()?;
        let start = NewConversation {
            kind: input.kind.into(),
            title: input.title,
            member_ids,
            department_id,
        };
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| {
                Ok(s.messaging
                    .conversation(&s.db, ctx.actor()?, id)
                    .await
                    .gql()?
                    .map(Conversation))
            },
            async |db| {
                let started = s
                    .messaging
                    .start_conversation(db, ctx.actor()?, start)
                    .await
                    .gql()?;
                Ok(Conversation(started))
            },
            |started| started.0.id,
        )
        .await
    }

    /// Adds people to a group you are in.
    async fn add_participants(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
        user_ids: Vec<ID>,
    ) -> async_graphql::Result<Conversation> {
        let s = ctx.services();
        let id = expect_id(&conversation_id, "Conversation", "conversationId")?;
        let users = user_ids
            .iter()
            .map(|id| expect_id(id, "User", "userIds"))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let found = s
            .messaging
            .add_participants(&s.db, ctx.actor()?, id, &users)
            .await
            .gql()?;
        Ok(Conversation(found))
    }

    async fn leave_conversation(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
    ) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = expect_id(&conversation_id, "Conversation", "conversationId")?;
        s.messaging
            .leave_conversation(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        Ok(true)
    }

    async fn send_message(
        &self,
        ctx: &Context<'_>,
        input: SendMessageInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Message> {
        let s = ctx.services();
        let conversation = expect_id(&input.conversation_id, "Conversation", "conversationId")?;
        let attachment = input
            .attachment_id
            .as_ref()
            .map(|id| expect_id(id, "Media", "attachmentId"))
            .transpose()?;
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| {
                Ok(s.messaging
                    .message(&s.db, ctx.actor()?, id)
                    .await
                    .gql()?
                    .map(Message))
            },
            async |db| {
                let sent = s
                    .messaging
                    .send_message(db, ctx.actor()?, conversation, &input.body, attachment)
                    .await
                    .gql()?;
                Ok(Message(sent))
            },
            |sent| sent.0.id,
        )
        .await
    }

    /// Moves your read marker up to a message (never back); returns how many are left unread.
    async fn mark_conversation_read(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
        up_to: ID,
    ) -> async_graphql::Result<i64> {
        let s = ctx.services();
        let conversation = expect_id(&conversation_id, "Conversation", "conversationId")?;
        let message = expect_id(&up_to, "Message", "upTo")?;
        s.messaging
            .mark_read(&s.db, ctx.actor()?, conversation, message)
            .await
            .gql()
    }

    /// Marks these notifications read, or all of yours without `ids`; returns how many changed.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<u64> {
        let s = ctx.services();
        let ids = ids
            .map(|ids| {
                ids.iter()
                    .map(|id| expect_id(id, "Notification", "ids"))
                    .collect::<async_graphql::Result<Vec<_>>>()
            })
            .transpose()?;
        s.messaging
            .mark_notifications_read(&s.db, ctx.actor()?, ids.as_deref())
            .await
            .gql()
    }

    async fn set_notification_setting(
        &self,
        ctx: &Context<'_>,
        topic: String,
        inbox: bool,
        push: bool,
    ) -> async_graphql::Result<NotificationSetting> {
        let s = ctx.services();
        let saved = s
            .messaging
            .set_notification_setting(&s.db, ctx.actor()?, &topic, inbox, push)
            .await
            .gql()?;
        Ok(saved.into())
    }

    /// Registers this device for push; a token already registered moves to you.
    async fn register_push_token(
        &self,
        ctx: &Context<'_>,
        platform: PushPlatform,
        token: String,
    ) -> async_graphql::Result<PushToken> {
        let s = ctx.services();
        let saved = s
            .messaging
            .register_push_token(&s.db, ctx.actor()?, platform.into(), &token)
            .await
            .gql()?;
        Ok(saved.into())
    }

    /// Stops pushing to this device; false when it was not registered to you.
    async fn remove_push_token(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<bool> {
        let s = ctx.services();
        s.messaging
            .remove_push_token(&s.db, ctx.actor()?, &token)
            .await
            .gql()
    }
}
