//! Platform roles end to end: blocking, and accounts that wait for approval.

use crate::common::{PASSWORD, TestServer, session};
use serde_json::json;

const DECIDE: &str =
    "mutation($input: AccountDecisionInput!) { __OP__(input: $input) { id username status statusReason } }";

fn decide(op: &str) -> String {
    DECIDE.replace("__OP__", op)
}

#[tokio::test]
async fn a_blocked_user_is_out_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let mallory = server.register("mallory@example.org", "mallory").await;
    let input = json!({ "input": { "userId": mallory.user_id, "reason": "spam" } });

    // Only admins block.
    let refused = server
        .gql(&decide("blockUser"), input.clone(), Some(&mallory.access))
        .await;
    assert_eq!(refused.code(), Some("FORBIDDEN"));

    let blocked = server
        .gql(&decide("blockUser"), input.clone(), Some(&admin.access))
        .await;
    assert_eq!(
        blocked.data()["blockUser"]["status"],
        "BLOCKED",
        "{}",
        blocked.body
    );
    assert_eq!(blocked.data()["blockUser"]["statusReason"], "spam");

    // Her access token stopped working without waiting for it to expire; she cannot refresh
    // or sign in again, and blocking twice is a conflict.
    assert_eq!(server.me(&mallory.access).await.code(), Some("UNAUTHENTICATED"));
    let refresh = server
        .gql(
            "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
            json!({ "t": mallory.refresh }),
            None,
        )
        .await;
    assert_eq!(refresh.code(), Some("UNAUTHENTICATED"));
    let login = server.login("mallory@example.org", PASSWORD).await;
    assert_eq!(login.code(), Some("FORBIDDEN"));
    assert_eq!(login.message(), Some("this account is blocked"));
    assert_eq!(
        server
            .gql(&decide("blockUser"), input.clone(), Some(&admin.access))
            .await
            .code(),
        Some("CONFLICT")
    );
    // Blocked users disappear from public lookups.
    let lookup = server
        .gql("{ user(username: \"mallory\") { id } }", json!({}), None)
        .await;
    assert_eq!(lookup.data()["user"], serde_json::Value::Null);

    let unblocked = server
        .gql(&decide("unblockUser"), input, Some(&admin.access))
        .await;
    assert_eq!(unblocked.data()["unblockUser"]["status"], "ACTIVE");
    assert!(server.login("mallory@example.org", PASSWORD).await.data()["login"].is_object());

    // An admin cannot lock themselves out.
    let own = json!({ "input": { "userId": admin.user_id } });
    assert_eq!(
        server
            .gql(&decide("blockUser"), own, Some(&admin.access))
            .await
            .code(),
        Some("FORBIDDEN")
    );
}

#[tokio::test]
async fn a_pending_organizer_is_approved_by_an_admin() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let olga = server
        .register_as("olga@example.org", "olga", Some("organizer"))
        .await;
    let volunteer = server
        .register_as("vera@example.org", "vera", Some("person"))
        .await;

    let me = server.me(&olga.access).await;
    assert_eq!(me.data()["me"]["status"], "PENDING");
    assert_eq!(
        server.me(&volunteer.access).await.data()["me"]["status"],
        "ACTIVE"
    );

    // The admin's queue shows Olga and only Olga.
    let queue = "{ users(status: PENDING, first: 10) { edges { node { id username accountKind } } pageInfo { hasNextPage } } }";
    let pending = server.gql(queue, json!({}), Some(&admin.access)).await;
    let edges = pending.data()["users"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 1, "{}", pending.body);
    assert_eq!(edges[0]["node"]["username"], "olga");
    assert_eq!(edges[0]["node"]["accountKind"], "organizer");
    // Others may not read the queue.
    assert_eq!(
        server.gql(queue, json!({}), Some(&olga.access)).await.code(),
        Some("FORBIDDEN")
    );

    // Rejecting needs a reason.
    let no_reason = server
        .gql(
            &decide("rejectUser"),
            json!({ "input": { "userId": olga.user_id } }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(no_reason.code(), Some("BAD_USER_INPUT"));
    assert_eq!(no_reason.body["errors"][0]["extensions"]["field"], "reason");

    let approved = server
        .gql(
            &decide("approveUser"),
            json!({ "input": { "userId": olga.user_id } }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(
        approved.data()["approveUser"]["status"],
        "ACTIVE",
        "{}",
        approved.body
    );
    assert_eq!(server.me(&olga.access).await.data()["me"]["status"], "ACTIVE");
    let after = server.gql(queue, json!({}), Some(&admin.access)).await;
    assert_eq!(after.data()["users"]["edges"].as_array().map(Vec::len), Some(0));
    // Approving twice is a conflict a person can read.
    let again = server
        .gql(
            &decide("approveUser"),
            json!({ "input": { "userId": olga.user_id } }),
            Some(&admin.access),
        )
        .await;
    assert_eq!(again.code(), Some("CONFLICT"));
    assert!(again.message().is_some_and(|m| m.contains("active")));
}

#[tokio::test]
async fn a_rejected_account_sees_why() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let sam = server
        .register_as("sam@example.org", "sam", Some("organizer"))
        .await;
    let input =
        json!({ "input": { "userId": sam.user_id, "reason": "We could not verify your organization." } });
    let rejected = server
        .gql(&decide("rejectUser"), input, Some(&admin.access))
        .await;
    assert_eq!(rejected.data()["rejectUser"]["status"], "REJECTED");
    let me = session(&server.login("sam@example.org", PASSWORD).await, "login");
    let seen = server.me(&me.access).await;
    assert_eq!(seen.data()["me"]["status"], "REJECTED");
    assert_eq!(
        seen.data()["me"]["statusReason"],
        "We could not verify your organization."
    );
}

#[tokio::test]
async fn the_users_list_pages_by_cursor() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    for i in 0..4 {
        server
            .register(&format!("u{i}@example.org"), &format!("user{i}"))
            .await;
    }
    let query = "query($after: String) { users(first: 2, after: $after) { edges { cursor node { username } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let page = server
            .gql(query, json!({ "after": after }), Some(&admin.access))
            .await;
        let users = &page.data()["users"];
        for edge in users["edges"].as_array().cloned().unwrap_or_default() {
            seen.push(edge["node"]["username"].as_str().unwrap_or_default().to_owned());
        }
        if users["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = users["pageInfo"]["endCursor"].clone();
    }
    // Newest first, each exactly once: the four users and the admin.
    assert_eq!(seen, ["user3", "user2", "user1", "user0", "platform_root"]);

    let too_many = server
        .gql(
            "{ users(first: 101) { edges { cursor } } }",
            json!({}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(too_many.code(), Some("BAD_USER_INPUT"));
    let bad_cursor = server
        .gql(
            "{ users(after: \"nonsense\") { edges { cursor } } }",
            json!({}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(bad_cursor.body["errors"][0]["extensions"]["field"], "after");
}
