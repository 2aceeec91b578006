//! The transactional outbox (DESIGN.md section 3). A service appends domain events in its own
//! transaction, so an event exists exactly when the change it reports was committed. A
//! [`Dispatcher`] in every gateway process reads new events after commit and hands them to
//! in-process subscribers; handlers that must act once record the event id
//! ([`handle_once`]), so a redelivery changes nothing.
//!
//! Every process reads the one table, so an event written through one gateway reaches the
//! subscribers of every other. On PostgreSQL the appending transaction also sends
//! `NOTIFY commons_outbox` (delivered on commit), for listeners that want to wake at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseBackend, QueryOrder, Statement};
use tokio::sync::broadcast;

use crate::{Actor, Timestamp};

/// The PostgreSQL channel appends notify.
pub const CHANNEL: &str = "commons_outbox";

/// How far back in creation time each read looks. Longer than SQLite's busy timeout (10 s):
/// a service stamps its events before it waits for the write lock, so an event can commit that
/// much after its timestamp. Hosts' clocks must agree to well within it.
const WINDOW: Duration = Duration::from_secs(15);

/// How often a dispatcher woken by `LISTEN` still polls.
const LISTENING_POLL: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Dotted, past tense: `comment.created`, `event.registered`.
    pub topic: String,
    /// What the event is about (a resource, a conversation), for subscribers to filter on.
    pub subject_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub payload: Json,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a handler has already done: one row per handler and event.
pub mod handled {
    use sea_orm::entity::prelude::*;

    use crate::Timestamp;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_handled")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub handler: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        pub handled_at: Timestamp,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An event to append.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub topic: &'static str,
    pub subject_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(topic: &'static str, payload: serde_json::Value) -> NewEvent {
        NewEvent {
            topic,
            subject_id: None,
            org_id: None,
            payload,
        }
    }

    pub fn about(mut self, subject_id: Uuid) -> NewEvent {
        self.subject_id = Some(subject_id);
        self
    }

    pub fn in_org(mut self, org_id: Option<Uuid>) -> NewEvent {
        self.org_id = org_id;
        self
    }
}

/// A UUID an event's payload holds under `key`; `None` when absent, null or not a UUID.
pub fn payload_uuid(payload: &serde_json::Value, key: &str) -> Option<Uuid> {
    payload.get(key)?.as_str()?.parse().ok()
}

/// Appends `event` inside the caller's transaction; it is delivered after that commits.
pub async fn append(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    event: NewEvent,
    now: Timestamp,
) -> Result<Uuid, DbErr> {
    let id = crate::id::new();
    Entity::insert(ActiveModel {
        id: Set(id),
        topic: Set(event.topic.to_owned()),
        subject_id: Set(event.subject_id),
        org_id: Set(event.org_id),
        actor_id: Set(actor.user_id()),
        payload: Set(event.payload),
        created_at: Set(now),
    })
    .exec_without_returning(tx)
    .await?;
    if tx.get_database_backend() == DatabaseBackend::Postgres {
        tx.execute_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!("NOTIFY {CHANNEL}"),
        ))
        .await?;
    }
    Ok(id)
}

