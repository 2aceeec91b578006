//! MS2 at the service level: notifications handled exactly once, as the recipients' settings
//! allow, pushed through the provider, and only to those who may still see what they are about.

use std::sync::Arc;

use commons_core::audience::{Audience, EventRules, NotifiedTopic, RuleError};
use commons_core::outbox;
use commons_core::{Actor, CodedError, ErrorCode, Event, tenant};
use commons_messaging::Messaging;
use commons_messaging::entity::{notification, push_token};
use commons_messaging::{NotificationCreated, PushPlatform};
use commons_reactions::ReactionKind;
use commons_resources::Visibility;
use commons_resources::service::writing::UpdateResource;
use commons_testkit::user_id;
use sea_orm::DatabaseTransaction;
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::support::{Scene, page, username};

/// A notification about a resource reaches only those who may still see it: a reply on a post
/// made private since tells its creator, not the author of the comment answered.
#[tokio::test]
async fn notifications_reach_only_those_who_still_see_the_resource() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("walker", 3).await;
    let [ann, bob, cat] = <[Actor; 3]>::try_from(people).expect("three");
    let post = world.post(&ann, "Night walk").publish().await;
    let first = scene
        .reactions
        .add_comment(db, &bob, post, None, "Which route?")
        .await
        .expect("comment");
    scene
        .reactions
        .add_comment(db, &cat, post, Some(first.id), "The river one")
        .await
        .expect("reply");
    world
        .resources
        .update_resource(
            db,
            &ann,
            UpdateResource {
                id: post,
                visibility: Some(Visibility::Private),
                ..UpdateResource::default()
            },
        )
        .await
        .expect("made private");
    let reply = scene.events("comment.created").await.remove(1);
    let told: Vec<Uuid> = m
        .notify(db, &reply)
        .await
        .expect("notify")
        .into_iter()
        .map(|n| n.user_id)
        .collect();
    assert_eq!(told, [user_id(&ann)]);
    assert!(scene.inbox(&bob).await.is_empty());
}

/// A comment tells the resource's creator (and the author of the comment it answers), never
/// the commenter, once however often or concurrently the event is handled.
#[tokio::test]
async fn a_comment_notifies_the_creator_once() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("neighbour", 3).await;
    let [ann, bob, cat] = <[Actor; 3]>::try_from(people.clone()).expect("three");
    let post = world.post(&ann, "Spring cleanup").publish().await;
    let comment = scene
        .reactions
        .add_comment(db, &bob, post, None, "Count me in")
        .await
        .expect("comment");
    let event = scene.events("comment.created").await.remove(0);

    let told = m.notify(db, &event).await.expect("notify");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].user_id, user_id(&ann));
    let bob_name = username(&bob, &people, "neighbour");
    assert_eq!(
        told[0].summary,
        format!("{bob_name} commented on “Spring cleanup”")
    );
    assert!(scene.inbox(&bob).await.is_empty());
    assert!(m.notify(db, &event).await.expect("again").is_empty());
    assert_eq!(scene.inbox(&ann).await.len(), 1);

    // Cat answers Bob: Bob and Ann hear of it, once, though eight handlers race.
    scene
        .reactions
        .add_comment(db, &cat, post, Some(comment.id), "Me too")
        .await
        .expect("reply");
    let reply = scene.events("comment.created").await.remove(1);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (db, m, reply) = (db.clone(), m.clone(), reply.clone());
            tokio::spawn(async move { m.notify(&db, &reply).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        created += task.await.expect("ran").expect("notified").len();
    }
    assert_eq!(created, 2);
    let cat_name = username(&cat, &people, "neighbour");
    assert_eq!(
        scene.inbox(&bob).await,
        [(
            "comment.created".to_string(),
            format!("{cat_name} replied to your comment on “Spring cleanup”")
        )]
    );
    assert_eq!(scene.inbox(&ann).await.len(), 2);
    assert!(scene.inbox(&cat).await.is_empty());

    // Every notification announced itself, to its recipient.
    let announced = scene.events("notification.created").await;
    assert_eq!(announced.len(), 3);
    let stored = every_notification(db).await;
    assert_eq!(stored.len(), 3);
    for n in &stored {
        assert!(announced.iter().any(|e| e.subject_id == Some(n.user_id)
            && e.decode::<NotificationCreated>()
                == Some(NotificationCreated {
                    notification: n.id,
                    user: n.user_id
                })));
    }

    // Only the recipient reads and marks it.
    let newest = m
        .notifications(db, &ann, true, &page(None))
        .await
        .expect("unread")
        .edges[0]
        .1
        .clone();
    assert_eq!(m.notification(db, &bob, newest.id).await.expect("read"), None);
    assert_eq!(
        m.mark_notifications_read(db, &bob, Some(&[newest.id]))
            .await
            .expect("mark"),
        0
    );
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 2);
    assert_eq!(
        m.mark_notifications_read(db, &ann, Some(&[newest.id]))
            .await
            .expect("mark"),
        1
    );
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 1);
    assert!(
        m.notification(db, &ann, newest.id)
            .await
            .expect("read")
            .expect("hers")
            .read_at
            .is_some()
    );
    assert_eq!(
        m.mark_notifications_read(db, &ann, None).await.expect("mark all"),
        1
    );
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 0);
    let unread = m
        .notifications(db, &ann, true, &page(None))
        .await
        .expect("unread");
    assert!(unread.edges.is_empty());
}

