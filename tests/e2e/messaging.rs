//! Messaging end to end (MS1, MS2, RE4): a private conversation with live messages, unread
//! counts and read markers; notifications written by the outbox handler, delivered live,
//! read, and silenced by a setting.

use std::time::Duration;

use crate::common::ws::{drain, until_received};
use crate::common::{TestServer, publish};
use serde_json::{Value, json};

#[tokio::test]
async fn a_private_conversation_lives_and_counts_unread() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let bob = server.register("bob@example.org", "bob").await;
    let eve = server.register("eve@example.org", "eve").await;

    let started = server
        .gql(
            "mutation($bob: ID!) { startConversation(input: { kind: PRIVATE, memberIds: [$bob] }) { id kind } }",
            json!({ "bob": bob.user_id }),
            Some(&ann.access),
        )
        .await;
    let conversation = started.data()["startConversation"]["id"].clone();
    assert_eq!(
        started.data()["startConversation"]["kind"],
        "PRIVATE",
        "{}",
        started.body
    );
    // Bob starting it from his side finds the same one.
    let again = server
        .gql(
            "mutation($ann: ID!) { startConversation(input: { kind: PRIVATE, memberIds: [$ann] }) { id } }",
            json!({ "ann": ann.user_id }),
            Some(&bob.access),
        )
        .await;
    assert_eq!(
        again.data()["startConversation"]["id"],
        conversation,
        "{}",
        again.body
    );

    let mut bob_live = server.live(Some(&bob)).await;
    let mut eve_live = server.live(Some(&eve)).await;
    for live in [&mut bob_live, &mut eve_live] {
        live.subscribe(
            "m",
            "subscription { messageAdded { body author { username } } }",
            json!({}),
        )
        .await;
    }
    let send =
        "mutation($c: ID!, $b: String!) { sendMessage(input: { conversationId: $c, body: $b }) { id } }";
    let mut sent = Vec::new();
    let heard = until_received(&mut bob_live, async |i| {
        let reply = server
            .gql(
                send,
                json!({ "c": conversation, "b": format!("hi bob ({i})") }),
                Some(&ann.access),
            )
            .await;
        sent.push(reply.data()["sendMessage"]["id"].clone());
    })
    .await;
    assert_eq!(
        heard["payload"]["data"]["messageAdded"]["author"]["username"], "ann",
        "{heard}"
    );
    // Eve, listening to every conversation of hers, heard nothing of theirs.
    let overheard = eve_live.next(Duration::from_millis(500)).await;
    assert!(overheard.is_none(), "eve received {overheard:?}");

    let list = "{ conversations { edges { node { id unreadCount lastMessage { id body } participants { user { username } } } } } }";
    let bobs = server.gql(list, json!({}), Some(&bob.access)).await;
    let node = &bobs.data()["conversations"]["edges"][0]["node"];
    assert_eq!(node["unreadCount"], sent.len(), "{}", bobs.body);
    assert_eq!(
        node["lastMessage"]["id"],
        *sent.last().expect("sent"),
        "{}",
        bobs.body
    );
    assert_eq!(
        node["participants"].as_array().map(Vec::len),
        Some(2),
        "{}",
        bobs.body
    );
    let read = server
        .gql(
            "mutation($c: ID!, $m: ID!) { markConversationRead(conversationId: $c, upTo: $m) }",
            json!({ "c": conversation, "m": sent.last() }),
            Some(&bob.access),
        )
        .await;
    assert_eq!(read.data()["markConversationRead"], 0, "{}", read.body);

    // Someone outside sees nothing and cannot write.
    let peek = server
        .gql(
            "query($c: ID!) { conversation(id: $c) { id } }",
            json!({ "c": conversation }),
            Some(&eve.access),
        )
        .await;
    assert_eq!(peek.data()["conversation"], Value::Null, "{}", peek.body);
    let intrude = server
        .gql(
            send,
            json!({ "c": conversation, "b": "let me in" }),
            Some(&eve.access),
        )
        .await;
    assert_eq!(intrude.code(), Some("NOT_FOUND"), "{}", intrude.body);
}

