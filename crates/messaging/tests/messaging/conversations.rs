//! MS1 at the service level: one private conversation per pair however it is started,
//! department groups for the organization's members, messages newest first, read markers that
//! never move back, and attachments of one's own.

use commons_core::{Actor, CodedError, ErrorCode, PageRequest};
use commons_messaging::entity::conversation;
use commons_messaging::{NewConversation, PushPlatform};
use commons_orgs::{Preset, Role};
use commons_resources::media::sniff::samples::PNG_3X2;
use commons_testkit::user_id;
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::support::{Scene, group, page, private_with};

/// 20 starts at once, from both sides, find one conversation; outsiders see nothing of it.
#[tokio::test]
async fn a_private_conversation_is_one_however_it_is_started() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("pal", 3).await;
    let [ann, bob, cat] = <[Actor; 3]>::try_from(people).expect("three");

    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (db, m) = (db.clone(), m.clone());
            let (starter, other) = if i % 2 == 0 {
                (ann.clone(), bob.clone())
            } else {
                (bob.clone(), ann.clone())
            };
            tokio::spawn(async move { m.start_conversation(&db, &starter, private_with(&other)).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("ran").expect("started").id);
    }
    let id = ids[0];
    assert!(
        ids.iter().all(|i| *i == id),
        "every start found the same conversation"
    );
    let rows = conversation::Entity::find()
        .count(&scene.system().await)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    let participants = m.participants(db, &ann, &[id]).await.expect("participants");
    let mut who: Vec<Uuid> = participants[&id].iter().map(|p| p.user_id).collect();
    who.sort();
    let mut expected = vec![user_id(&ann), user_id(&bob)];
    expected.sort();
    assert_eq!(who, expected);

    let hello = m
        .send_message(db, &ann, id, "Hello Bob", None)
        .await
        .expect("send");
    // A third person learns nothing about it.
    assert_eq!(m.conversation(db, &cat, id).await.expect("read"), None);
    let refused = m.messages(db, &cat, id, &page(None)).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    assert_eq!(m.message(db, &cat, hello.id).await.expect("read"), None);
    let intruding = m.send_message(db, &cat, id, "Hi both", None).await.unwrap_err();
    assert_eq!(intruding.code(), ErrorCode::NotFound);
    assert!(m.participants(db, &cat, &[id]).await.expect("read").is_empty());
    assert!(m.unread_counts(db, &cat, &[id]).await.expect("read").is_empty());
    let anonymous = m
        .conversations(db, &Actor::ANONYMOUS, &page(None))
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), ErrorCode::Unauthenticated);

    // Exactly one other person.
    let alone = m
        .start_conversation(db, &ann, private_with(&ann))
        .await
        .unwrap_err();
    assert_eq!(
        (alone.code(), alone.field()),
        (ErrorCode::BadUserInput, Some("memberIds"))
    );
    let crowd = NewConversation {
        member_ids: vec![user_id(&bob), user_id(&cat)],
        ..private_with(&bob)
    };
    let crowd = m.start_conversation(db, &ann, crowd).await.unwrap_err();
    assert_eq!(crowd.field(), Some("memberIds"));

    // Bob leaves and stops seeing it; Ann writing to him again brings him back to the same one.
    m.leave_conversation(db, &bob, id).await.expect("leave");
    assert_eq!(m.message(db, &bob, hello.id).await.expect("read"), None);
    assert_eq!(scene.private(&ann, &bob).await, id);
    assert!(m.message(db, &bob, hello.id).await.expect("read").is_some());
}

