//! Conversations (MS1): private ones between two people and groups, their participants, and
//! which of them an actor is in.
//!
//! A private conversation's ordered pair of ids is a unique key, so starting it again (from
//! either side, even at the same moment) finds the one row. A group tied to a department
//! admits members of the department's organization only.

use std::collections::{HashMap, HashSet};

use commons_core::db::Conn;
use commons_core::page::{self, Keyset, SortKey};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant, text};
use commons_identity::entity::user::{self, UserStatus};
use commons_orgs::Role;
use commons_orgs::entity::{department, membership};
use commons_orgs::service::access::{access_in, active_writer, signed_in};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Iterable, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Messaging;
use crate::entity::conversation::{self, ConversationKind};
use crate::entity::message;
use crate::entity::participant::{self, ParticipantRole};
use crate::error::Error;

/// At most this many people are named in one call (starting a group, adding to it).
pub const MAX_PEOPLE_PER_CALL: usize = 200;
const MAX_TITLE: usize = 200;

/// What starting a conversation takes.
#[derive(Clone, Debug)]
pub struct NewConversation {
    pub kind: ConversationKind,
    /// Required for groups; private conversations have none.
    pub title: Option<String>,
    /// The other people: exactly one for a private conversation. The starter may be listed.
    pub member_ids: Vec<Uuid>,
    /// Ties a group to a department: only its organization's members may be in it.
    pub department_id: Option<Uuid>,
}

/// A conversation as its participants see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub id: Uuid,
    pub kind: ConversationKind,
    pub title: Option<String>,
    pub department_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub last_message_at: Option<Timestamp>,
}

impl From<conversation::Model> for Conversation {
    fn from(m: conversation::Model) -> Conversation {
        Conversation {
            id: m.id,
            kind: m.kind,
            title: m.title,
            department_id: m.department_id,
            created_by: m.created_by,
            created_at: m.created_at,
            last_message_at: m.last_message_at,
        }
    }
}

/// Someone in a conversation, with how far they have read: the row as stored.
pub type Participant = participant::Model;

