//! Notifications (MS2): the outbox handler that fills people's inboxes, the catch-up for
//! events no process handled, and reading and marking the inbox.
//!
//! The handler records the event (`outbox::handle_once`) in the transaction that writes the
//! notifications, so an event is handled exactly once however often and by however many
//! processes it is delivered; a unique index on (event, recipient) backs that up. Push goes
//! out after commit, so a slow or failing push service never holds or undoes the inbox.

use std::collections::{HashMap, HashSet};

use commons_core::db::Conn;
use commons_core::outbox::{self, NewEvent, handled};
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use commons_identity::entity::user::{self, UserStatus};
use commons_orgs::service::access::{active_writer, signed_in};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession,
};
use uuid::Uuid;

use crate::devices::PushToken;
use crate::entity::{notification, push_token};
use crate::error::Error;
use crate::{Messaging, TOPICS, notify, settings};

/// The handler's name in `outbox_handled`.
pub const HANDLER: &str = "notifications";
/// At most this many events per catch-up run.
pub const MAX_PENDING_BATCH: u64 = 1000;
/// At most this many ids per call to mark read.
const MAX_IDS: usize = 1000;

/// Something a person should hear about, in their inbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: Uuid,
    /// The recipient.
    pub user_id: Uuid,
    /// One of [`crate::TOPICS`].
    pub topic: String,
    /// What it is about: a resource, a conversation, an invite, a person.
    pub subject_id: Option<Uuid>,
    /// Who did it, when a person did.
    pub actor_id: Option<Uuid>,
    /// A short sentence: `ann commented on “Spring cleanup”`.
    pub summary: String,
    /// The event's payload, for clients that link to what it is about.
    pub payload: serde_json::Value,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

impl From<notification::Model> for Notification {
    fn from(m: notification::Model) -> Notification {
        Notification {
            id: m.id,
            user_id: m.user_id,
            topic: m.topic,
            subject_id: m.subject_id,
            actor_id: m.actor_id,
            summary: m.summary,
            payload: m.payload,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

impl Messaging {
    /// The outbox handler: tells the people `event` concerns, as their settings allow, and
    /// pushes to their devices after commit. Handling the same event again (a redelivery, a
    /// second process) changes nothing and returns no notifications.
    pub async fn notify<C: Conn>(&self, db: &C, event: &outbox::Model) -> Result<Vec<Notification>, Error> {
        Ok(self.handle(db, event).await?.unwrap_or_default())
    }

    /// Durable catch-up: up to `limit` (at most [`MAX_PENDING_BATCH`]) events this handler
    /// has not handled, oldest first, each through [`Messaging::notify`]. Returns how many it
    /// handled; a process that lost the race for an event does not count it.
    pub async fn notify_pending<C: Conn>(&self, db: &C, limit: u64) -> Result<usize, Error> {
        let done = Query::select()
            .expr(Expr::val(1))
            .from(handled::Entity)
            .and_where(Expr::col((handled::Entity, handled::Column::Handler)).eq(HANDLER))
            .and_where(
                Expr::col((handled::Entity, handled::Column::EventId))
                    .equals((outbox::Entity, outbox::Column::Id)),
            )
            .to_owned();
        let tx = tenant::read(db, &Actor::System).await?;
        let pending = outbox::Entity::find()
            .filter(outbox::Column::Topic.is_in(TOPICS.iter().copied()))
            .filter(Expr::exists(done).not())
            .order_by_asc(outbox::Column::CreatedAt)
            .order_by_asc(outbox::Column::Id)
            .limit(Ord::min(limit, MAX_PENDING_BATCH))
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut handled = 0;
        for event in &pending {
            // One event that keeps failing must not hold back the ones behind it.
            match self.handle(db, event).await {
                Ok(Some(_)) => handled += 1,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, event = %event.id, "notifying failed; retried at the next catch-up")
                }
            }
        }
        Ok(handled)
    }

    /// The actor's notifications, newest first; only the unread ones when asked.
    pub async fn notifications<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        unread_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Notification>, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let mut query = notification::Entity::find().filter(notification::Column::UserId.eq(me));
        if unread_only {
            query = query.filter(notification::Column::ReadAt.is_null());
        }
        let found = page::fetch(
            &tx,
            query,
            Keyset::newest_first(notification::Column::Id),
            page,
            |n| Cursor::by_id(n.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found.map(Notification::from))
    }

    /// One notification, for its recipient only.
    pub async fn notification<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Option<Notification>, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let found = notification::Entity::find_by_id(id)
            .filter(notification::Column::UserId.eq(me))
            .one(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.map(Notification::from))
    }

