//! The transactional outbox (DESIGN.md section 3). A service appends domain events (typed,
//! see [`crate::event`]) in its own transaction, so an event exists exactly when the change it
//! reports was committed. A [`Dispatcher`] in every gateway process reads new events after
//! commit and hands them to in-process subscribers; handlers that must act once record the
//! event id ([`handle_once`]), so a redelivery changes nothing.
//!
//! Every process reads the one table, so an event written through one gateway reaches the
//! subscribers of every other. On PostgreSQL the appending transaction also sends
//! `NOTIFY commons_outbox` (delivered on commit), for listeners that want to wake at once.
//!
//! Readers find new events by a position the database orders, not by anyone's clock (see
//! [`Reader`]).

use std::sync::Arc;
use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, DatabaseBackend, FromQueryResult, QueryOrder,
    QuerySelect, Statement,
};
use tokio::sync::broadcast;

use crate::db::Conn;
use crate::event::Event;
use crate::tenant;
use crate::{Actor, Timestamp};

/// The PostgreSQL channel appends notify.
pub const CHANNEL: &str = "commons_outbox";

/// How often a dispatcher woken by `LISTEN` still polls.
const LISTENING_POLL: Duration = Duration::from_secs(5);

/// How soon a dispatcher first reads again when committed events wait behind a transaction
/// still open (PostgreSQL; see [`Reader`]); it waits twice as long each time after, up to its
/// polling interval.
const HELD_BACK_RETRY: Duration = Duration::from_millis(20);

/// Events read per query; a full read is followed by another at once.
const READ_BATCH: u64 = 1000;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Dotted, past tense: `comment.created`, `event.registered` ([`Event::TOPIC`]).
    pub topic: String,
    /// What the event is about (a resource, a conversation), for subscribers to filter on.
    pub subject_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub payload: Json,
    pub created_at: Timestamp,
    /// Assigned by the database at insert: SQLite's single writer makes it commit order; on
    /// PostgreSQL it orders events within their transaction (`txid`, not in this model,
    /// orders transactions).
    pub position: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The event as its type, when it has `E`'s topic. Only the crate that owns `E` calls
    /// this. A payload that no longer parses (an event written by an older version, say) is
    /// logged and read as `None`: it tells nobody, but not silently.
    pub fn decode<E: Event>(&self) -> Option<E> {
        if self.topic != E::TOPIC {
            return None;
        }
        match serde_json::from_value(self.payload.clone()) {
            Ok(event) => Some(event),
            Err(e) => {
                tracing::warn!(error = %e, event = %self.id, topic = %self.topic, "an outbox payload does not parse");
                None
            }
        }
    }
}

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

/// Appends `event` inside the caller's transaction; it is delivered after that commits.
pub async fn append<E: Event>(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    event: &E,
    now: Timestamp,
) -> Result<Uuid, DbErr> {
    let ids = append_all(tx, actor, std::slice::from_ref(event), now).await?;
    Ok(ids.into_iter().next().unwrap_or_default())
}

/// Appends many events of one type in one statement (and one notification), in order.
pub async fn append_all<E: Event>(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    events: &[E],
    now: Timestamp,
) -> Result<Vec<Uuid>, DbErr> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::with_capacity(events.len());
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        let payload = serde_json::to_value(event).map_err(|e| DbErr::Json(e.to_string()))?;
        let id = crate::id::new();
        ids.push(id);
        rows.push(ActiveModel {
            id: Set(id),
            topic: Set(E::TOPIC.to_owned()),
            subject_id: Set(event.subject()),
            org_id: Set(event.org()),
            actor_id: Set(actor.user_id()),
            payload: Set(payload),
            created_at: Set(now),
            position: NotSet,
        });
    }
    // In chunks: a large batch stays under the databases' parameter limits.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<ActiveModel> = rows.by_ref().take(APPEND_CHUNK).collect();
        Entity::insert_many(chunk).exec_without_returning(tx).await?;
    }
    if tx.get_database_backend() == DatabaseBackend::Postgres {
        tx.execute_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!("NOTIFY {CHANNEL}"),
        ))
        .await?;
    }
    Ok(ids)
}

