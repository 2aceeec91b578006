//! Messages (MS1): written and read by a conversation's participants, with an optional
//! attachment of the author's own upload; read markers that only move forward; unread counts.

use std::collections::{HashMap, HashSet};

use commons_core::db::Conn;
use commons_core::media;
use commons_core::outbox;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, tenant, text};
use commons_orgs::service::access::{active_writer, signed_in};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::Messaging;
use crate::conversations::{joined, load, still_in};
use crate::entity::{conversation, message, participant};
use crate::error::Error;
use crate::events::MessageCreated;

const MAX_BODY: usize = 10_000;

/// A new message and the people who may receive it live.
#[derive(Clone, Debug)]
pub struct LiveMessage {
    pub message: Message,
    pub recipients: HashSet<Uuid>,
}

/// One message in a conversation: the row as stored, none of which participants may not see.
pub type Message = message::Model;

impl Messaging {
    /// Writes a message in a conversation the actor is in. The body may be empty only when a
    /// file the actor uploaded is attached. The other participants hear of it through the
    /// `message.created` event.
    pub async fn send_message<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_id: Uuid,
        body: &str,
        attachment_id: Option<Uuid>,
    ) -> Result<Message, Error> {
        let body = match attachment_id {
            Some(_) => text::optional("body", Some(body), MAX_BODY)?.unwrap_or_default(),
            None => text::required("body", body, MAX_BODY)?,
        };
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        joined(&tx, actor, conversation_id, me).await?;
        if let Some(attachment_id) = attachment_id {
            let own = media::Entity::find_by_id(attachment_id)
                .one(&tx)
                .await?
                .is_some_and(|m| m.uploader_id == me);
            if !own {
                return Err(Error::invalid("attachmentId", "attach a file you uploaded"));
            }
        }
        let saved = message::Model {
            id: commons_core::id::new(),
            conversation_id,
            author_id: me,
            body,
            attachment_id,
            created_at: now,
        };
        message::Entity::insert(message::ActiveModel {
            id: Set(saved.id),
            conversation_id: Set(saved.conversation_id),
            author_id: Set(saved.author_id),
            body: Set(saved.body.clone()),
            attachment_id: Set(saved.attachment_id),
            created_at: Set(saved.created_at),
        })
        .exec_without_returning(&tx)
        .await?;
        // Never backwards: a message sent a moment earlier may commit a moment later.
        conversation::Entity::update_many()
            .col_expr(conversation::Column::LastMessageAt, Expr::value(now))
            .col_expr(conversation::Column::ActivityAt, Expr::value(now))
            .filter(conversation::Column::Id.eq(conversation_id))
            .filter(conversation::Column::ActivityAt.lte(now))
            .exec(&tx)
            .await?;
        let event = MessageCreated {
            conversation: conversation_id,
            message: saved.id,
            author: me,
        };
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// A conversation's messages, newest first, for its participants.
    pub async fn messages<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Message>, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        joined(&tx, actor, conversation_id, me).await?;
        let found = page::fetch(
            &tx,
            message::Entity::find().filter(message::Column::ConversationId.eq(conversation_id)),
            Keyset::newest_first(message::Column::Id),
            page,
            |m| Cursor::by_id(m.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// One message, if the actor is in its conversation now (live subscriptions ask this
    /// before passing a message on, so people who left stop receiving them).
    pub async fn message<C: Conn>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<Option<Message>, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let found = message::Entity::find_by_id(id).one(&tx).await?;
        let visible = match found {
            Some(m) => match joined(&tx, actor, m.conversation_id, me).await {
                Ok(_) => Some(m),
                Err(Error::ConversationNotFound) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        tx.commit().await?;
        Ok(visible)
    }

    /// The messages of `ids` in conversations the actor is (still) in.
    pub async fn messages_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<Message>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = message::Entity::find()
            .filter(message::Column::Id.is_in(ids.iter().copied()))
            .filter(message::Column::ConversationId.in_subquery(crate::conversations::mine(me)))
            .all(&tx)
            .await?;
        tx.commit().await?;
        let conversations: Vec<Uuid> = found.iter().map(|m| m.conversation_id).collect();
        let still_in: std::collections::HashSet<Uuid> = self
            .conversations_by_ids(db, actor, &conversations)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        Ok(found
            .into_iter()
            .filter(|m| still_in.contains(&m.conversation_id))
            .collect())
    }

    /// Moves the actor's read marker up to `up_to` (a message of the conversation) and says
    /// how many messages by others are still unread. The marker never moves backwards: the
    /// update is conditional, so of concurrent calls the newest message wins.
    pub async fn mark_read<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_id: Uuid,
        up_to: Uuid,
    ) -> Result<i64, Error> {
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        joined(&tx, actor, conversation_id, me).await?;
        let in_conversation = message::Entity::find_by_id(up_to)
            .one(&tx)
            .await?
            .is_some_and(|m| m.conversation_id == conversation_id);
        if !in_conversation {
            return Err(Error::invalid("upTo", "no such message in this conversation"));
        }
        participant::Entity::update_many()
            .col_expr(participant::Column::LastReadMessageId, Expr::value(up_to))
            .filter(participant::Column::ConversationId.eq(conversation_id))
            .filter(participant::Column::UserId.eq(me))
            .filter(
                Condition::any()
                    .add(participant::Column::LastReadMessageId.is_null())
                    .add(participant::Column::LastReadMessageId.lt(up_to)),
            )
            .exec(&tx)
            .await?;
        let marker = participant::Entity::find_by_id((conversation_id, me))
            .one(&tx)
            .await?
            .and_then(|p| p.last_read_message_id);
        let mut unread = message::Entity::find()
            .filter(message::Column::ConversationId.eq(conversation_id))
            .filter(message::Column::AuthorId.ne(me));
        if let Some(marker) = marker {
            unread = unread.filter(message::Column::Id.gt(marker));
        }
        let left = unread.count(&tx).await?;
        tx.commit().await?;
        Ok(i64::try_from(left).unwrap_or(i64::MAX))
    }

    /// The newest message of each of these conversations the actor takes part in, in one
    /// query: what a list of conversations previews (a DataLoader).
    pub async fn last_messages<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Message>, Error> {
        let me = signed_in(actor)?;
        if conversation_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mine = Query::select()
            .column(participant::Column::ConversationId)
            .from(participant::Entity)
            .and_where(participant::Column::UserId.eq(me))
            .and_where(participant::Column::ConversationId.is_in(conversation_ids.iter().copied()))
            .to_owned();
        // Ids are time-ordered: the newest message has the conversation's greatest id, found on
        // the (conversation_id, id) index.
        let newer = Alias::new("newer");
        // (PostgreSQL has no max() of uuid: the newest by order, then.)
        let newest = Query::select()
            .column((newer.clone(), message::Column::Id))
            .from_as(message::Entity, newer.clone())
            .and_where(
                Expr::col((newer.clone(), message::Column::ConversationId))
                    .equals((message::Entity, message::Column::ConversationId)),
            )
            .order_by((newer, message::Column::Id), Order::Desc)
            .limit(1)
            .to_owned();
        let tx = tenant::read(db, actor).await?;
        let found = message::Entity::find()
            .filter(message::Column::ConversationId.in_subquery(mine))
            .filter(Expr::col((message::Entity, message::Column::Id)).in_subquery(newest))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.into_iter().map(|m| (m.conversation_id, m)).collect())
    }

    /// Unread counts (messages by others after the actor's marker) of many conversations in
    /// one query, for a DataLoader: every conversation the actor is in, zero included; others
    /// are absent.
    pub async fn unread_counts<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, i64>, Error> {
        let me = signed_in(actor)?;
        if conversation_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let (p, m) = (participant::Entity, message::Entity);
        let unread = Condition::all()
            .add(
                Expr::col((m, message::Column::ConversationId))
                    .equals((p, participant::Column::ConversationId)),
            )
            .add(Expr::col((m, message::Column::AuthorId)).ne(me))
            .add(
                Condition::any()
                    .add(Expr::col((p, participant::Column::LastReadMessageId)).is_null())
                    .add(
                        Expr::col((m, message::Column::Id))
                            .gt(Expr::col((p, participant::Column::LastReadMessageId))),
                    ),
            );
        let query = Query::select()
            .column((p, participant::Column::ConversationId))
            .expr_as(Expr::col((m, message::Column::Id)).count(), "unread")
            .from(p)
            .left_join(m, unread)
            .and_where(Expr::col((p, participant::Column::UserId)).eq(me))
            .and_where(
                Expr::col((p, participant::Column::ConversationId)).is_in(conversation_ids.iter().copied()),
            )
            .group_by_col((p, participant::Column::ConversationId))
            .to_owned();
        let tx = tenant::read(db, actor).await?;
        let rows = tx.query_all(&query).await?;
        tx.commit().await?;
        let mut counts = HashMap::with_capacity(rows.len());
        for row in rows {
            let id: Uuid = row.try_get("", "conversation_id")?;
            let unread: i64 = row.try_get("", "unread")?;
            counts.insert(id, unread);
        }
        Ok(counts)
    }
}

/// A `message.created` event as live subscribers receive it: the message and who may have it,
/// read once (as the system) for every subscriber of a process.
pub(crate) async fn prepare_live<C: Conn>(
    db: &C,
    event: &outbox::Model,
) -> Result<Option<LiveMessage>, Error> {
    let Some(created) = event.decode::<MessageCreated>() else {
        return Ok(None);
    };
    let tx = tenant::read(db, &Actor::System).await?;
    let Some(found) = message::Entity::find_by_id(created.message).one(&tx).await? else {
        tx.commit().await?;
        return Ok(None);
    };
    let conversation = load(&tx, found.conversation_id).await?;
    let people: Vec<Uuid> = participant::Entity::find()
        .filter(participant::Column::ConversationId.eq(conversation.id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    let recipients = still_in(&tx, &Actor::System, &conversation, &people).await?;
    tx.commit().await?;
    Ok(Some(LiveMessage {
        message: found,
        recipients,
    }))
}
