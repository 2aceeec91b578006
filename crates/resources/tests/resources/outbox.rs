//! The transactional outbox: events appended with the change they report, delivered after
//! commit to every dispatcher (each gateway process has one), late commits included, and
//! handled once however often they arrive.

use chrono::Duration;
use commons_core::outbox::{self, Dispatcher, NewEvent, Reader};
use commons_core::{Actor, tenant};
use commons_resources::Visibility;
use commons_testkit::{World, kind, user_id};

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
    let start = chrono::Utc::now() - Duration::seconds(1);
    // Two processes, each with its own dispatcher over the one table.
    let (first, second) = (Dispatcher::new(64), Dispatcher::new(64));
    let (mut heard_first, mut heard_second) = (first.subscribe(), second.subscribe());
    let (mut reader_first, mut reader_second) = (Reader::starting_at(start), Reader::starting_at(start));

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
    assert_eq!(first.deliver(db, &mut reader_first).await.expect("read"), 2);
    assert_eq!(second.deliver(db, &mut reader_second).await.expect("read"), 2);
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
    assert_eq!(first.deliver(db, &mut reader_first).await.expect("read"), 0);

    // Ann cancels: Ben's promotion is an event too.
    world
        .resources
        .cancel_registration(db, &ann, seat.id)
        .await
        .expect("cancel");
    first.deliver(db, &mut reader_first).await.expect("read");
    let topics: Vec<String> = std::iter::from_fn(|| heard_first.try_recv().ok())
        .map(|e| e.topic.clone())
        .collect();
    assert_eq!(topics, ["event.seat_granted"]);
}

#[tokio::test]
async fn a_late_commit_is_still_delivered_and_handlers_act_once() {
    let world = World::new().await;
    let db = &world.db.conn;
    let dispatcher = Dispatcher::new(16);
    let mut heard = dispatcher.subscribe();
    let now = chrono::Utc::now();
    let mut reader = Reader::starting_at(now - Duration::seconds(10));
    let append = |at: chrono::DateTime<chrono::Utc>, topic: &'static str| async move {
        let tx = tenant::write(db, &Actor::System).await.expect("tx");
        let id = outbox::append(
            &tx,
            &Actor::System,
            NewEvent::new(topic, serde_json::json!({})),
            at,
        )
        .await
        .expect("append");
        tx.commit().await.expect("commit");
        id
    };
    append(now, "test.later").await;
    assert_eq!(dispatcher.deliver(db, &mut reader).await.expect("read"), 1);
    // A transaction that began a second earlier commits only now: its event is older than
    // what was already sent, and still arrives.
    let late = append(now - Duration::seconds(1), "test.earlier").await;
    assert_eq!(dispatcher.deliver(db, &mut reader).await.expect("read"), 1);
    assert_eq!(heard.try_recv().expect("first").topic, "test.later");
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

#[tokio::test]
async fn old_events_are_forgotten_with_what_handlers_recorded() {
    let world = World::new().await;
    let db = &world.db.conn;
    let now = chrono::Utc::now();
    let tx = tenant::write(db, &Actor::System).await.expect("tx");
    let mut ids = Vec::new();
    for (days, topic) in [(10, "test.old"), (0, "test.new")] {
        let at = now - Duration::days(days);
        let id = outbox::append(
            &tx,
            &Actor::System,
            NewEvent::new(topic, serde_json::json!({})),
            at,
        )
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
    let mut reader = Reader::starting_at(now - Duration::days(30));
    let dispatcher = Dispatcher::new(16);
    let mut heard = dispatcher.subscribe();
    dispatcher.deliver(db, &mut reader).await.expect("read");
    assert_eq!(heard.try_recv().expect("the new one").id, ids[1]);
    assert!(heard.try_recv().is_err());
}