    /// Marks the actor's notifications read: those in `ids`, or all with `None`. Returns how
    /// many were unread; others' ids and already read ones are left alone.
    pub async fn mark_notifications_read<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: Option<&[Uuid]>,
    ) -> Result<u64, Error> {
        if let Some(ids) = ids {
            if ids.len() > MAX_IDS {
                return Err(Error::invalid(
                    "ids",
                    format!("mark at most {MAX_IDS} notifications at a time"),
                ));
            }
            if ids.is_empty() {
                return Ok(0);
            }
        }
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(now))
            .filter(notification::Column::UserId.eq(me))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(ids) = ids {
            update = update.filter(notification::Column::Id.is_in(ids.iter().copied()));
        }
        let marked = update.exec(&tx).await?.rows_affected;
        tx.commit().await?;
        Ok(marked)
    }

    /// How many of the actor's notifications are unread: the badge.
    pub async fn unread_notification_count<C: Conn>(&self, db: &C, actor: &Actor) -> Result<i64, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let count = notification::Entity::find()
            .filter(notification::Column::UserId.eq(me))
            .filter(notification::Column::ReadAt.is_null())
            .count(&tx)
            .await?;
        tx.commit().await?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }

    /// [`Messaging::notify`], saying whether this call handled the event (`None`: it had
    /// been handled already).
    async fn handle<C: Conn>(
        &self,
        db: &C,
        event: &outbox::Model,
    ) -> Result<Option<Vec<Notification>>, Error> {
        // Other topics concern nobody's inbox: no transaction, and the catch-up skips them.
        if !TOPICS.contains(&event.topic.as_str()) {
            return Ok(None);
        }
        let now = self.now();
        // The handler reads across people and organizations: it acts as the platform.
        let tx = tenant::write(db, &Actor::System).await?;
        if !outbox::handle_once(&tx, HANDLER, event.id, now).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let told = notify::recipients(&tx, event).await?;
        let mut recipients = told.people;
        if let Some(resource) = told.must_see {
            // Asked on `db`, outside this transaction, which acts as the system.
            let mut seeing = Vec::new();
            for r in recipients {
                let person = Actor::User {
                    id: r.user_id,
                    platform_role: commons_core::PlatformRole::User,
                    scopes: None,
                    session: None,
                };
                if self.resources.may_see(db, &person, &resource).await? {
                    seeing.push(r);
                }
            }
            recipients = seeing;
        }
        if event.topic == "reaction.changed" {
            // Someone toggling a reaction on and off tells its creator once, until read.
            let told = unread_alike(&tx, event, &recipients).await?;
            recipients.retain(|r| !told.contains(&r.user_id));
        }
        let ids: Vec<Uuid> = recipients.iter().map(|r| r.user_id).collect();
        let reachable = reachable(&tx, &ids).await?;
        let chosen = settings::for_topic(&tx, &event.topic, &ids).await?;
        let created: Vec<notification::Model> = recipients
            .into_iter()
            .filter(|r| reachable.contains(&r.user_id))
            .filter(|r| chosen.get(&r.user_id).is_none_or(|s| s.inbox))
            .map(|r| notification::Model {
                id: commons_core::id::new(),
                user_id: r.user_id,
                event_id: event.id,
                topic: event.topic.clone(),
                subject_id: event.subject_id,
                actor_id: event.actor_id,
                summary: clip(r.summary),
                payload: event.payload.clone(),
                created_at: now,
                read_at: None,
            })
            .collect();
        // In chunks: a large group's message stays under the databases' parameter limits.
        for chunk in created.chunks(INSERT_CHUNK) {
            notification::Entity::insert_many(chunk.iter().cloned().map(active))
                .exec_without_returning(&tx)
                .await?;
        }
        for n in &created {
            let appended = outbox::append(
                &tx,
                &Actor::System,
                NewEvent::new(
                    "notification.created",
                    serde_json::json!({ "notification": n.id }),
                )
                .about(n.user_id),
                now,
            )
            .await?;
            // Nothing for this handler to do about its own events; recording that keeps them
            // out of the catch-up.
            outbox::handle_once(&tx, HANDLER, appended, now).await?;
        }
        let pushed: Vec<Uuid> = created
            .iter()
            .map(|n| n.user_id)
            .filter(|id| chosen.get(id).is_none_or(|s| s.push))
            .collect();
        let tokens = tokens_of(&tx, &pushed).await?;
        tx.commit().await?;
        let created: Vec<Notification> = created.into_iter().map(Notification::from).collect();
        self.push(&tokens, &created).await;
        Ok(Some(created))
    }

    /// Pushes each notification to its recipient's devices. Failures are logged: the inbox
    /// has it either way.
    async fn push(&self, tokens: &HashMap<Uuid, Vec<PushToken>>, created: &[Notification]) {
        for n in created {
            for token in tokens.get(&n.user_id).into_iter().flatten() {
                if let Err(e) = self.provider.deliver(token, n).await {
                    tracing::warn!(
                        error = %e,
                        notification = %n.id,
                        device = %token.id,
                        "push delivery failed"
                    );
                }
            }
        }
    }
}

