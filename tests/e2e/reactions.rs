//! Reactions end to end (RE1): toggling over HTTP, the summary on every resource, and the
//! feed ordered by them.

use crate::common::{TestServer, publish};
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
        ids.push(publish(&server.http, &server.url, &author.access, title, "PUBLIC").await);
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

#[tokio::test]
async fn comments_thread_over_http() {
    let server = TestServer::start().await;
    let author = server.register("author@example.org", "author").await;
    let reader = server.register("reader@example.org", "reader").await;
    let post = publish(&server.http, &server.url, &author.access, "Talk", "PUBLIC").await;
    let add =
        "mutation($input: AddCommentInput!) { addComment(input: $input) { id body author { username } } }";
    let first = server
        .gql(
            add,
            json!({ "input": { "resourceId": post, "body": "Nice" } }),
            Some(&reader.access),
        )
        .await;
    let first_id = first.data()["addComment"]["id"].clone();
    assert_eq!(
        first.data()["addComment"]["author"]["username"],
        "reader",
        "{}",
        first.body
    );
    let answer = server
        .gql(
            add,
            json!({ "input": { "resourceId": post, "parentId": first_id, "body": "Thanks" } }),
            Some(&author.access),
        )
        .await;
    assert!(answer.body["errors"].is_null(), "{}", answer.body);
    let deleted = server
        .gql(
            "mutation($id: ID!) { deleteComment(id: $id) { deleted body } }",
            json!({ "id": first_id }),
            Some(&reader.access),
        )
        .await;
    assert_eq!(
        deleted.data()["deleteComment"],
        json!({ "deleted": true, "body": null })
    );

    let page = "query($id: ID!) { resource(id: $id) { commentCount comments(first: 10) { edges { node { body deleted parentId } } } } }";
    let thread = server.gql(page, json!({ "id": post }), None).await;
    let resource = &thread.data()["resource"];
    assert_eq!(resource["commentCount"], 1, "{}", thread.body);
    assert_eq!(
        resource["comments"]["edges"],
        json!([
            { "node": { "body": null, "deleted": true, "parentId": null } },
            { "node": { "body": "Thanks", "deleted": false, "parentId": first_id } }
        ])
    );
}

#[tokio::test]
async fn ratings_over_http() {
    let server = TestServer::start().await;
    let guide = server.register("guide@example.org", "guide").await;
    let ann = server.register("ann@example.org", "ann").await;
    let rate = "mutation($input: RateInput!) { rate(input: $input) { score quality rater { username } } }";
    let given = server
        .gql(
            rate,
            json!({ "input": { "targetId": guide.user_id, "score": 4, "quality": 5, "punctuality": 3 } }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        given.data()["rate"],
        json!({ "score": 4, "quality": 5, "rater": { "username": "ann" } }),
        "{}",
        given.body
    );
    let summary = server
        .gql(
            "query($id: ID!) { ratingSummary(targetId: $id) { count average distribution quality punctuality communication } }",
            json!({ "id": guide.user_id }),
            None,
        )
        .await;
    assert_eq!(
        summary.data()["ratingSummary"],
        json!({ "count": 1, "average": 4.0, "distribution": [0, 0, 0, 1, 0], "quality": 5.0, "punctuality": 3.0, "communication": null }),
        "{}",
        summary.body
    );
    let myself = server
        .gql(
            rate,
            json!({ "input": { "targetId": ann.user_id, "score": 5 } }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(myself.code(), Some("FORBIDDEN"), "{}", myself.body);
}