/// Events inserted per statement (7 parameters each).
const APPEND_CHUNK: usize = 500;

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
pub async fn prune<C: Conn>(db: &C, cutoff: Timestamp) -> Result<u64, DbErr> {
    // On PostgreSQL only the system sees the outbox.
    let tx = tenant::write(db, &Actor::System).await?;
    let old = sea_orm::sea_query::Query::select()
        .column(Column::Id)
        .from(Entity)
        .and_where(Column::CreatedAt.lt(cutoff))
        .to_owned();
    handled::Entity::delete_many()
        .filter(handled::Column::EventId.in_subquery(old))
        .exec(&tx)
        .await?;
    let pruned = Entity::delete_many()
        .filter(Column::CreatedAt.lt(cutoff))
        .exec(&tx)
        .await?
        .rows_affected;
    tx.commit().await?;
    Ok(pruned)
}

/// Reads committed events and broadcasts them to this process's subscribers, each once and
/// in the order of its [`Reader`].
#[derive(Clone, Debug)]
pub struct Dispatcher {
    sender: broadcast::Sender<Arc<Model>>,
}

impl Dispatcher {
    /// Subscribers that fall more than `capacity` events behind lose the oldest ones (and are
    /// told so by the channel).
    pub fn new(capacity: usize) -> Dispatcher {
        let (sender, _) = broadcast::channel(capacity.max(16));
        Dispatcher { sender }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Model>> {
        self.sender.subscribe()
    }

    /// Reads the outbox until the process ends, starting from the events committed from now
    /// on. On PostgreSQL it wakes as each appending transaction commits (`LISTEN`) and polls
    /// every `every` only in case a notification is lost; elsewhere it polls every `every`.
    pub fn spawn(&self, db: sea_orm::DatabaseConnection, every: Duration) -> tokio::task::JoinHandle<()> {
        let dispatcher = self.clone();
        tokio::spawn(async move {
            let mut reader = loop {
                match Reader::at_end(&db).await {
                    Ok(reader) => break reader,
                    Err(e) => {
                        tracing::warn!(error = %e, "finding the end of the outbox failed; retrying");
                        tokio::time::sleep(every).await;
                    }
                }
            };
            let mut wake = Wake::listen(&db).await;
            // Listening, the timer only covers a lost notification.
            let every = match wake {
                Wake::Listen(_) => every.max(LISTENING_POLL),
                Wake::Poll => every,
            };
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut held_back_for: Option<Duration> = None;
            loop {
                match held_back_for {
                    // Committed events wait behind an older transaction, which may append
                    // nothing and so notify nobody: look again soon, then less and less often.
                    Some(wait) => tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = wake.next() => {}
                    },
                    None => tokio::select! {
                        _ = tick.tick() => {}
                        () = wake.next() => {}
                    },
                }
                held_back_for = match dispatcher.deliver(&db, &mut reader).await {
                    Ok(read) if read.more => {
                        Some(held_back_for.map_or(HELD_BACK_RETRY, |wait| (wait * 2).min(every)))
                    }
                    Ok(_) => None,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the outbox failed; retrying");
                        None
                    }
                };
            }
        })
    }

    /// Sends, in order, the events `reader` has not read yet and that are safe to read.
    pub async fn deliver<C: Conn>(&self, db: &C, reader: &mut Reader) -> Result<Read, DbErr> {
        let mut read = Read::default();
        loop {
            // On PostgreSQL only the system sees the outbox.
            let tx = tenant::read(db, &Actor::System).await?;
            let found = reader.next(&tx, READ_BATCH).await?;
            tx.commit().await?;
            for event in found.events {
                // No subscriber is not an error: nobody is listening right now.
                self.sender.send(Arc::new(event)).ok();
                read.sent += 1;
            }
            if !found.full {
                read.more = found.held_back;
                return Ok(read);
            }
        }
    }
}

/// What one [`Dispatcher::deliver`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Read {
    /// Events sent.
    pub sent: usize,
    /// Committed events wait behind a transaction still open: read again soon.
    pub more: bool,
}

