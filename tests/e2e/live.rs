//! Live delivery (RE4) end to end: GraphQL subscriptions over graphql-transport-ws at
//! `/graphql/ws`, fed by the outbox, across gateway processes, and only what the subscriber
//! may see.

use std::time::Duration;

use crate::common::process::ServerProcess;
use crate::common::ws::{Connected, LiveClient, drain, until_received};
use crate::common::{Session, TestServer, post_gql, publish, sign_up};
use commons_gateway::GatewayConfig;
use commons_migrations::testing::TestDb;
use serde_json::{Value, json};

const COMMENT_ADDED: &str =
    "subscription($id: ID!) { commentAdded(resourceId: $id) { body author { username } } }";
const ADD_COMMENT: &str =
    "mutation($id: ID!, $body: String!) { addComment(input: { resourceId: $id, body: $body }) { id } }";

/// Two gateway processes over one PostgreSQL database: a comment added through the second
/// reaches a subscriber of the first, through the outbox and `LISTEN`. On SQLite, where one
/// process owns the file, the same test runs with one process.
#[tokio::test]
async fn a_comment_reaches_subscribers_of_another_gateway() {
    let postgres = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(TestDb::fresh().await),
        _ => None,
    };
    let dir = tempfile::tempdir().expect("a folder");
    let url = match &postgres {
        Some(db) => db.url().to_owned(),
        None => format!("sqlite:{}", dir.path().join("live.db").display()),
    };
    let env = [
        (
            "COMMONS_JWT_SECRET",
            "a shared secret of at least thirty-two bytes",
        ),
        ("COMMONS_AUTH_RATE_LIMIT", "0"),
    ];
    let first = ServerProcess::start(&url, &env).await;
    let second = match postgres {
        Some(_) => Some(ServerProcess::start(&url, &env).await),
        None => None,
    };
    let second_url = second.as_ref().unwrap_or(&first).url();
    let http = reqwest::Client::new();

    let ann = sign_up(&http, &first.url(), "ann").await;
    let bob = sign_up(&http, &second_url, "bob").await;
    let post = publish(&http, &first.url(), &ann, "Spring cleanup", "PUBLIC").await;

    let Connected::Ready(mut subscriber) = LiveClient::connect(&first.url(), Some(&bob)).await else {
        panic!("bob connects");
    };
    subscriber
        .subscribe("1", COMMENT_ADDED, json!({ "id": post }))
        .await;
    let received = until_received(&mut subscriber, async |attempt| {
        let body = format!("I will bring gloves ({attempt})");
        let added = post_gql(
            &http,
            &second_url,
            ADD_COMMENT,
            json!({ "id": post, "body": body }),
            Some(&ann),
        )
        .await;
        assert!(added["errors"].is_null(), "{added}");
    })
    .await;
    assert_eq!(received["type"], "next", "{received}");
    let comment = &received["payload"]["data"]["commentAdded"];
    assert!(
        comment["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("I will bring gloves")),
        "{received}"
    );
    assert_eq!(comment["author"]["username"], "ann", "{received}");
}