/// The catch-up handles what services appended, once; a second run finds nothing to do.
#[tokio::test]
async fn notify_pending_catches_up_once() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("member", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people.clone()).expect("two");
    let post = world.post(&ann, "Bake sale").publish().await;
    scene
        .reactions
        .add_comment(db, &bob, post, None, "Yum")
        .await
        .expect("comment");
    scene
        .reactions
        .toggle_reaction(db, &bob, post, ReactionKind::Love)
        .await
        .expect("react");
    let chat = scene.private(&ann, &bob).await;
    m.send_message(db, &ann, chat, "Thanks!", None)
        .await
        .expect("send");
    let appended = outbox::Entity::find()
        .count(&scene.system().await)
        .await
        .expect("count");

    let handled = m.notify_pending(db, 1000).await.expect("catch up");
    assert_eq!(handled as u64, appended);
    assert_eq!(m.notify_pending(db, 1000).await.expect("again"), 0);

    let bob_name = username(&bob, &people, "member");
    let ann_name = username(&ann, &people, "member");
    assert_eq!(
        scene.inbox(&ann).await,
        [
            (
                "reaction.changed".to_string(),
                format!("{bob_name} reacted with love to “Bake sale”")
            ),
            (
                "comment.created".to_string(),
                format!("{bob_name} commented on “Bake sale”")
            ),
        ]
    );
    assert_eq!(
        scene.inbox(&bob).await,
        [(
            "message.created".to_string(),
            format!("{ann_name} sent you a message")
        )]
    );
    let notifications = every_notification(db).await.len() as u64;
    let announced = scene.events("notification.created").await.len() as u64;
    assert_eq!(announced, notifications);
}