/// Where one process's reading of the outbox stands: after the last event it read, by a
/// position the database orders, so no host's clock matters.
///
/// On SQLite one writer at a time appends, so the `position` it assigns (AUTOINCREMENT: never
/// reused, even after pruning) is commit order: everything after the last position read is
/// new. On PostgreSQL concurrent transactions commit in any order, so each event also records
/// its transaction (`txid`, an `xid8`), and a reader takes events in (`txid`, `position`) order
/// only below the horizon `pg_snapshot_xmin(pg_current_snapshot())`: every transaction below
/// it has ended, so no event can appear there later. Events of transactions above it wait
/// (reported as held back) until the older ones end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    /// The `txid` of the last event read (0 on SQLite).
    txid: u64,
    position: i64,
}

/// One read: events in order, and whether there is more to read.
struct Found {
    events: Vec<Model>,
    /// The read was cut at the limit.
    full: bool,
    /// Events committed above the horizon wait.
    held_back: bool,
}

impl Reader {
    /// A reader that will see the events committed from now on.
    pub async fn at_end(db: &impl ConnectionTrait) -> Result<Reader, DbErr> {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let row = db
                    .query_one_raw(Statement::from_string(
                        DatabaseBackend::Postgres,
                        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon",
                    ))
                    .await?;
                let horizon = row.map(|r| r.try_get::<String>("", "horizon")).transpose()?;
                Ok(Reader {
                    txid: parse_txid(horizon.as_deref())?,
                    position: 0,
                })
            }
            _ => {
                let last = Entity::find()
                    .select_only()
                    .column_as(Column::Position.max(), "last")
                    .into_tuple::<Option<i64>>()
                    .one(db)
                    .await?
                    .flatten();
                Ok(Reader {
                    txid: 0,
                    position: last.unwrap_or(0),
                })
            }
        }
    }

    /// A reader that will see every event still in the outbox.
    pub fn from_start() -> Reader {
        Reader { txid: 0, position: 0 }
    }

    /// Up to `limit` events after this reader's place, which moves past them.
    async fn next(&mut self, db: &impl ConnectionTrait, limit: u64) -> Result<Found, DbErr> {
        let found = match db.get_database_backend() {
            DatabaseBackend::Postgres => self.next_settled(db, limit).await?,
            _ => {
                let events = Entity::find()
                    .filter(Column::Position.gt(self.position))
                    .order_by_asc(Column::Position)
                    .limit(limit)
                    .all(db)
                    .await?;
                Found {
                    full: events.len() as u64 == limit,
                    events,
                    held_back: false,
                }
            }
        };
        if let Some(last) = found.events.last() {
            self.position = last.position;
        }
        Ok(found)
    }

    /// PostgreSQL: the events below the horizon, in (`txid`, `position`) order.
    async fn next_settled(&mut self, db: &impl ConnectionTrait, limit: u64) -> Result<Found, DbErr> {
        // The limit is written in, not bound, so the statement keeps its generic plan
        // (`page::all_limited` says why): the dispatcher runs it on every commit.
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                format!(
                    "SELECT id, topic, subject_id, org_id, actor_id, payload, created_at, position, \
                            txid::text AS txid, txid < pg_snapshot_xmin(pg_current_snapshot()) AS settled \
                     FROM outbox_events \
                     WHERE (txid, position) > ($1::text::xid8, $2) \
                     ORDER BY txid, position \
                     LIMIT {limit}"
                ),
                [self.txid.to_string().into(), self.position.into()],
            ))
            .await?;
        let full = rows.len() as u64 == limit;
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            if !row.try_get::<bool>("", "settled")? {
                return Ok(Found {
                    events,
                    full: false,
                    held_back: true,
                });
            }
            self.txid = parse_txid(Some(&row.try_get::<String>("", "txid")?))?;
            events.push(Model::from_query_result(&row, "")?);
        }
        Ok(Found {
            events,
            full,
            held_back: false,
        })
    }
}

fn parse_txid(text: Option<&str>) -> Result<u64, DbErr> {
    let text = text.unwrap_or("0");
    text.parse()
        .map_err(|_| DbErr::Type(format!("not a transaction id: {text}")))
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