impl Messaging {
    /// Starts a conversation with the actor in it. A private conversation that already exists
    /// between the two is returned (and whoever had left it is back in); a group is always new.
    pub async fn start_conversation<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: NewConversation,
    ) -> Result<Conversation, Error> {
        let title = match input.kind {
            ConversationKind::Group => Some(text::required(
                "title",
                input.title.as_deref().unwrap_or_default(),
                MAX_TITLE,
            )?),
            ConversationKind::Private => {
                if text::optional("title", input.title.as_deref(), MAX_TITLE)?.is_some() {
                    return Err(Error::invalid("title", "a private conversation has no title"));
                }
                if input.department_id.is_some() {
                    return Err(Error::invalid(
                        "departmentId",
                        "only group conversations belong to a department",
                    ));
                }
                None
            }
        };
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let others = people(&input.member_ids, me, "memberIds")?;
        require_active_users(&tx, &others, "memberIds").await?;
        let found = match input.kind {
            ConversationKind::Private => private(&tx, actor, me, &others, now).await?,
            ConversationKind::Group => {
                let org_id = match input.department_id {
                    Some(department_id) => Some(department_org(&tx, actor, department_id).await?),
                    None => None,
                };
                if let Some(org_id) = org_id {
                    require_org_members(&tx, actor, org_id, &others, "memberIds").await?;
                }
                let id = commons_core::id::new();
                let created = conversation::ActiveModel {
                    id: Set(id),
                    kind: Set(ConversationKind::Group),
                    title: Set(title),
                    department_id: Set(input.department_id),
                    pair_key: Set(None),
                    created_by: Set(me),
                    created_at: Set(now),
                    last_message_at: Set(None),
                    activity_at: Set(now),
                    linked_to: Set(None),
                };
                conversation::Entity::insert(created)
                    .exec_without_returning(&tx)
                    .await?;
                join(&tx, actor, id, &[me], ParticipantRole::Owner, now).await?;
                join(&tx, actor, id, &others, ParticipantRole::Member, now).await?;
                load(&tx, id).await?
            }
        };
        tx.commit().await?;
        Ok(found.into())
    }

    /// Adds people to a group the actor is in. People already in it are left as they are.
    pub async fn add_participants<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_id: Uuid,
        user_ids: &[Uuid],
    ) -> Result<Conversation, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let found = joined(&tx, actor, conversation_id, me).await?;
        if found.kind != ConversationKind::Group {
            return Err(Error::Conflict(
                "a private conversation stays between two people; start a group instead",
            ));
        }
        if let Some(linked_to) = &found.linked_to {
            return Err(Error::Linked(linked_to.clone()));
        }
        let added = people(user_ids, me, "userIds")?;
        require_active_users(&tx, &added, "userIds").await?;
        if let Some(department_id) = found.department_id {
            let org_id = org_of(&tx, actor, department_id).await?;
            if let Some(org_id) = org_id {
                require_org_members(&tx, actor, org_id, &added, "userIds").await?;
            }
        }
        join(&tx, actor, conversation_id, &added, ParticipantRole::Member, now).await?;
        tx.commit().await?;
        Ok(found.into())
    }

    /// Takes the actor out of a conversation: they no longer see it or hear of its messages.
    pub async fn leave_conversation<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_id: Uuid,
    ) -> Result<(), Error> {
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let left = participant::Entity::delete_many()
            .filter(participant::Column::ConversationId.eq(conversation_id))
            .filter(participant::Column::UserId.eq(me))
            .exec(&tx)
            .await?
            .rows_affected;
        if left == 0 {
            return Err(Error::ConversationNotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// A conversation the actor is in; `None` for any other.
    pub async fn conversation<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Option<Conversation>, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let found = match joined(&tx, actor, id, me).await {
            Ok(found) => Some(found.into()),
            Err(Error::ConversationNotFound) => None,
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(found)
    }

    /// The conversations of `ids` the actor is in (and may still take part in).
    pub async fn conversations_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<Conversation>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = conversation::Entity::find()
            .filter(conversation::Column::Id.is_in(ids.iter().copied()))
            .filter(conversation::Column::Id.in_subquery(mine(me)))
            .filter(still_member(me))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.into_iter().map(Conversation::from).collect())
    }

    /// The actor's conversations, the most recently active first.
    pub async fn conversations<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<Conversation>, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let query = conversation::Entity::find()
            .filter(conversation::Column::Id.in_subquery(mine(me)))
            .filter(still_member(me));
        let order = Keyset {
            key: Some(conversation::Column::ActivityAt),
            id: conversation::Column::Id,
            descending: true,
        };
        let found = page::fetch(&tx, query, order, page, |c| Cursor {
            key: Some(SortKey::Time(c.activity_at)),
            id: c.id,
        })
        .await?;
        tx.commit().await?;
        Ok(found.map(Conversation::from))
    }

    /// The participants of many conversations in one query, for a DataLoader: only of those
    /// the actor is in (others are absent from the map).
    pub async fn participants<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        conversation_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Participant>>, Error> {
        let me = signed_in(actor)?;
        if conversation_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let tx = tenant::read(db, actor).await?;
        let rows = participant::Entity::find()
            .filter(participant::Column::ConversationId.is_in(conversation_ids.iter().copied()))
            .filter(participant::Column::ConversationId.in_subquery(mine(me)))
            .order_by_asc(participant::Column::JoinedAt)
            .order_by_asc(participant::Column::UserId)
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut found: HashMap<Uuid, Vec<Participant>> = HashMap::new();
        for row in rows {
            found.entry(row.conversation_id).or_default().push(row);
        }
        Ok(found)
    }
}

/// `SELECT conversation_id FROM conversation_participants WHERE user_id = me`.
pub(crate) fn mine(me: Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(participant::Column::ConversationId)
        .from(participant::Entity)
        .and_where(participant::Column::UserId.eq(me))
        .to_owned()
}

/// The conversation `id` if `user_id` is in it; otherwise it does not exist for them.
pub(crate) async fn joined(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    user_id: Uuid,
) -> Result<conversation::Model, Error> {
    let is_in = participant::Entity::find_by_id((id, user_id))
        .one(tx)
        .await?
        .is_some();
    if !is_in {
        return Err(Error::ConversationNotFound);
    }
    let found = load(tx, id).await?;
    if !still_in(tx, actor, &found, &[user_id]).await?.contains(&user_id) {
        return Err(Error::ConversationNotFound);
    }
    Ok(found)
}