/// Settings: the defaults, unknown topics refused, the inbox off means no notification, push
/// off means no push (and reactions and joins are not pushed unless asked).
#[tokio::test]
async fn settings_decide_the_inbox_and_the_push() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("friend", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");

    let defaults = m.notification_settings(db, &ann).await.expect("settings");
    assert_eq!(defaults.len(), m.rules().notified().len());
    assert!(defaults.iter().all(|s| s.inbox));
    let unpushed: Vec<&str> = defaults
        .iter()
        .filter(|s| !s.push)
        .map(|s| s.topic.as_str())
        .collect();
    // Reactions and joins are many and rarely urgent: in the inbox only, unless asked.
    assert_eq!(unpushed, ["reaction.changed", "initiative.joined"]);
    let unknown = m
        .set_notification_setting(db, &ann, "weather.changed", true, true)
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.code(), unknown.field()),
        (ErrorCode::BadUserInput, Some("topic"))
    );

    m.register_push_token(db, &ann, PushPlatform::Fcm, "ann-phone")
        .await
        .expect("token");
    let chat = scene.private(&ann, &bob).await;
    m.send_message(db, &bob, chat, "Hi", None).await.expect("send");
    m.notify_pending(db, 1000).await.expect("notify");
    let pushes = scene.pushed.calls();
    assert_eq!(pushes.len(), 1);
    assert_eq!((pushes[0].0.as_str(), pushes[0].1), ("ann-phone", user_id(&ann)));

    // Push off: the inbox still has it, the phone stays quiet.
    m.set_notification_setting(db, &ann, "message.created", true, false)
        .await
        .expect("push off");
    m.send_message(db, &bob, chat, "Still there?", None)
        .await
        .expect("send");
    m.notify_pending(db, 1000).await.expect("notify");
    assert_eq!(m.unread_notification_count(db, &ann).await.expect("count"), 2);
    assert_eq!(scene.pushed.calls().len(), 1);

    // Inbox off: nothing at all.
    let saved = m
        .set_notification_setting(db, &ann, "comment.created", false, true)
        .await
        .expect("inbox off");
    assert!(!saved.inbox);
    let post = world.post(&ann, "Garden").publish().await;
    scene
        .reactions
        .add_comment(db, &bob, post, None, "Lovely")
        .await
        .expect("comment");
    scene
        .reactions
        .toggle_reaction(db, &bob, post, ReactionKind::Like)
        .await
        .expect("react");
    m.notify_pending(db, 1000).await.expect("notify");
    let topics: Vec<String> = scene.inbox(&ann).await.into_iter().map(|(t, _)| t).collect();
    assert_eq!(topics, ["reaction.changed", "message.created", "message.created"]);
    // Reactions are not pushed by default.
    assert_eq!(scene.pushed.calls().len(), 1);
    let settings = m.notification_settings(db, &ann).await.expect("settings");
    let comment = settings
        .iter()
        .find(|s| s.topic == "comment.created")
        .expect("listed");
    assert_eq!((comment.inbox, comment.push), (false, true));
}

/// A device token belongs to whoever registered it last: one row, moved.
#[tokio::test]
async fn a_push_token_belongs_to_the_last_to_register_it() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("device", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");

    let first = m
        .register_push_token(db, &ann, PushPlatform::Apns, "shared-tablet")
        .await
        .expect("ann's");
    assert_eq!(first.user_id, user_id(&ann));
    let moved = m
        .register_push_token(db, &bob, PushPlatform::Apns, "shared-tablet")
        .await
        .expect("bob's");
    assert_eq!(moved.user_id, user_id(&bob));
    let rows = push_token::Entity::find()
        .all(&scene.system().await)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].user_id, user_id(&bob));

    assert!(
        !m.remove_push_token(db, &ann, "shared-tablet")
            .await
            .expect("not hers")
    );
    assert!(m.remove_push_token(db, &bob, "shared-tablet").await.expect("his"));
    let left = push_token::Entity::find().count(&scene.system().await).await;
    assert_eq!(left.expect("rows"), 0);

    let long = m
        .register_push_token(db, &ann, PushPlatform::Fcm, &"t".repeat(4097))
        .await
        .unwrap_err();
    assert_eq!(
        (long.code(), long.field()),
        (ErrorCode::BadUserInput, Some("token"))
    );
    // The longest allowed token fits the unique index on both databases.
    m.register_push_token(db, &ann, PushPlatform::WebPush, &"t".repeat(4096))
        .await
        .expect("a long token");
}

/// A rule that always fails, for a topic of its own.
#[derive(Debug)]
struct BrokenRules;