/// Subscribers receive what they may see, and nothing else: not a private resource's
/// comments, not even after subscribing while it was public.
#[tokio::test]
async fn subscribers_receive_only_what_they_may_see() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let bob = server.register("bob@example.org", "bob").await;
    let http = reqwest::Client::new();
    let diary = publish(&http, &server.url, &ann.access, "Diary", "PRIVATE").await;
    let post = publish(&http, &server.url, &ann.access, "Open day", "PUBLIC").await;

    // Subscribing to what you may not see is refused as reading it is.
    let mut bob_live = server.live(Some(&bob)).await;
    bob_live
        .subscribe("diary", COMMENT_ADDED, json!({ "id": diary }))
        .await;
    let refused = bob_live.next(Duration::from_secs(10)).await.expect("an answer");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );

    // Both follow the public post; the first comment reaches both.
    let mut ann_live = server.live(Some(&ann)).await;
    bob_live
        .subscribe("post", COMMENT_ADDED, json!({ "id": post }))
        .await;
    ann_live
        .subscribe("post", COMMENT_ADDED, json!({ "id": post }))
        .await;
    until_received(&mut bob_live, async |i| {
        comment(&server, &ann, &post, &format!("welcome {i}")).await;
    })
    .await;
    let mut ann_got = ann_live
        .next(Duration::from_secs(10))
        .await
        .expect("ann hears it too");
    assert_eq!(ann_got["type"], "next", "{ann_got}");
    drain(&mut bob_live).await;
    drain(&mut ann_live).await;

    // Ann makes the post private: her next comment reaches her, and not bob.
    let hidden = server
        .gql(
            "mutation($id: ID!) { updateResource(input: { id: $id, visibility: PRIVATE }) { visibility } }",
            json!({ "id": post }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        hidden.data()["updateResource"]["visibility"],
        "PRIVATE",
        "{}",
        hidden.body
    );
    comment(&server, &ann, &post, "only for me").await;
    ann_got = ann_live
        .next(Duration::from_secs(10))
        .await
        .expect("ann hears her comment");
    assert_eq!(
        ann_got["payload"]["data"]["commentAdded"]["body"], "only for me",
        "{ann_got}"
    );
    let leaked = bob_live.next(Duration::from_secs(1)).await;
    assert!(leaked.is_none(), "bob received {leaked:?}");
}

#[tokio::test]
async fn reaction_changes_arrive_with_the_new_counts() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let bob = server.register("bob@example.org", "bob").await;
    let http = reqwest::Client::new();
    let post = publish(&http, &server.url, &ann.access, "Photo walk", "PUBLIC").await;
    // Signed out is enough to follow a public resource.
    let mut watcher = server.live(None).await;
    watcher
        .subscribe(
            "r",
            "subscription($id: ID!) { reactionChanged(resourceId: $id) { kind added total counts { kind count } } }",
            json!({ "id": post }),
        )
        .await;
    let toggle = "mutation($id: ID!) { toggleReaction(resourceId: $id, kind: LOVE) { total } }";
    let mut toggles = 0;
    let first = until_received(&mut watcher, async |_| {
        toggles += 1;
        server.gql(toggle, json!({ "id": post }), Some(&bob.access)).await;
    })
    .await;
    // An odd number of toggles leaves bob's LOVE given; the first to arrive was a "given".
    assert_eq!(
        first["payload"]["data"]["reactionChanged"]["kind"], "LOVE",
        "{first}"
    );
    if toggles % 2 == 0 {
        server.gql(toggle, json!({ "id": post }), Some(&bob.access)).await;
    }
    let last = last_message(&mut watcher).await.unwrap_or(first);
    assert_eq!(
        last["payload"]["data"]["reactionChanged"],
        json!({ "kind": "LOVE", "added": true, "total": 1, "counts": [{ "kind": "LOVE", "count": 1 }] }),
        "{last}"
    );
}

/// A message longer than what a connection reads at a time (4 KiB) arrives whole: a
/// subscription whose document is padded to 20 KiB is served like any other.
#[tokio::test]
async fn a_long_subscribe_message_is_read_whole() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let http = reqwest::Client::new();
    let post = publish(&http, &server.url, &ann.access, "Long reads", "PUBLIC").await;
    let mut watcher = server.live(None).await;
    let padded = format!("{COMMENT_ADDED}\n#{}", "x".repeat(20 * 1024));
    watcher.subscribe("long", &padded, json!({ "id": post })).await;
    let received = until_received(&mut watcher, async |attempt| {
        comment(&server, &ann, &post, &format!("Read me whole ({attempt})")).await;
    })
    .await;
    assert_eq!(received["id"], "long", "{received}");
    assert_eq!(
        received["payload"]["data"]["commentAdded"]["author"]["username"], "ann",
        "{received}"
    );
}

