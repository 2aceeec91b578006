//! Notifications (MS2): the outbox handler that fills people's inboxes, the catch-up for
//! events no process handled, and reading and marking the inbox.
//!
//! Whom an event concerns is the owning crate's rule (`commons_core::audience`); this module
//! delivers: it drops the one who acted, those whose account is blocked or gone, and those who
//! turned the topic off, then writes the inbox and pushes. The handler records each event
//! (`outbox::handle_once`) in the transaction that writes its notifications, so an event is
//! handled exactly once however often and by however many processes it is delivered; a unique
//! index on (event, recipient) backs that up. Events are handled in batches, many to a
//! transaction, so a burst of writes costs a few commits, not one each. Push goes out after
//! commit, so a slow or failing push service never holds or undoes the inbox.

use std::collections::{HashMap, HashSet};

use commons_core::audience::Notice;
use commons_core::db::Conn;
use commons_core::outbox::{self, handled};
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use commons_identity::entity::user::{self, UserStatus};
use commons_orgs::service::access::{active_writer, signed_in};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::devices::PushToken;
use crate::entity::{notification, push_token};
use crate::error::Error;
use crate::events::NotificationCreated;
use crate::{Messaging, settings};

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
    /// One of the topics the registered rules notify of (`Messaging::rules`).
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
    /// The outbox handler for one event: tells the people it concerns, as their settings
    /// allow, and pushes to their devices after commit. Handling the same event again (a
    /// redelivery, a second process) changes nothing and returns no notifications.
    pub async fn notify<C: Conn<Transaction = DatabaseTransaction>>(
        &self,
        db: &C,
        event: &outbox::Model,
    ) -> Result<Vec<Notification>, Error> {
        Ok(self.handle(db, &[event]).await?.notifications)
    }

    /// The handler for a batch of events, in one transaction. Events no rule notifies of cost
    /// nothing (no transaction when none is left). When the batch fails, each event is tried
    /// alone (see [`Messaging::handle_or_each`]).
    pub async fn notify_all<C: Conn<Transaction = DatabaseTransaction>>(
        &self,
        db: &C,
        events: &[&outbox::Model],
    ) -> Result<Vec<Notification>, Error> {
        Ok(self.handle_or_each(db, events).await?.notifications)
    }

    /// Durable catch-up: up to `limit` (at most [`MAX_PENDING_BATCH`]) events this handler
    /// has not handled, oldest first, handled as a batch. Returns how many it handled; a
    /// process that lost the race for an event does not count it.
    pub async fn notify_pending<C: Conn<Transaction = DatabaseTransaction>>(
        &self,
        db: &C,
        limit: u64,
    ) -> Result<usize, Error> {
        let done = Query::select()
            .expr(Expr::val(1))
            .from(handled::Entity)
            .and_where(Expr::col((handled::Entity, handled::Column::Handler)).eq(HANDLER))
            .and_where(
                Expr::col((handled::Entity, handled::Column::EventId))
                    .equals((outbox::Entity, outbox::Column::Id)),
            )
            .to_owned();
        let topics = self.rules.notified().iter().map(|t| t.topic);
        let tx = tenant::read(db, &Actor::System).await?;
        let pending = outbox::Entity::find()
            .filter(outbox::Column::Topic.is_in(topics))
            .filter(Expr::exists(done).not())
            .order_by_asc(outbox::Column::Position)
            .limit(Ord::min(limit, MAX_PENDING_BATCH))
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut handled = 0;
        for batch in pending.chunks(HANDLED_PER_TRANSACTION) {
            let batch: Vec<&outbox::Model> = batch.iter().collect();
            match self.handle_or_each(db, &batch).await {
                Ok(done) => handled += done.events,
                Err(e) => tracing::warn!(error = %e, "notifying failed; retried at the next catch-up"),
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
        signed_in(actor)?;
        Ok(self.notifications_by_ids(db, actor, &[id]).await?.pop())
    }

    /// The notifications of `ids` that are the actor's (others' do not exist for them).
    pub async fn notifications_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<Notification>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = notification::Entity::find()
            .filter(notification::Column::Id.is_in(ids.iter().copied()))
            .filter(notification::Column::UserId.eq(me))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.into_iter().map(Notification::from).collect())
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

    /// [`Messaging::handle`], and when the batch fails, each event in a transaction of its
    /// own, so one event that keeps failing does not hold back the others (it is logged, and
    /// the catch-up tries again).
    async fn handle_or_each<C: Conn<Transaction = DatabaseTransaction>>(
        &self,
        db: &C,
        events: &[&outbox::Model],
    ) -> Result<Handled, Error> {
        let e = match self.handle(db, events).await {
            Ok(done) => return Ok(done),
            Err(e) if events.len() == 1 => return Err(e),
            Err(e) => e,
        };
        tracing::warn!(error = %e, events = events.len(), "notifying a batch failed; trying each event alone");
        let mut all = Handled::default();
        for event in events {
            match self.handle(db, &[event]).await {
                Ok(done) => {
                    all.events += done.events;
                    all.notifications.extend(done.notifications);
                }
                Err(e) => {
                    tracing::warn!(error = %e, event = %event.id, "notifying failed; retried at the next catch-up")
                }
            }
        }
        Ok(all)
    }

    /// Handles `events` in one transaction: those no rule notifies of are skipped before it
    /// opens, those another call handled already are skipped inside it.
    async fn handle<C: Conn<Transaction = DatabaseTransaction>>(
        &self,
        db: &C,
        events: &[&outbox::Model],
    ) -> Result<Handled, Error> {
        let events: Vec<&outbox::Model> = events
            .iter()
            .copied()
            .filter(|e| self.rules.notifies(&e.topic))
            .collect();
        if events.is_empty() {
            return Ok(Handled::default());
        }
        let now = self.now();
        // The rules read across people and organizations: the handler acts as the platform.
        let tx = tenant::write(db, &Actor::System).await?;
        let mut handled = Handled::default();
        let mut chosen_push = HashSet::new();
        for event in events {
            if !outbox::handle_once(&tx, HANDLER, event.id, now).await? {
                continue;
            }
            handled.events += 1;
            let (created, pushed) = self.tell(&tx, event, now).await?;
            chosen_push.extend(pushed);
            handled.notifications.extend(created);
        }
        let announced: Vec<NotificationCreated> = handled
            .notifications
            .iter()
            .map(|n| NotificationCreated {
                notification: n.id,
                user: n.user_id,
            })
            .collect();
        outbox::append_all(&tx, &Actor::System, &announced, now).await?;
        let pushed: Vec<Uuid> = chosen_push.into_iter().collect();
        let tokens = tokens_of(&tx, &pushed).await?;
        tx.commit().await?;
        let pushing: Vec<&Notification> = handled
            .notifications
            .iter()
            .filter(|n| tokens.contains_key(&n.user_id))
            .collect();
        self.push(&tokens, &pushing).await;
        Ok(handled)
    }

    /// Writes the notifications of one event, as its rule and people's settings decide.
    /// Returns them, with the ids of the notifications to push.
    async fn tell(
        &self,
        tx: &DatabaseTransaction,
        event: &outbox::Model,
        now: Timestamp,
    ) -> Result<(Vec<Notification>, Vec<Uuid>), Error> {
        let Some(topic) = self.rules.notified_topic(&event.topic) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let audience = self.rules.audience(tx, event).await.map_err(Error::Rule)?;
        let mut seen = HashSet::new();
        let mut recipients: Vec<Notice> = audience
            .notices
            .into_iter()
            .filter(|n| audience.tells_actor || Some(n.user_id) != event.actor_id)
            .filter(|n| seen.insert(n.user_id))
            .collect();
        if audience.once_until_read {
            let told = unread_alike(tx, event, &recipients).await?;
            recipients.retain(|r| !told.contains(&r.user_id));
        }
        if recipients.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let ids: Vec<Uuid> = recipients.iter().map(|r| r.user_id).collect();
        let reachable = reachable(tx, &ids).await?;
        let chosen = settings::for_topic(tx, topic, &ids).await?;
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
                .exec_without_returning(tx)
                .await?;
        }
        let pushed = created
            .iter()
            .map(|n| n.user_id)
            .filter(|id| chosen.get(id).is_none_or(|s| s.push))
            .collect();
        Ok((created.into_iter().map(Notification::from).collect(), pushed))
    }

    /// Pushes each notification to its recipient's devices. Failures are logged: the inbox
    /// has it either way.
    async fn push(&self, tokens: &HashMap<Uuid, Vec<PushToken>>, created: &[&Notification]) {
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
    recipients: &[Notice],
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

/// What one transaction of the handler did.
#[derive(Debug, Default)]
struct Handled {
    /// Events handled here (not by another call before).
    events: usize,
    notifications: Vec<Notification>,
}

/// Events handled per catch-up transaction.
const HANDLED_PER_TRANSACTION: usize = 100;

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
