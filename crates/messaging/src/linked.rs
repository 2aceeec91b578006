//! Group conversations whose people another crate keeps: an initiative's chat follows who
//! joined the initiative (governance). These join the caller's transaction and check no one:
//! the caller has decided who belongs, in the transaction that changes it.

use commons_core::{Actor, Timestamp, text};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::conversations::{Conversation, join, load};
use crate::entity::conversation::{self, ConversationKind};
use crate::entity::participant::{self, ParticipantRole};
use crate::error::Error;

/// How many people one insert adds (an initiative may have thousands).
const CHUNK: usize = 500;

/// Starts a group titled `title` with `owner` and `members` in it, whose people `linked_to`
/// keeps (messaging's own "add people" refuses it).
pub async fn open_group(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    linked_to: &'static str,
    owner: Uuid,
    title: &str,
    members: &[Uuid],
    now: Timestamp,
) -> Result<Conversation, Error> {
    let title = text::required("title", title, 200)?;
    let id = commons_core::id::new();
    conversation::Entity::insert(conversation::ActiveModel {
        id: Set(id),
        kind: Set(ConversationKind::Group),
        title: Set(Some(title)),
        department_id: Set(None),
        pair_key: Set(None),
        created_by: Set(owner),
        created_at: Set(now),
        last_message_at: Set(None),
        activity_at: Set(now),
        linked_to: Set(Some(linked_to.to_owned())),
    })
    .exec_without_returning(tx)
    .await?;
    join(tx, actor, id, &[owner], ParticipantRole::Owner, now).await?;
    add(tx, actor, id, members, now).await?;
    Ok(load(tx, id).await?.into())
}

/// Adds `people` to the group (those in it already stay as they are).
pub async fn add(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    conversation_id: Uuid,
    people: &[Uuid],
    now: Timestamp,
) -> Result<(), Error> {
    for chunk in people.chunks(CHUNK) {
        join(tx, actor, conversation_id, chunk, ParticipantRole::Member, now).await?;
    }
    Ok(())
}

/// Takes `person` out of the group, unless they own it (whoever opened it stays).
pub async fn remove(tx: &impl ConnectionTrait, conversation_id: Uuid, person: Uuid) -> Result<(), Error> {
    participant::Entity::delete_many()
        .filter(participant::Column::ConversationId.eq(conversation_id))
        .filter(participant::Column::UserId.eq(person))
        .filter(participant::Column::Role.eq(ParticipantRole::Member))
        .exec(tx)
        .await?;
    Ok(())
}
