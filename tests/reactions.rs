//! Reactions end to end (RE1): toggling over HTTP, the summary on every resource, and the
//! feed ordered by them.

mod common;

use common::TestServer;
use serde_json::json;

const TOGGLE: &str =
    "mutation($id: ID!, $kind: ReactionKind!) { toggleReaction(resourceId: $id, kind: $kind) {
    total viewerReactions counts { kind count } } }";

#[tokio::test]
async fn reactions_are_toggled_and_order_the_feed() {
    let server = TestServer::start().await;
    let author = server.register("author@example.org", "author").await;
    let reader = server.register("reader@example.org", "reader").await;
    let mut ids = Vec::new();
    for title in ["First", "Second"] {
        let created = server
            .gql(
                "mutation($t: String!) { createResource(input: { title: $t, kind: { blogpost: { body: \"x\" } } }) { id } }",
                json!({ "t": title }),
                Some(&author.access),
            )
            .await;
        let id = created.data()["createResource"]["id"].clone();
        server
            .gql(
                "mutation($id: ID!) { publishResource(id: $id) { status } }",
                json!({ "id": id }),
                Some(&author.access),
            )
            .await;
        ids.push(id);
    }
    let liked = server
        .gql(
            TOGGLE,
            json!({ "id": ids[0], "kind": "LOVE" }),
            Some(&reader.access),
        )
        .await;
    assert_eq!(
        liked.data()["toggleReaction"],
        json!({ "total": 1, "viewerReactions": ["LOVE"], "counts": [{ "kind": "LOVE", "count": 1 }] }),
        "{}",
        liked.body
    );
    let anonymous = server
        .gql(TOGGLE, json!({ "id": ids[0], "kind": "LIKE" }), None)
        .await;
    assert_eq!(anonymous.code(), Some("UNAUTHENTICATED"), "{}", anonymous.body);

    let feed = "{ resources(orderBy: MOST_REACTED) { edges { node { title reactions { total viewerReactions } } } } }";
    let seen = server.gql(feed, json!({}), Some(&reader.access)).await;
    assert_eq!(
        seen.data()["resources"]["edges"],
        json!([
            { "node": { "title": "First", "reactions": { "total": 1, "viewerReactions": ["LOVE"] } } },
            { "node": { "title": "Second", "reactions": { "total": 0, "viewerReactions": [] } } }
        ]),
        "{}",
        seen.body
    );
    // Toggling again takes it back.
    let back = server
        .gql(
            TOGGLE,
            json!({ "id": ids[0], "kind": "LOVE" }),
            Some(&reader.access),
        )
        .await;
    assert_eq!(back.data()["toggleReaction"]["total"], 0, "{}", back.body);
}