/// A group tied to a department takes members of its organization only, and is started by the
/// department's members or the organization's moderators.
#[tokio::test]
async fn a_department_group_admits_only_its_organizations_members() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("crew", 4).await;
    let [owner, member, bystander, outsider] = <[Actor; 4]>::try_from(people).expect("four");
    let org = world.organization(&owner, "Crew").await;
    world.member(&org, &member, Role::Member).await;
    world.member(&org, &bystander, Role::Member).await;
    let stage = world.department(&org, "Stage").await;
    world.seat(&stage, &member, Preset::Creator).await;
    let department = stage.id;

    let chat = m
        .start_conversation(db, &owner, group("Stage crew", &[&member], Some(department)))
        .await
        .expect("group");
    assert_eq!(chat.department_id, Some(department));
    let with_outsider = m
        .start_conversation(
            db,
            &owner,
            group("Stage crew", &[&member, &outsider], Some(department)),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (with_outsider.code(), with_outsider.field()),
        (ErrorCode::BadUserInput, Some("memberIds"))
    );
    let adding_outsider = m
        .add_participants(db, &member, chat.id, &[user_id(&outsider)])
        .await
        .unwrap_err();
    assert_eq!(
        (adding_outsider.code(), adding_outsider.field()),
        (ErrorCode::BadUserInput, Some("userIds"))
    );
    // A member of the organization joins; the outsider never got in.
    m.add_participants(db, &member, chat.id, &[user_id(&bystander)])
        .await
        .expect("add a member");
    let seen = m.participants(db, &bystander, &[chat.id]).await.expect("read");
    assert_eq!(seen[&chat.id].len(), 3);
    assert_eq!(m.conversation(db, &outsider, chat.id).await.expect("read"), None);

    // The department's members start its groups; other members of the organization do not.
    m.start_conversation(db, &member, group("Props", &[&bystander], Some(department)))
        .await
        .expect("a department member starts one");
    let not_in_department = m
        .start_conversation(db, &bystander, group("Side chat", &[&member], Some(department)))
        .await
        .unwrap_err();
    assert_eq!(not_in_department.code(), ErrorCode::Forbidden);

    let untitled = m
        .start_conversation(db, &owner, group("  ", &[&member], None))
        .await
        .unwrap_err();
    assert_eq!(untitled.field(), Some("title"));
    let private = scene.private(&owner, &member).await;
    let widened = m
        .add_participants(db, &owner, private, &[user_id(&bystander)])
        .await
        .unwrap_err();
    assert_eq!(widened.code(), ErrorCode::Conflict);

    // Leaving the organization is leaving its departments' conversations: nothing more is
    // read, written or heard there.
    let said = m
        .send_message(db, &owner, chat.id, "call time is 6pm", None)
        .await
        .expect("send");
    world
        .orgs()
        .leave(db, &bystander, org.id)
        .await
        .expect("the bystander leaves");
    assert_eq!(m.conversation(db, &bystander, chat.id).await.expect("read"), None);
    assert_eq!(m.message(db, &bystander, said.id).await.expect("read"), None);
    let listed = m.conversations(db, &bystander, &page(None)).await.expect("list");
    assert!(listed.edges.iter().all(|(_, c)| c.id != chat.id));
    let listed = m.conversations(db, &member, &page(None)).await.expect("list");
    assert!(listed.edges.iter().any(|(_, c)| c.id == chat.id));
    let write = m
        .send_message(db, &bystander, chat.id, "still here?", None)
        .await
        .unwrap_err();
    assert_eq!(write.code(), ErrorCode::NotFound);
    assert!(m.message(db, &member, said.id).await.expect("read").is_some());
}

