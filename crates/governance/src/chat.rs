//! An initiative's group chat (MS1). Its organizers open it; it holds whoever opened it and
//! everyone who joined, and from then on follows the initiative: joining adds a person,
//! leaving takes them out, in the same transaction. Messages, read markers and live updates
//! are messaging's, as for any group.

use std::collections::{HashMap, HashSet};

use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, tenant};
use commons_messaging::Conversation;
use commons_messaging::entity::{conversation, participant as chatter};
use commons_messaging::linked;
use commons_orgs::service::access::active_writer;
use commons_resources::entity::initiative;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::Governance;
use crate::entity::{initiative_chat, participant};
use crate::error::Error;

impl Governance {
    /// Opens the initiative's chat (its organizers) with everyone who joined; opening it
    /// again finds it.
    pub async fn open_initiative_chat<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        initiative_id: Uuid,
    ) -> Result<Conversation, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let seen = self.seen(&tx, actor, initiative_id).await?;
        self.require_organizer(
            &tx,
            actor,
            &seen.resource,
            "only the initiative's organizers open its chat",
        )
        .await?;
        // One chat per initiative: two organizers opening it at once take turns here.
        tenant::act_as(&tx, &Actor::System).await?;
        initiative::Entity::find_by_id(initiative_id)
            .lock_exclusive()
            .one(&tx)
            .await?;
        tenant::act_as(&tx, actor).await?;
        if let Some(chat) = chat_of(&tx, initiative_id).await? {
            linked::add(&tx, actor, chat, &[me], now).await?;
            let found = conversation::Entity::find_by_id(chat)
                .one(&tx)
                .await?
                .ok_or(Error::InitiativeNotFound)?;
            tx.commit().await?;
            return Ok(found.into());
        }
        let people: Vec<Uuid> = participant::Entity::find()
            .select_only()
            .column(participant::Column::UserId)
            .filter(participant::Column::InitiativeId.eq(initiative_id))
            .into_tuple()
            .all(&tx)
            .await?;
        let opened =
            linked::open_group(&tx, actor, "initiative", me, &seen.resource.title, &people, now).await?;
        initiative_chat::Entity::insert(initiative_chat::ActiveModel {
            initiative_id: Set(initiative_id),
            conversation_id: Set(opened.id),
            created_at: Set(now),
        })
        .exec_without_returning(&tx)
        .await?;
        tx.commit().await?;
        Ok(opened)
    }

    /// The chats of the initiatives of `ids` that the actor is in, by initiative.
    pub async fn chats_of<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Conversation>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        let tx = tenant::read(db, actor).await?;
        let chats = initiative_chat::Entity::find()
            .filter(initiative_chat::Column::InitiativeId.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let mine: HashSet<Uuid> = chatter::Entity::find()
            .select_only()
            .column(chatter::Column::ConversationId)
            .filter(chatter::Column::UserId.eq(me))
            .filter(chatter::Column::ConversationId.is_in(chats.iter().map(|c| c.conversation_id)))
            .into_tuple::<Uuid>()
            .all(&tx)
            .await?
            .into_iter()
            .collect();
        let mut conversations: HashMap<Uuid, conversation::Model> = conversation::Entity::find()
            .filter(conversation::Column::Id.is_in(mine.iter().copied()))
            .all(&tx)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        tx.commit().await?;
        Ok(chats
            .into_iter()
            .filter_map(|chat| {
                let found = conversations.remove(&chat.conversation_id)?;
                Some((chat.initiative_id, found.into()))
            })
            .collect())
    }
}

/// The chat of `initiative`, if it has one.
async fn chat_of(tx: &impl ConnectionTrait, initiative: Uuid) -> Result<Option<Uuid>, Error> {
    Ok(initiative_chat::Entity::find_by_id(initiative)
        .one(tx)
        .await?
        .map(|c| c.conversation_id))
}

/// Puts someone who just joined the initiative in its chat, if it has one.
pub(crate) async fn follow_join(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    initiative: Uuid,
    user: Uuid,
    now: Timestamp,
) -> Result<(), Error> {
    if let Some(chat) = chat_of(tx, initiative).await? {
        linked::add(tx, actor, chat, &[user], now).await?;
    }
    Ok(())
}

/// Takes someone who left the initiative out of its chat (its opener, an organizer, stays).
pub(crate) async fn follow_leave(
    tx: &impl ConnectionTrait,
    initiative: Uuid,
    user: Uuid,
) -> Result<(), Error> {
    if let Some(chat) = chat_of(tx, initiative).await? {
        linked::remove(tx, chat, user).await?;
    }
    Ok(())
}