/// Records that `handler` has handled `event_id`; `false` when it already had, so the caller
/// skips the work. Call it in the transaction that does the work.
pub async fn handle_once(
    tx: &impl ConnectionTrait,
    handler: &str,
    event_id: Uuid,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let inserted = handled::Entity::insert(handled::ActiveModel {
        handler: Set(handler.to_owned()),
        event_id: Set(event_id),
        handled_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([handled::Column::Handler, handled::Column::EventId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    Ok(inserted == 1)
}

/// Deletes the events created before `cutoff`, with what handlers recorded of them, and says
/// how many events went. The outbox is a channel, not an archive: what matters to keep is in
/// the tables the events told of (and the audit log).
pub async fn prune(db: &impl ConnectionTrait, cutoff: Timestamp) -> Result<u64, DbErr> {
    let old = sea_orm::sea_query::Query::select()
        .column(Column::Id)
        .from(Entity)
        .and_where(Column::CreatedAt.lt(cutoff))
        .to_owned();
    handled::Entity::delete_many()
        .filter(handled::Column::EventId.in_subquery(old))
        .exec(db)
        .await?;
    Ok(Entity::delete_many()
        .filter(Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// Reads committed events and broadcasts them to this process's subscribers.
///
/// Ids are time-ordered, but transactions commit in any order: an event with an earlier id can
/// appear after a later one was read. So each read looks back over `window` of creation time
/// and skips the ids it has already sent; a transaction open longer than the window could be
/// missed.
#[derive(Clone, Debug)]
pub struct Dispatcher {
    sender: broadcast::Sender<Arc<Model>>,
    window: Duration,
}

impl Dispatcher {
    /// Subscribers that fall more than `capacity` events behind lose the oldest ones (and are
    /// told so by the channel).
    pub fn new(capacity: usize) -> Dispatcher {
        let (sender, _) = broadcast::channel(capacity.max(16));
        Dispatcher {
            sender,
            window: WINDOW,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Model>> {
        self.sender.subscribe()
    }

    /// Reads the outbox until the process ends, starting from events created from now on.
    /// On PostgreSQL it wakes as each appending transaction commits (`LISTEN`) and polls every
    /// `every` only in case a notification is lost; elsewhere it polls every `every`.
    pub fn spawn(
        &self,
        db: sea_orm::DatabaseConnection,
        clock: crate::SharedClock,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let dispatcher = self.clone();
        tokio::spawn(async move {
            let mut reader = Reader::starting_at(clock.now());
            let mut wake = Wake::listen(&db).await;
            // Listening, the timer only covers a lost notification.
            let every = match wake {
                Wake::Listen(_) => every.max(LISTENING_POLL),
                Wake::Poll => every,
            };
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = wake.next() => {}
                }
                if let Err(e) = dispatcher.deliver(&db, &mut reader).await {
                    tracing::warn!(error = %e, "reading the outbox failed; retrying");
                }
            }
        })
    }

    /// Sends what `reader` has not sent yet; returns how many.
    pub async fn deliver(&self, db: &impl ConnectionTrait, reader: &mut Reader) -> Result<usize, DbErr> {
        let since = reader.since - chrono::Duration::from_std(self.window).unwrap_or_default();
        let found = Entity::find()
            .filter(Column::CreatedAt.gte(since))
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(db)
            .await?;
        let mut sent = 0;
        for event in found {
            if reader.sent.contains_key(&event.id) {
                continue;
            }
            reader.sent.insert(event.id, event.created_at);
            reader.since = reader.since.max(event.created_at);
            // No subscriber is not an error: nobody is listening right now.
            self.sender.send(Arc::new(event)).ok();
            sent += 1;
        }
        // Forget what is older than the window: it will not be read again.
        let horizon = since;
        reader.sent.retain(|_, at| *at >= horizon);
        Ok(sent)
    }
}

/// Where one process's reading of the outbox stands.
#[derive(Clone, Debug)]
pub struct Reader {
    since: Timestamp,
    sent: HashMap<Uuid, Timestamp>,
}

impl Reader {
    /// Events created from `since` on.
    pub fn starting_at(since: Timestamp) -> Reader {
        Reader {
            since,
            sent: HashMap::new(),
        }
    }
}

/// What wakes a dispatcher besides its timer.
enum Wake {
    /// PostgreSQL's notifications on [`CHANNEL`].
    Listen(sea_orm::sqlx::postgres::PgListener),
    /// Only the timer (SQLite, or when listening could not start).
    Poll,
}

impl Wake {
    async fn listen(db: &sea_orm::DatabaseConnection) -> Wake {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Wake::Poll;
        }
        let pool = db.get_postgres_connection_pool();
        let listening = async {
            let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        match listening.await {
            Ok(listener) => {
                tracing::info!("listening for outbox events on {CHANNEL}");
                Wake::Listen(listener)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot LISTEN for outbox events; polling instead");
                Wake::Poll
            }
        }
    }

    async fn next(&mut self) {
        match self {
            Wake::Listen(listener) => {
                // The listener reconnects by itself; meanwhile the timer keeps delivering.
                if let Err(e) = listener.recv().await {
                    tracing::warn!(error = %e, "the outbox listener lost its connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                // One read serves every commit notified so far.
                while listener.next_buffered().is_some() {}
            }
            Wake::Poll => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::payload_uuid;

    #[test]
    fn payload_ids_are_read_leniently() {
        let id = uuid::Uuid::now_v7();
        let payload = serde_json::json!({ "user": id, "parent": null, "kind": 3 });
        assert_eq!(payload_uuid(&payload, "user"), Some(id));
        assert_eq!(payload_uuid(&payload, "parent"), None);
        assert_eq!(payload_uuid(&payload, "kind"), None);
        assert_eq!(payload_uuid(&payload, "missing"), None);
    }
}