#[tokio::test]
async fn comments_notify_the_author_live_until_silenced() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let bob = server.register("bob@example.org", "bob").await;
    let post = publish(&server.http, &server.url, &ann.access, "Spring cleanup", "PUBLIC").await;

    let mut ann_live = server.live(Some(&ann)).await;
    ann_live
        .subscribe(
            "n",
            "subscription { notificationAdded { topic summary actor { username } } }",
            json!({}),
        )
        .await;
    let comment =
        "mutation($id: ID!, $b: String!) { addComment(input: { resourceId: $id, body: $b }) { id } }";
    let heard = until_received(&mut ann_live, async |i| {
        server
            .gql(
                comment,
                json!({ "id": post, "b": format!("count me in ({i})") }),
                Some(&bob.access),
            )
            .await;
    })
    .await;
    let notification = &heard["payload"]["data"]["notificationAdded"];
    assert_eq!(notification["topic"], "comment.created", "{heard}");
    assert_eq!(notification["actor"]["username"], "bob", "{heard}");
    assert!(
        notification["summary"]
            .as_str()
            .is_some_and(|s| s.contains("Spring cleanup")),
        "{heard}"
    );
    drain(&mut ann_live).await;

    let inbox = "{ unreadNotificationCount notifications { edges { node { topic readAt } } } }";
    let before = server.gql(inbox, json!({}), Some(&ann.access)).await;
    let unread = before.data()["unreadNotificationCount"]
        .as_i64()
        .unwrap_or_default();
    assert!(unread >= 1, "{}", before.body);
    // Bob hears nothing of his own comment.
    let bobs = server.gql(inbox, json!({}), Some(&bob.access)).await;
    assert_eq!(bobs.data()["unreadNotificationCount"], 0, "{}", bobs.body);

    let marked = server
        .gql("mutation { markNotificationsRead }", json!({}), Some(&ann.access))
        .await;
    assert_eq!(marked.data()["markNotificationsRead"], unread, "{}", marked.body);

    // Silenced: the next comment reaches no inbox.
    let silenced = server
        .gql(
            "mutation { setNotificationSetting(topic: \"comment.created\", inbox: false, push: false) { topic inbox push } }",
            json!({}),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        silenced.data()["setNotificationSetting"]["inbox"],
        false,
        "{}",
        silenced.body
    );
    server
        .gql(comment, json!({ "id": post, "b": "one more" }), Some(&bob.access))
        .await;
    // A reaction after it is still heard: once it arrives, the comment before it was handled.
    server
        .gql(
            "mutation($id: ID!) { toggleReaction(resourceId: $id, kind: LOVE) { total } }",
            json!({ "id": post }),
            Some(&bob.access),
        )
        .await;
    let next = ann_live
        .next(Duration::from_secs(10))
        .await
        .expect("the reaction is heard");
    assert_eq!(
        next["payload"]["data"]["notificationAdded"]["topic"], "reaction.changed",
        "{next}"
    );
    let after = server.gql(inbox, json!({}), Some(&ann.access)).await;
    assert_eq!(after.data()["unreadNotificationCount"], 1, "{}", after.body);
    assert_eq!(
        after.data()["notifications"]["edges"][0]["node"]["topic"],
        "reaction.changed",
        "{}",
        after.body
    );

    let unknown = server
        .gql(
            "mutation { setNotificationSetting(topic: \"weather.changed\", inbox: true, push: true) { topic } }",
            json!({}),
            Some(&ann.access),
        )
        .await;
    assert_eq!(unknown.code(), Some("BAD_USER_INPUT"), "{}", unknown.body);
}

#[tokio::test]
async fn notifications_lead_to_their_subject_and_records_are_nodes_for_their_people() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let bob = server.register("bob@example.org", "bob").await;
    let eve = server.register("eve@example.org", "eve").await;
    let post = publish(&server.http, &server.url, &ann.access, "Spring cleanup", "PUBLIC").await;
    let commented = server
        .gql(
            "mutation($id: ID!) { addComment(input: { resourceId: $id, body: \"count me in\" }) { id } }",
            json!({ "id": post }),
            Some(&bob.access),
        )
        .await;
    let comment = commented.data()["addComment"]["id"].clone();

    // Ann's notification names the post by its global id, and leads to it.
    let inbox = "{ notifications { edges { node { id topic subjectId } } } }";
    let mut note = Value::Null;
    for _ in 0..50 {
        let reply = server.gql(inbox, json!({}), Some(&ann.access)).await;
        note = reply.data()["notifications"]["edges"][0]["node"].clone();
        if !note.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(note["topic"], "comment.created", "{note}");
    assert_eq!(note["subjectId"], post);
    let subject = server
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Blogpost { title } } }",
            json!({ "id": note["subjectId"] }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(subject.data()["node"]["title"], "Spring cleanup");

    let started = server
        .gql(
            "mutation($bob: ID!) { startConversation(input: { kind: PRIVATE, memberIds: [$bob] }) { id } }",
            json!({ "bob": bob.user_id }),
            Some(&ann.access),
        )
        .await;
    let conversation = started.data()["startConversation"]["id"].clone();
    let sent = server
        .gql(
            "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"see you there\" }) { id } }",
            json!({ "c": conversation }),
            Some(&ann.access),
        )
        .await;
    let message = sent.data()["sendMessage"]["id"].clone();
    let node = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
    let ids = json!({ "ids": [note["id"], conversation, comment, message] });
    let seen_by = |who: &crate::common::Session| {
        let who = who.access.clone();
        let server = &server;
        let ids = ids.clone();
        async move {
            let reply = server.gql(node, ids, Some(&who)).await;
            assert!(reply.body["errors"].is_null(), "{}", reply.body);
            reply.data()["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|n| n["__typename"].as_str().unwrap_or("null").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        seen_by(&ann).await,
        ["Notification", "Conversation", "Comment", "Message"]
    );
    assert_eq!(
        seen_by(&bob).await,
        ["null", "Conversation", "Comment", "Message"],
        "not his notification"
    );
    assert_eq!(
        seen_by(&eve).await,
        ["null", "null", "Comment", "null"],
        "a public post's comment, nothing of a conversation she is not in"
    );
}
