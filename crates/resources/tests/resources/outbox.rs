//! The transactional outbox: events appended with the change they report, delivered after
//! commit to every dispatcher (each gateway process has one), late commits and skewed clocks
//! included, and handled once however often they arrive.

use chrono::Duration;
use std::collections::HashMap;
use std::sync::Arc;

use commons_core::outbox::{self, Dispatcher, Reader};
use commons_core::{Actor, Event, ManualClock, tenant};
use commons_orgs::Orgs;
use commons_resources::Resources;
use commons_resources::Visibility;
use commons_testkit::{World, kind, user_id};
use sea_orm::{DatabaseBackend, EntityTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[tokio::test]
async fn registrations_reach_every_dispatcher_once_committed() {
    let world = World::new().await;
    let db = &world.db.conn;
    let host = world.person("host").await;
    let walk = world
        .post(&host, "Walk")
        .visibility(Visibility::Public)
        .kind(kind::event(Some(1)))
        .publish()
        .await;
    // Two processes, each with its own dispatcher over the one table.
    let (first, second) = (Dispatcher::new(64), Dispatcher::new(64));
    let (mut heard_first, mut heard_second) = (first.subscribe(), second.subscribe());
    let mut reader_first = Reader::at_end(db).await.expect("end");
    let mut reader_second = reader_first;

    let (ann, ben) = (world.person("ann").await, world.person("ben").await);
    let seat = world
        .resources
        .register_for_event(db, &ann, walk)
        .await
        .expect("ann");
    world
        .resources
        .register_for_event(db, &ben, walk)
        .await
        .expect("ben waits");
    assert_eq!(sent(&first, db, &mut reader_first).await, 2);
    assert_eq!(sent(&second, db, &mut reader_second).await, 2);
    for heard in [&mut heard_first, &mut heard_second] {
        let got = heard.try_recv().expect("ann's registration");
        assert_eq!(
            (got.topic.as_str(), got.subject_id),
            ("event.registered", Some(walk))
        );
        assert_eq!(got.payload["user"], serde_json::json!(user_id(&ann)));
        assert_eq!(got.payload["status"], "registered");
        assert_eq!(heard.try_recv().expect("ben's").payload["status"], "waitlisted");
    }
    // Read again: nothing is sent twice.
    assert_eq!(sent(&first, db, &mut reader_first).await, 0);

    // Ann cancels: Ben's promotion is an event too.
    world
        .resources
        .cancel_registration(db, &ann, seat.id)
        .await
        .expect("cancel");
    sent(&first, db, &mut reader_first).await;
    let topics: Vec<String> = std::iter::from_fn(|| heard_first.try_recv().ok())
        .map(|e| e.topic.clone())
        .collect();
    assert_eq!(topics, ["event.seat_granted"]);
}

/// What a test appends: no crate's event, so no rule of any crate hears of it.
#[derive(Serialize, Deserialize)]
struct Probe {
    n: u32,
}

impl Event for Probe {
    const TOPIC: &'static str = "test.probe";
    fn subject(&self) -> Option<Uuid> {
        None
    }
}

async fn append(db: &sea_orm::DatabaseConnection, n: u32, at: chrono::DateTime<chrono::Utc>) -> Uuid {
    let tx = tenant::write(db, &Actor::System).await.expect("tx");
    let id = outbox::append(&tx, &Actor::System, &Probe { n }, at)
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    id
}

/// Delivers what is committed, waiting while it is held back: on PostgreSQL a writing
/// transaction anywhere on the server (other tests' databases too) holds back events of
/// transactions that started writing after it, until it ends.
async fn sent(dispatcher: &Dispatcher, db: &sea_orm::DatabaseConnection, reader: &mut Reader) -> usize {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut sent = 0;
    loop {
        let read = dispatcher.deliver(db, reader).await.expect("read");
        sent += read.sent;
        if !read.more || tokio::time::Instant::now() > deadline {
            return sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn events_stamped_by_a_clock_behind_are_delivered_and_handlers_act_once() {
    let world = World::new().await;
    let db = &world.db.conn;
    let dispatcher = Dispatcher::new(16);
    let mut heard = dispatcher.subscribe();
    let now = chrono::Utc::now();
    let mut reader = Reader::at_end(db).await.expect("end");
    append(db, 1, now).await;
    assert_eq!(sent(&dispatcher, db, &mut reader).await, 1);
    // Another host, its clock a minute behind, commits after: its event looks older than
    // what was already sent, and still arrives, once.
    let late = append(db, 2, now - Duration::seconds(60)).await;
    assert_eq!(sent(&dispatcher, db, &mut reader).await, 1);
    assert_eq!(sent(&dispatcher, db, &mut reader).await, 0);
    assert_eq!(heard.try_recv().expect("first").payload["n"], 1);
    assert_eq!(heard.try_recv().expect("late").id, late);

    // A handler records what it handled; a replay of the same event is skipped.
    let tx = tenant::write(db, &Actor::System).await.expect("tx");
    assert!(
        outbox::handle_once(&tx, "mailer", late, now)
            .await
            .expect("first")
    );
    assert!(
        !outbox::handle_once(&tx, "mailer", late, now)
            .await
            .expect("replay")
    );
    assert!(
        outbox::handle_once(&tx, "push", late, now)
            .await
            .expect("another handler")
    );
    tx.commit().await.expect("commit");
}

/// PostgreSQL commits concurrent transactions in any order: an event whose transaction is
/// still open holds back the events of transactions that began writing after it, so none is
/// skipped when it commits. (SQLite has one writer at a time; its order is commit order.)
#[tokio::test]
async fn a_transaction_committing_late_holds_back_later_ones_until_it_commits() {
    let world = World::new().await;
    let db = &world.db.conn;
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let dispatcher = Dispatcher::new(16);
    let mut heard = dispatcher.subscribe();
    let mut reader = Reader::at_end(db).await.expect("end");
    let now = chrono::Utc::now();
    let slow = tenant::write(db, &Actor::System).await.expect("tx");
    let first = outbox::append(&slow, &Actor::System, &Probe { n: 1 }, now)
        .await
        .expect("append");
    let second = append(db, 2, now).await;
    let read = dispatcher.deliver(db, &mut reader).await.expect("read");
    assert_eq!((read.sent, read.more), (0, true), "the later commit waits");
    slow.commit().await.expect("commit");
    assert_eq!(sent(&dispatcher, db, &mut reader).await, 2);
    assert_eq!(heard.try_recv().expect("first").id, first);
    assert_eq!(heard.try_recv().expect("second").id, second);
}

/// Two processes whose clocks differ by a minute write at the same time; each process's
/// dispatcher delivers every event exactly once.
#[tokio::test]
async fn two_processes_with_clocks_a_minute_apart_deliver_every_event_once() {
    let world = World::new().await;
    let db = &world.db.conn;
    let host = world.person("host").await;
    let walk = world
        .post(&host, "Long walk")
        .visibility(Visibility::Public)
        .kind(kind::event(Some(100)))
        .publish()
        .await;
    let behind = {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now() - Duration::seconds(60)));
        let identity = world.orgs().identity().clone().with_clock(clock);
        Resources::new(Orgs::new(identity, commons_orgs::Settings::default()))
    };
    let mut people = Vec::new();
    for i in 0..16 {
        people.push(world.person(&format!("walker{i}")).await);
    }
    let dispatchers = [Dispatcher::new(256), Dispatcher::new(256)];
    let mut heard = [dispatchers[0].subscribe(), dispatchers[1].subscribe()];
    let start = Reader::at_end(db).await.expect("end");
    let reading: Vec<_> = dispatchers
        .iter()
        .map(|dispatcher| {
            let (dispatcher, db) = (dispatcher.clone(), db.clone());
            tokio::spawn(async move {
                let mut reader = start;
                loop {
                    dispatcher.deliver(&db, &mut reader).await.expect("read");
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    let writing: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, person)| {
            let services = if i % 2 == 0 {
                world.resources.clone()
            } else {
                behind.clone()
            };
            let (person, db) = (person.clone(), db.clone());
            tokio::spawn(async move { services.register_for_event(&db, &person, walk).await })
        })
        .collect();
    for task in writing {
        task.await.expect("task").expect("registered");
    }
    let system = tenant::read(db, &Actor::System).await.expect("begin");
    let appended: Vec<Uuid> = outbox::Entity::find()
        .order_by_asc(outbox::Column::Position)
        .all(&system)
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.topic == "event.registered")
        .map(|e| e.id)
        .collect();
    assert_eq!(appended.len(), people.len());
    for heard in &mut heard {
        let mut times: HashMap<Uuid, usize> = HashMap::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        while times.len() < appended.len() && tokio::time::Instant::now() < deadline {
            match tokio::time::timeout(std::time::Duration::from_millis(100), heard.recv()).await {
                Ok(Ok(event)) => *times.entry(event.id).or_default() += 1,
                Ok(Err(e)) => panic!("the dispatcher's channel failed: {e}"),
                Err(_) => {}
            }
        }
        // Whatever else arrives in a moment must not repeat an event.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        while let Ok(event) = heard.try_recv() {
            *times.entry(event.id).or_default() += 1;
        }
        for id in &appended {
            assert_eq!(times.get(id), Some(&1), "event {id} delivered once");
        }
    }
    for task in reading {
        task.abort();
    }
}

#[tokio::test]
async fn old_events_are_forgotten_with_what_handlers_recorded() {
    let world = World::new().await;
    let db = &world.db.conn;
    let now = chrono::Utc::now();
    let tx = tenant::write(db, &Actor::System).await.expect("tx");
    let mut ids = Vec::new();
    for days in [10, 0] {
        let at = now - Duration::days(i64::from(days));
        let id = outbox::append(&tx, &Actor::System, &Probe { n: days }, at)
            .await
            .expect("append");
        outbox::handle_once(&tx, "mailer", id, at).await.expect("handled");
        ids.push(id);
    }
    tx.commit().await.expect("commit");

    assert_eq!(
        outbox::prune(db, now - Duration::days(7)).await.expect("prune"),
        1
    );
    assert_eq!(
        outbox::prune(db, now - Duration::days(7)).await.expect("again"),
        0
    );
    let tx = tenant::write(db, &Actor::System).await.expect("tx");
    // The old event's record went with it (handling it again would be new); the new one's stayed.
    assert!(
        outbox::handle_once(&tx, "mailer", ids[0], now)
            .await
            .expect("old")
    );
    assert!(
        !outbox::handle_once(&tx, "mailer", ids[1], now)
            .await
            .expect("new")
    );
    tx.rollback().await.expect("rollback");
    let mut reader = Reader::from_start();
    let dispatcher = Dispatcher::new(16);
    let mut heard = dispatcher.subscribe();
    sent(&dispatcher, db, &mut reader).await;
    assert_eq!(heard.try_recv().expect("the new one").id, ids[1]);
    assert!(heard.try_recv().is_err());
}