#[async_trait::async_trait]
impl EventRules for BrokenRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[NotifiedTopic::quiet(Broken::TOPIC)];
        NOTIFIED
    }

    async fn audience(
        &self,
        _tx: &DatabaseTransaction,
        _event: &outbox::Model,
    ) -> Result<Audience, RuleError> {
        Err("this rule always fails".into())
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Broken {}

impl Event for Broken {
    const TOPIC: &'static str = "test.broken";
    fn subject(&self) -> Option<Uuid> {
        None
    }
}

/// The notifier hands over whatever waits at once: the batch is handled in one call, each event
/// once (even listed twice), and an event whose rule fails holds back none of the others; it
/// stays pending for the catch-up.
#[tokio::test]
async fn a_batch_is_handled_once_and_a_failing_rule_holds_back_nothing() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let rules = commons_gateway::rules().with(BrokenRules);
    let m = Messaging::new(world.identity().clone(), Arc::new(rules));
    let people = world.people("batch", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");
    let post = world.post(&ann, "Allotment rota").publish().await;
    scene
        .reactions
        .add_comment(db, &bob, post, None, "I can take Tuesdays")
        .await
        .expect("comment");
    let tx = tenant::write(db, &Actor::System).await.expect("tx");
    outbox::append(&tx, &Actor::System, &Broken {}, world.identity().now())
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    let chat = scene.private(&ann, &bob).await;
    m.send_message(db, &ann, chat, "Thank you!", None)
        .await
        .expect("message");
    let comment = scene.events("comment.created").await.remove(0);
    let broken = scene.events(Broken::TOPIC).await.remove(0);
    let message = scene.events("message.created").await.remove(0);

    let told = m
        .notify_all(db, &[&comment, &broken, &comment, &message])
        .await
        .expect("the batch");
    let mut recipients: Vec<Uuid> = told.iter().map(|n| n.user_id).collect();
    recipients.sort();
    let mut expected = vec![user_id(&ann), user_id(&bob)];
    expected.sort();
    assert_eq!(
        recipients, expected,
        "ann hears of the comment, bob of the message, once each"
    );
    assert_eq!(scene.inbox(&ann).await.len(), 1);
    assert_eq!(scene.inbox(&bob).await.len(), 1);

    // Delivered again, nothing changes; the broken event is still pending and still fails,
    // alone, without undoing anyone's inbox.
    assert!(
        m.notify_all(db, &[&comment, &message])
            .await
            .expect("again")
            .is_empty()
    );
    assert_eq!(m.notify_pending(db, 100).await.expect("catch up"), 0);
    assert!(m.notify(db, &broken).await.is_err());
    assert_eq!(scene.inbox(&ann).await.len(), 1);
}

/// Every stored notification, read as the system (on PostgreSQL each is its recipient's
/// alone below the service too).
async fn every_notification(db: &sea_orm::DatabaseConnection) -> Vec<notification::Model> {
    let system = tenant::read(db, &Actor::System).await.expect("begin");
    notification::Entity::find().all(&system).await.expect("rows")
}

#[tokio::test]
async fn notifications_and_comments_are_walled_below_the_service() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let people = world.people("walled", 3).await;
    let [ann, bob, eve] = <[Actor; 3]>::try_from(people).expect("three");
    let post = world.post(&ann, "Quiet walk").publish().await;
    scene
        .reactions
        .add_comment(db, &bob, post, None, "Count me in")
        .await
        .expect("comment");
    let told = scene.events("comment.created").await.remove(0);
    scene.messaging.notify(db, &told).await.expect("notify");
    world
        .resources
        .update_resource(
            db,
            &ann,
            UpdateResource {
                id: post,
                visibility: Some(Visibility::Private),
                ..UpdateResource::default()
            },
        )
        .await
        .expect("made private");
    if !world.db.is_postgres() {
        return;
    }
    // Unfiltered SELECTs: ann's notification is hers alone, and the comment on her now
    // private post is there for her only.
    let seen_by = |who: Actor| async move {
        let tx = tenant::read(db, &who).await.expect("begin");
        let notes = notification::Entity::find()
            .all(&tx)
            .await
            .expect("notifications")
            .len();
        let comments = commons_reactions::entity::comment::Entity::find()
            .all(&tx)
            .await
            .expect("comments")
            .len();
        (notes, comments)
    };
    assert_eq!(seen_by(ann.clone()).await, (1, 1));
    assert_eq!(
        seen_by(bob.clone()).await,
        (0, 0),
        "his comment, on a post he no longer sees"
    );
    assert_eq!(seen_by(eve.clone()).await, (0, 0));
}