/// Signing out ends the subscriptions a connection opened with that session.
#[tokio::test]
async fn signing_out_ends_subscriptions() {
    let server = TestServer::with_config(GatewayConfig {
        auth_attempts_per_minute: 0,
        session_recheck: Duration::ZERO,
        ..GatewayConfig::default()
    })
    .await;
    let ann = server.register("ann@example.org", "ann").await;
    let bob = server.register("bob@example.org", "bob").await;
    let http = reqwest::Client::new();
    let post = publish(&http, &server.url, &ann.access, "Open day", "PUBLIC").await;
    let mut bob_live = server.live(Some(&bob)).await;
    bob_live
        .subscribe("post", COMMENT_ADDED, json!({ "id": post }))
        .await;
    let heard = until_received(&mut bob_live, async |i| {
        comment(&server, &ann, &post, &format!("welcome {i}")).await;
    })
    .await;
    assert_eq!(heard["type"], "next", "{heard}");
    drain(&mut bob_live).await;

    let out = server
        .gql("mutation { logout }", json!({}), Some(&bob.access))
        .await;
    assert_eq!(out.data()["logout"], true, "{}", out.body);
    comment(&server, &ann, &post, "after bob left").await;
    let ended = bob_live.next(Duration::from_secs(10)).await.expect("an answer");
    assert_eq!(ended, json!({ "type": "complete", "id": "post" }));
}

#[tokio::test]
async fn a_refused_token_closes_the_connection() {
    let server = TestServer::start().await;
    match LiveClient::connect(&server.url, Some("not-a-token")).await {
        Connected::Refused(code, reason) => {
            assert_eq!(code, 4403, "graphql-transport-ws's Forbidden");
            assert!(reason.contains("invalid or expired"), "{reason}");
        }
        Connected::Ready(_) => panic!("a bad token was accepted"),
    }
}

/// Issue 15 (3): one connection cannot hold the server's memory or a socket for nothing.
#[tokio::test]
async fn a_connection_keeps_the_protocols_rules_and_its_share() {
    let mut config = GatewayConfig::default();
    config.websocket.max_subscriptions = 3;
    config.websocket.init_timeout = Duration::from_millis(500);
    config.websocket.idle_timeout = Duration::from_secs(1);
    let server = TestServer::with_config(config).await;
    let query = "subscription { notificationAdded { id } }";
    let wait = Duration::from_secs(10);

    let mut silent = LiveClient::open(&server.url).await;
    assert_eq!(
        silent.closed(wait).await.map(|c| c.0),
        Some(4408),
        "no connection_init in time"
    );

    let mut hasty = LiveClient::open(&server.url).await;
    hasty.subscribe("a", query, json!({})).await;
    assert_eq!(
        hasty.closed(wait).await.map(|c| c.0),
        Some(4401),
        "subscribe before init"
    );

    let ann = server.register("ann@example.org", "ann").await;
    let connect = async || match LiveClient::connect(&server.url, Some(&ann.access)).await {
        Connected::Ready(live) => live,
        Connected::Refused(code, reason) => panic!("refused: {code} {reason}"),
    };
    let mut twice = connect().await;
    twice.subscribe("a", query, json!({})).await;
    twice.subscribe("a", query, json!({})).await;
    assert_eq!(
        twice.closed(wait).await.map(|c| c.0),
        Some(4409),
        "an id already open"
    );

    let mut greedy = connect().await;
    for id in ["a", "b", "c"] {
        greedy.subscribe(id, query, json!({})).await;
    }
    // A completed subscription frees its place.
    greedy.send(json!({ "type": "complete", "id": "b" })).await;
    greedy.subscribe("d", query, json!({})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        greedy.closed(Duration::from_millis(100)).await.is_none(),
        "three open subscriptions are within the share and are not idle"
    );
    greedy.subscribe("e", query, json!({})).await;
    assert_eq!(
        greedy.closed(wait).await.map(|c| c.0),
        Some(4429),
        "a fourth at once"
    );

    let mut idle = connect().await;
    assert_eq!(
        idle.closed(wait).await.map(|c| c.0),
        Some(1000),
        "nothing open, nothing said"
    );
}

async fn comment(server: &TestServer, author: &Session, resource: &Value, body: &str) {
    let added = server
        .gql(
            ADD_COMMENT,
            json!({ "id": resource, "body": body }),
            Some(&author.access),
        )
        .await;
    assert!(added.body["errors"].is_null(), "{}", added.body);
}

async fn last_message(client: &mut LiveClient) -> Option<Value> {
    let mut last = None;
    while let Some(message) = client.next(Duration::from_secs(2)).await {
        last = Some(message);
    }
    last
}