/// Of `people` (participants of `conversation`), those who may still take part in it.
pub(crate) async fn still_in(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    conversation: &conversation::Model,
    people: &[Uuid],
) -> Result<HashSet<Uuid>, Error> {
    // Someone who left the organization is out of its departments' conversations too, checked
    // on every use rather than trusted from the day they joined.
    let Some(department_id) = conversation.department_id else {
        return Ok(people.iter().copied().collect());
    };
    match org_of(tx, actor, department_id).await? {
        Some(org_id) => org_members_among(tx, actor, org_id, people).await,
        None => Ok(HashSet::new()),
    }
}

/// The departments of the organizations `user_id` is a member of: whose conversations they may
/// still take part in (as [`still_in`] checks one by one).
/// Conversations `me` may still take part in: not tied to a department, or tied to one of
/// an organization `me` is still a member of.
fn still_member(me: Uuid) -> Condition {
    Condition::any()
        .add(conversation::Column::DepartmentId.is_null())
        .add(conversation::Column::DepartmentId.in_subquery(member_departments(me)))
}

fn member_departments(user_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    let member_roles: Vec<String> = Role::iter()
        .filter(|r| r.is_member())
        .map(|r| r.to_value())
        .collect();
    Query::select()
        .column((department::Entity, department::Column::Id))
        .from(department::Entity)
        .inner_join(
            membership::Entity,
            Expr::col((membership::Entity, membership::Column::OrgId))
                .equals((department::Entity, department::Column::OrgId)),
        )
        .and_where(Expr::col((membership::Entity, membership::Column::UserId)).eq(user_id))
        .and_where(Expr::col((membership::Entity, membership::Column::Role)).is_in(member_roles))
        .to_owned()
}

pub(crate) async fn load(tx: &impl ConnectionTrait, id: Uuid) -> Result<conversation::Model, Error> {
    conversation::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(Error::ConversationNotFound)
}

/// The people named, without repeats and without the actor, within the per-call bound.
fn people(ids: &[Uuid], me: Uuid, field: &'static str) -> Result<Vec<Uuid>, Error> {
    let mut seen = HashSet::new();
    let people: Vec<Uuid> = ids
        .iter()
        .copied()
        .filter(|id| *id != me && seen.insert(*id))
        .collect();
    if people.len() > MAX_PEOPLE_PER_CALL {
        return Err(Error::invalid(
            field,
            format!("name at most {MAX_PEOPLE_PER_CALL} people at a time"),
        ));
    }
    Ok(people)
}

/// Everyone named has an account that may take part (not pending, rejected or blocked).
async fn require_active_users(
    tx: &impl ConnectionTrait,
    ids: &[Uuid],
    field: &'static str,
) -> Result<(), Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let active = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .filter(user::Column::Status.eq(UserStatus::Active))
        .into_tuple::<Uuid>()
        .all(tx)
        .await?;
    if active.len() != ids.len() {
        return Err(Error::invalid(
            field,
            "someone named is not a person who can take part",
        ));
    }
    Ok(())
}