/// Of the recipients, those with an unread notification of the same topic, subject and actor.
async fn unread_alike(
    tx: &impl ConnectionTrait,
    event: &outbox::Model,
    recipients: &[notify::Recipient],
) -> Result<HashSet<Uuid>, Error> {
    let (Some(subject), Some(actor)) = (event.subject_id, event.actor_id) else {
        return Ok(HashSet::new());
    };
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.is_in(recipients.iter().map(|r| r.user_id)))
        .filter(notification::Column::Topic.eq(event.topic.as_str()))
        .filter(notification::Column::SubjectId.eq(subject))
        .filter(notification::Column::ActorId.eq(actor))
        .filter(notification::Column::ReadAt.is_null())
        .all(tx)
        .await?
        .into_iter()
        .map(|n| n.user_id)
        .collect())
}

/// Notifications inserted per statement.
const INSERT_CHUNK: usize = 500;

/// The longest summary kept (the column's length).
const MAX_SUMMARY: usize = 500;

/// `summary`, cut to fit with an ellipsis (a rejection's reason can be long).
fn clip(summary: String) -> String {
    if summary.chars().count() <= MAX_SUMMARY {
        return summary;
    }
    let mut cut: String = summary.chars().take(MAX_SUMMARY - 1).collect();
    cut.push('…');
    cut
}

fn active(m: notification::Model) -> notification::ActiveModel {
    notification::ActiveModel {
        id: Set(m.id),
        user_id: Set(m.user_id),
        event_id: Set(m.event_id),
        topic: Set(m.topic),
        subject_id: Set(m.subject_id),
        actor_id: Set(m.actor_id),
        summary: Set(m.summary),
        payload: Set(m.payload),
        created_at: Set(m.created_at),
        read_at: Set(m.read_at),
    }
}

/// Those of `ids` with an account that is not blocked (a deleted account has no inbox).
async fn reachable(tx: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashSet<Uuid>, Error> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .filter(user::Column::Status.ne(UserStatus::Blocked))
        .into_tuple::<Uuid>()
        .all(tx)
        .await?
        .into_iter()
        .collect())
}

/// The devices of each of `user_ids`.
async fn tokens_of(
    tx: &impl ConnectionTrait,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<PushToken>>, Error> {
    let mut found: HashMap<Uuid, Vec<PushToken>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(found);
    }
    let rows = push_token::Entity::find()
        .filter(push_token::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(push_token::Column::Id)
        .all(tx)
        .await?;
    for row in rows {
        found.entry(row.user_id).or_default().push(row.into());
    }
    Ok(found)
}
