//! GW7: creating mutations are safe to replay. An offline client sends its queue again after
//! a lost connection and nothing is created twice; a key reused for another request is
//! refused; replays racing each other create one object.

use std::time::Duration;

use crate::common::TestServer;
use crate::events::upload_keyed;
use crate::sales::shop_with_product;
use commons_resources::entity::resource;
use futures::future::join_all;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

/// Twenty posts in one request, each with its own key, as an offline client's queue.
fn batch() -> String {
    let fields: Vec<String> = (0..20)
        .map(|n| {
            format!(
                "p{n}: createResource(idempotencyKey: \"sync-2026-12-01-{n}\", input: {{ title: \"Report {n}\",
                    kind: {{ blogpost: {{ body: \"Counted 12 bags of litter\" }} }} }}) {{ id title }}"
            )
        })
        .collect();
    format!("mutation {{ {} }}", fields.join("\n"))
}

fn ids(reply: &Value) -> Vec<String> {
    (0..20)
        .map(|n| {
            reply["data"][format!("p{n}")]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_batch_sent_again_after_a_lost_connection_creates_each_post_once() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let count = || async { all_resources(&server).await };

    // The first try is cut short: the client gives up before the answer comes.
    let cut = server
        .http
        .post(format!("{}/graphql", server.url))
        .bearer_auth(&ann.access)
        .json(&json!({ "query": batch() }))
        .timeout(Duration::from_millis(30))
        .send()
        .await;
    assert!(cut.is_err(), "the first try should have been cut short");
    let before_resend = count().await;
    assert!(before_resend <= 20, "{before_resend}");
    eprintln!("{before_resend} of 20 posts were made before the connection was cut");

    let resent = server.gql(&batch(), json!({}), Some(&ann.access)).await;
    assert!(resent.body["errors"].is_null(), "{}", resent.body);
    let first_ids = ids(&resent.body);
    assert!(first_ids.iter().all(|id| !id.is_empty()), "{}", resent.body);
    assert_eq!(
        count().await,
        20,
        "twenty posts, however much of the first try went through"
    );

    let again = server.gql(&batch(), json!({}), Some(&ann.access)).await;
    assert_eq!(
        ids(&again.body),
        first_ids,
        "a replay answers with the same posts"
    );
    assert_eq!(count().await, 20);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused_and_keys_are_per_person() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let ben = server.register("ben@example.org", "ben").await;
    let create = "mutation($key: String, $title: String!) { createResource(idempotencyKey: $key,
        input: { title: $title, kind: { blogpost: { body: \"text\" } } }) { id title } }";

    let first = server
        .gql(
            create,
            json!({ "key": "k-1", "title": "Cleanup" }),
            Some(&ann.access),
        )
        .await;
    let id = first.data()["createResource"]["id"].clone();
    assert!(id.is_string(), "{}", first.body);
    let other = server
        .gql(
            create,
            json!({ "key": "k-1", "title": "Another" }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(other.code(), Some("CONFLICT"), "{}", other.body);
    assert_eq!(other.body["errors"][0]["extensions"]["field"], "idempotencyKey");
    // Ben's key of the same name is his own.
    let bens = server
        .gql(
            create,
            json!({ "key": "k-1", "title": "Another" }),
            Some(&ben.access),
        )
        .await;
    assert_ne!(bens.data()["createResource"]["id"], id, "{}", bens.body);
    let empty = server
        .gql(create, json!({ "key": "", "title": "Blank" }), Some(&ann.access))
        .await;
    assert_eq!(empty.code(), Some("BAD_USER_INPUT"), "{}", empty.body);
    // Without a key, the same request twice is two posts.
    for _ in 0..2 {
        server
            .gql(
                create,
                json!({ "key": null, "title": "Twice" }),
                Some(&ann.access),
            )
            .await;
    }
    let all = all_resources(&server).await;
    assert_eq!(all, 4, "Cleanup, Ben's, and two without a key");
}

#[tokio::test]
async fn ten_replays_at_once_create_one_order() {
    let server = TestServer::start().await;
    let owner = server.register("owner@example.org", "owner").await;
    let ann = server.register("ann@example.org", "ann").await;
    let (_, product) = shop_with_product(&server, &owner, 100).await;
    let order = "mutation($p: ID!) { createOrder(idempotencyKey: \"cart-7\", input: { lines: [{ productId: $p, quantity: 3 }] }) { id totalMinor } }";
    let replies =
        join_all((0..10).map(|_| server.gql(order, json!({ "p": product }), Some(&ann.access)))).await;
    let created: Vec<&Value> = replies.iter().map(|r| &r.data()["createOrder"]["id"]).collect();
    assert!(
        created.iter().all(|id| id.is_string() && *id == created[0]),
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let mine = server
        .gql(
            "{ orders { edges { node { id totalMinor } } } }",
            json!({}),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        mine.data()["orders"]["edges"],
        json!([{ "node": { "id": created[0], "totalMinor": 7350 } }]),
        "{}",
        mine.body
    );
}

#[tokio::test]
async fn bots_invites_and_uploads_are_created_once_per_key() {
    use commons_resources::media::sniff::samples::PNG_3X2;
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let twice = async |query: &str, field: &str| {
        let mut ids = Vec::new();
        for _ in 0..2 {
            let reply = server.gql(query, json!({}), Some(&ann.access)).await;
            assert!(reply.body["errors"].is_null(), "{}", reply.body);
            ids.push(reply.data()[field].clone());
        }
        assert_eq!(ids[0], ids[1], "{field}: a replay answers with the first object");
        ids.remove(0)
    };

    let bot = twice(
        "mutation { createBot(idempotencyKey: \"bot-1\", input: { username: \"ann_bot\", displayName: \"Ann's bot\" }) { id username } }",
        "createBot",
    )
    .await;
    assert_eq!(bot["username"], "ann_bot");
    let invite = twice(
        "mutation { createInvite(idempotencyKey: \"invite-1\", input: { maxUses: 5 }) { id code maxUses } }",
        "createInvite",
    )
    .await;
    assert!(
        invite["code"].is_string(),
        "the replay shows the same code: {invite}"
    );
    let pending = server
        .gql(
            "{ pendingInvites { edges { node { id } } } }",
            json!({}),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        pending.data()["pendingInvites"]["edges"],
        json!([{ "node": { "id": invite["id"] } }]),
        "one invite: {}",
        pending.body
    );

    let first = upload_keyed(
        &server,
        Some(&ann.access),
        "a.png",
        PNG_3X2.to_vec(),
        Some("photo-1"),
    )
    .await;
    let again = upload_keyed(
        &server,
        Some(&ann.access),
        "a.png",
        PNG_3X2.to_vec(),
        Some("photo-1"),
    )
    .await;
    assert!(first.data()["uploadMedia"]["id"].is_string(), "{}", first.body);
    assert_eq!(
        first.data()["uploadMedia"]["id"],
        again.data()["uploadMedia"]["id"]
    );
    let mut other = PNG_3X2.to_vec();
    other.push(0);
    let another_file = upload_keyed(&server, Some(&ann.access), "a.png", other, Some("photo-1")).await;
    assert_eq!(
        another_file.code(),
        Some("CONFLICT"),
        "the same key with another file: {}",
        another_file.body
    );
}

/// Every resource there is, drafts included: counted as the system (on PostgreSQL row level
/// security shows a person's drafts to them alone).
async fn all_resources(server: &TestServer) -> u64 {
    let system = commons_core::tenant::read(&server.world.db.conn, &commons_core::Actor::System)
        .await
        .expect("begin");
    resource::Entity::find().count(&system).await.expect("count")
}