/// Newest first; others' messages after the marker are unread; the marker never moves back,
/// even when many calls race; the conversation list follows the latest activity.
#[tokio::test]
async fn read_markers_only_move_forward() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("reader", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");
    let chat = scene.private(&ann, &bob).await;
    let mut sent = Vec::new();
    for (who, body) in [(&ann, "one"), (&ann, "two"), (&ann, "three"), (&bob, "four")] {
        sent.push(m.send_message(db, who, chat, body, None).await.expect("send").id);
    }

    let first = m.messages(db, &bob, chat, &page(Some(2))).await.expect("page");
    let bodies: Vec<&str> = first.edges.iter().map(|(_, msg)| msg.body.as_str()).collect();
    assert_eq!(bodies, ["four", "three"]);
    assert!(first.has_next_page);
    let after = first.edges.last().expect("edge").0.encode();
    let rest = m
        .messages(
            db,
            &bob,
            chat,
            &PageRequest::new(Some(2), Some(&after)).expect("page"),
        )
        .await
        .expect("next page");
    let bodies: Vec<&str> = rest.edges.iter().map(|(_, msg)| msg.body.as_str()).collect();
    assert_eq!(bodies, ["two", "one"]);

    // One's own messages are never unread.
    let unread = |who: Actor| async move { m.unread_counts(db, &who, &[chat]).await.expect("counts")[&chat] };
    assert_eq!(unread(bob.clone()).await, 3);
    assert_eq!(unread(ann.clone()).await, 1);

    assert_eq!(m.mark_read(db, &bob, chat, sent[1]).await.expect("mark"), 1);
    // An older message does not move the marker back.
    assert_eq!(m.mark_read(db, &bob, chat, sent[0]).await.expect("mark"), 1);
    assert_eq!(unread(bob.clone()).await, 1);

    // Many at once, in any order: the newest stays.
    let tasks: Vec<_> = (0..5)
        // Newest first, so the last to run would leave an older marker if the update were not
        // conditional.
        .flat_map(|_| sent.iter().rev().copied().collect::<Vec<_>>())
        .map(|up_to| {
            let (db, m, bob) = (db.clone(), m.clone(), bob.clone());
            tokio::spawn(async move { m.mark_read(&db, &bob, chat, up_to).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("ran").expect("marked");
    }
    let marker = m.participants(db, &bob, &[chat]).await.expect("read")[&chat]
        .iter()
        .find(|p| p.user_id == user_id(&bob))
        .and_then(|p| p.last_read_message_id);
    assert_eq!(marker, sent.last().copied());
    assert_eq!(unread(bob.clone()).await, 0);

    // A message of another conversation is no place to mark.
    let other = m
        .start_conversation(db, &ann, group("Later", &[&bob], None))
        .await
        .expect("group");
    let elsewhere = m.mark_read(db, &bob, other.id, sent[0]).await.unwrap_err();
    assert_eq!(elsewhere.field(), Some("upTo"));

    // The most recently active conversation comes first.
    let order = |who: Actor| async move {
        m.conversations(db, &who, &page(None))
            .await
            .expect("list")
            .edges
            .into_iter()
            .map(|(_, c)| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(order(bob.clone()).await, [other.id, chat]);
    m.send_message(db, &ann, chat, "still there?", None)
        .await
        .expect("send");
    assert_eq!(order(bob.clone()).await, [chat, other.id]);
    let two = m.conversations(db, &bob, &page(Some(1))).await.expect("list");
    let after = two.edges[0].0.encode();
    let next = m
        .conversations(db, &bob, &PageRequest::new(Some(1), Some(&after)).expect("page"))
        .await
        .expect("list");
    assert_eq!(next.edges[0].1.id, other.id);
    assert!(!next.has_next_page);
}

/// Attachments are the sender's own uploads; a message is never empty without one.
#[tokio::test]
async fn attachments_are_the_senders_own_uploads() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("sender", 2).await;
    let [ann, bob] = <[Actor; 2]>::try_from(people).expect("two");
    let chat = scene.private(&ann, &bob).await;
    let upload = world
        .resources
        .upload_media(db, &ann, Some("map.png"), PNG_3X2.to_vec())
        .await
        .expect("upload");

    let borrowed = m
        .send_message(db, &bob, chat, "look", Some(upload.id))
        .await
        .unwrap_err();
    assert_eq!(
        (borrowed.code(), borrowed.field()),
        (ErrorCode::BadUserInput, Some("attachmentId"))
    );
    let invented = m
        .send_message(db, &bob, chat, "look", Some(Uuid::now_v7()))
        .await
        .unwrap_err();
    assert_eq!(invented.field(), Some("attachmentId"));
    let picture = m
        .send_message(db, &ann, chat, "", Some(upload.id))
        .await
        .expect("a picture alone");
    assert_eq!(
        (picture.body.as_str(), picture.attachment_id),
        ("", Some(upload.id))
    );
    let empty = m.send_message(db, &bob, chat, "   ", None).await.unwrap_err();
    assert_eq!(empty.field(), Some("body"));
    let long = m
        .send_message(db, &bob, chat, &"a".repeat(10_001), None)
        .await
        .unwrap_err();
    assert_eq!(long.field(), Some("body"));
}

/// Every messaging table's rows as `actor` sees them past the services.
async fn rows_seen_by(scene: &Scene, actor: &Actor) -> [i64; 6] {
    let tables = [
        "conversations",
        "conversation_participants",
        "messages",
        "push_tokens",
        "notification_settings",
        "outbox_events",
    ];
    scene.world.rows_seen_by(actor, tables).await
}

/// On PostgreSQL, past the services: a conversation, its people and its messages are there
/// for the people in it; devices and notification settings for their owner; the outbox for
/// the system alone.
#[tokio::test]
async fn past_the_services_a_conversation_is_for_the_people_in_it() {
    let scene = Scene::new().await;
    let world = &scene.world;
    let db = &world.db.conn;
    let m = &scene.messaging;
    let people = world.people("wall", 3).await;
    let [ann, bob, cat] = <[Actor; 3]>::try_from(people).expect("three");
    let chat = scene.private(&ann, &bob).await;
    m.send_message(db, &ann, chat, "Just between us", None)
        .await
        .expect("send");
    m.start_conversation(db, &ann, group("Team", &[&bob], None))
        .await
        .expect("group");
    m.register_push_token(db, &ann, PushPlatform::Fcm, "ann-phone")
        .await
        .expect("token");
    m.set_notification_setting(db, &ann, "message.created", true, false)
        .await
        .expect("setting");
    if !world.db.is_postgres() {
        return;
    }
    // conversations, participants, messages, push tokens, settings, outbox events
    assert_eq!(rows_seen_by(&scene, &ann).await, [2, 4, 1, 1, 1, 0]);
    assert_eq!(rows_seen_by(&scene, &bob).await, [2, 4, 1, 0, 0, 0]);
    assert_eq!(rows_seen_by(&scene, &cat).await, [0; 6]);
    assert_eq!(rows_seen_by(&scene, &Actor::ANONYMOUS).await, [0; 6]);
    let everything = rows_seen_by(&scene, &Actor::System).await;
    assert_eq!(everything[..5], [2, 4, 1, 1, 1]);
    assert!(everything[5] > 0, "the system reads the outbox");

    // Bob leaves the private conversation: its messages and people go out of his sight; the
    // conversation itself stays findable by its pair, so writing to him again finds it.
    m.leave_conversation(db, &bob, chat).await.expect("leave");
    assert_eq!(rows_seen_by(&scene, &bob).await, [2, 2, 0, 0, 0, 0]);
    assert_eq!(scene.private(&bob, &ann).await, chat);
    assert_eq!(rows_seen_by(&scene, &bob).await, [2, 4, 1, 0, 0, 0]);
    let unread = m.unread_counts(db, &bob, &[chat]).await.expect("unread");
    assert_eq!(
        unread.get(&chat).copied().unwrap_or_default(),
        0,
        "what was said before is read"
    );
}