/// The private conversation of `me` and the one other person, made if it is not there yet.
async fn private(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    me: Uuid,
    others: &[Uuid],
    now: Timestamp,
) -> Result<conversation::Model, Error> {
    let [other] = others else {
        return Err(Error::invalid(
            "memberIds",
            "a private conversation is between you and exactly one other person",
        ));
    };
    let (low, high) = if me < *other { (me, *other) } else { (*other, me) };
    let key = format!("{low}:{high}");
    // The unique pair key decides: of two starts at once, one inserts and the other finds it.
    conversation::Entity::insert(conversation::ActiveModel {
        id: Set(commons_core::id::new()),
        kind: Set(ConversationKind::Private),
        title: Set(None),
        department_id: Set(None),
        pair_key: Set(Some(key.clone())),
        created_by: Set(me),
        created_at: Set(now),
        last_message_at: Set(None),
        activity_at: Set(now),
        linked_to: Set(None),
    })
    .on_conflict(
        OnConflict::column(conversation::Column::PairKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    let found = conversation::Entity::find()
        .filter(conversation::Column::PairKey.eq(key))
        .one(tx)
        .await?
        .ok_or(Error::Conflict(
            "the conversation could not be started; try again",
        ))?;
    join(tx, actor, found.id, &[low, high], ParticipantRole::Member, now).await?;
    Ok(found)
}

/// Puts people in a conversation (those already in stay as they are), their read marker at
/// its newest message: what was said before they joined is there to read, not unread.
///
/// Written as the system, once the caller has decided who may join: on PostgreSQL someone
/// joining (or adding themselves, as an initiative's chat does) does not see the
/// conversation's messages yet, nor may a row name someone else before the actor is in.
pub(crate) async fn join(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    conversation_id: Uuid,
    user_ids: &[Uuid],
    role: ParticipantRole,
    now: Timestamp,
) -> Result<(), Error> {
    if user_ids.is_empty() {
        return Ok(());
    }
    tenant::act_as(tx, &Actor::System).await?;
    let joined = insert_participants(tx, conversation_id, user_ids, role, now).await;
    tenant::act_as(tx, actor).await?;
    joined
}

async fn insert_participants(
    tx: &impl ConnectionTrait,
    conversation_id: Uuid,
    user_ids: &[Uuid],
    role: ParticipantRole,
    now: Timestamp,
) -> Result<(), Error> {
    let newest = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::ConversationId.eq(conversation_id))
        .order_by_desc(message::Column::Id)
        .into_tuple::<Uuid>()
        .one(tx)
        .await?;
    participant::Entity::insert_many(user_ids.iter().map(|user_id| participant::ActiveModel {
        conversation_id: Set(conversation_id),
        user_id: Set(*user_id),
        role: Set(role),
        joined_at: Set(now),
        last_read_message_id: Set(newest),
    }))
    .on_conflict(
        OnConflict::columns([participant::Column::ConversationId, participant::Column::UserId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// The organization of a department a new group is tied to, after checking the actor may
/// start its group chats: a member of the department, or a moderator (or more) of its
/// organization.
async fn department_org(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    department_id: Uuid,
) -> Result<Uuid, Error> {
    let org_id = org_of(tx, actor, department_id)
        .await?
        .ok_or_else(|| Error::invalid("departmentId", "no such department"))?;
    let access = access_in(tx, actor, org_id, Some(department_id)).await?;
    let may = access.platform_admin
        || access.department.is_some()
        || access.rank().is_some_and(|role| role >= Role::Moderator);
    if !may {
        return Err(Error::NotAllowed(
            "only the department's members and the organization's moderators start its group chats",
        ));
    }
    Ok(org_id)
}

/// A department's organization. Looked up as the system: on PostgreSQL people outside the
/// organization do not see its departments, and they are told no more than "no such
/// department" anyway.
async fn org_of(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    department_id: Uuid,
) -> Result<Option<Uuid>, Error> {
    tenant::act_as(tx, &Actor::System).await?;
    let found = department::Entity::find_by_id(department_id).one(tx).await;
    tenant::act_as(tx, actor).await?;
    Ok(found?.map(|d| d.org_id))
}

/// Everyone named is a member (role member or above) of the organization. Read as the
/// system: a participant need not be allowed to list the organization's members to be told
/// that someone is not one.
async fn require_org_members(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    org_id: Uuid,
    ids: &[Uuid],
    field: &'static str,
) -> Result<(), Error> {
    if org_members_among(tx, actor, org_id, ids).await?.len() != ids.len() {
        return Err(Error::invalid(
            field,
            "everyone in a department's conversation must be a member of its organization",
        ));
    }
    Ok(())
}

/// Those of `ids` who are members of the organization, read as the system.
async fn org_members_among(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    org_id: Uuid,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, Error> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    tenant::act_as(tx, &Actor::System).await?;
    let found = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::UserId.is_in(ids.iter().copied()))
        .all(tx)
        .await;
    tenant::act_as(tx, actor).await?;
    Ok(found?
        .into_iter()
        .filter(|m| m.role.is_member())
        .map(|m| m.user_id)
        .collect())
}
