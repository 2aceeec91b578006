//! Resources end to end: an AqStream organization publishes a public post and one for its
//! "Saratov Team" department; who sees which, over HTTP, with owners as a union.

use crate::common::{Session, TestServer};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateResourceInput!) { createResource(input: $input) {
    id kind slug status visibility tags owner { __typename ... on Organization { slug } ... on Department { name } }
    creator { username } ... on Blogpost { body } } }";
const PUBLISH: &str = "mutation($id: ID!) { publishResource(id: $id) { status publishedAt } }";
const READ: &str = "query($id: ID!) { resource(id: $id) { id title } }";

async fn create(server: &TestServer, by: &Session, input: Value) -> crate::common::Reply {
    server
        .gql(CREATE, json!({ "input": input }), Some(&by.access))
        .await
}

async fn sees(server: &TestServer, who: Option<&Session>, id: &Value) -> bool {
    let reply = server
        .gql(READ, json!({ "id": id }), who.map(|s| s.access.as_str()))
        .await;
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    !reply.data()["resource"].is_null()
}

#[tokio::test]
async fn aqstream_public_and_department_posts_over_http() {
    let server = TestServer::start().await;
    let owner = server.register("founder@example.org", "founder").await;
    let org = server
        .gql(
            "mutation { createOrganization(input: { name: \"AqStream\", slug: \"aqstream\" }) { id } }",
            json!({}),
            Some(&owner.access),
        )
        .await
        .data()["createOrganization"]["id"]
        .clone();
    let team = server
        .gql(
            "mutation($org: ID!) { createDepartment(input: { organizationId: $org, name: \"Saratov Team\" }) { id joinCode } }",
            json!({ "org": org }),
            Some(&owner.access),
        )
        .await
        .data()["createDepartment"]
        .clone();
    let runner = server.register("runner@example.org", "runner").await;
    let joined = server
        .gql(
            "mutation($code: String!) { joinDepartment(code: $code) { id } }",
            json!({ "code": team["joinCode"] }),
            Some(&runner.access),
        )
        .await;
    assert!(joined.body["errors"].is_null(), "{}", joined.body);
    let outsider = server.register("outsider@example.org", "outsider").await;

    let public = create(
        &server,
        &owner,
        json!({ "ownerId": org, "title": "Open run on Sunday", "tags": ["Running"], "kind": { "blogpost": { "body": "Meet at the embankment." } } }),
    )
    .await;
    let post = &public.data()["createResource"];
    assert_eq!(post["status"], "DRAFT", "{}", public.body);
    assert_eq!(post["kind"], "blogpost");
    assert_eq!(post["slug"], "open-run-on-sunday");
    assert_eq!(post["tags"], json!(["running"]));
    assert_eq!(
        post["owner"],
        json!({ "__typename": "Organization", "slug": "aqstream" })
    );
    assert_eq!(post["creator"]["username"], "founder");
    let public_id = post["id"].clone();
    let team_post = create(
        &server,
        &owner,
        json!({ "ownerId": team["id"], "title": "Team training", "visibility": "DEPARTMENT", "kind": { "blogpost": { "body": "Only for us." } } }),
    )
    .await;
    assert_eq!(
        team_post.data()["createResource"]["owner"]["name"],
        "Saratov Team",
        "{}",
        team_post.body
    );
    let team_id = team_post.data()["createResource"]["id"].clone();

    // A plain member of the department does not even see the organization's draft, so
    // cannot publish it.
    let refused = server
        .gql(PUBLISH, json!({ "id": public_id }), Some(&runner.access))
        .await;
    assert_eq!(refused.code(), Some("NOT_FOUND"));
    for id in [&public_id, &team_id] {
        let published = server
            .gql(PUBLISH, json!({ "id": id }), Some(&owner.access))
            .await;
        assert_eq!(
            published.data()["publishResource"]["status"],
            "PUBLISHED",
            "{}",
            published.body
        );
    }

    assert!(sees(&server, None, &public_id).await);
    assert!(sees(&server, Some(&outsider), &public_id).await);
    assert!(
        !sees(&server, Some(&outsider), &team_id).await,
        "a non-member sees only the public post"
    );
    assert!(
        sees(&server, Some(&runner), &team_id).await,
        "a department member sees both"
    );

    // The public feed, with kinds and owners, batched.
    let feed = server
        .gql(
            "{ resources(first: 10, filter: { tag: \"running\" }) { edges { node { __typename title owner { __typename } ... on Blogpost { body } } } } }",
            json!({}),
            None,
        )
        .await;
    let edges = feed.data()["resources"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 1, "{}", feed.body);
    assert_eq!(edges[0]["node"]["__typename"], "Blogpost");
    assert_eq!(edges[0]["node"]["body"], "Meet at the embankment.");

    // Resources are Relay nodes, with the same visibility.
    let node = "query($id: ID!) { node(id: $id) { __typename id } }";
    let found = server.gql(node, json!({ "id": public_id }), None).await;
    assert_eq!(found.data()["node"]["__typename"], "Blogpost", "{}", found.body);
    let hidden = server
        .gql(node, json!({ "id": team_id }), Some(&outsider.access))
        .await;
    assert!(hidden.data()["node"].is_null(), "{}", hidden.body);

    // Edits go through the same rules.
    let update = "mutation($input: UpdateResourceInput!) { updateResource(input: $input) { title tags } }";
    let refused = server
        .gql(
            update,
            json!({ "input": { "id": public_id, "title": "Mine" } }),
            Some(&runner.access),
        )
        .await;
    assert_eq!(refused.code(), Some("FORBIDDEN"));
    let edited = server
        .gql(
            update,
            json!({ "input": { "id": public_id, "title": "Open run, 9:00", "tags": ["running", "sunday"] } }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        edited.data()["updateResource"],
        json!({ "title": "Open run, 9:00", "tags": ["running", "sunday"] }),
        "{}",
        edited.body
    );

    // Exactly one kind per resource: two are refused before any resolver runs.
    let both = create(
        &server,
        &owner,
        json!({ "title": "Both", "kind": { "blogpost": { "body": "x" }, "page": { "path": "x", "body": "x" } } }),
    )
    .await;
    assert_eq!(both.code(), Some("GRAPHQL_VALIDATION_FAILED"), "{}", both.body);
}

#[tokio::test]
async fn a_feed_reads_each_person_once_whether_creator_or_owner() {
    // The default batch window (none: a level's keys are those its fields ask for in one
    // pass), which must batch on a slow debug build too.
    let server = TestServer::with_config(commons_gateway::GatewayConfig {
        auth_attempts_per_minute: 0,
        ..commons_gateway::GatewayConfig::default()
    })
    .await;
    for i in 0..5 {
        let author = server
            .register(&format!("author{i}@example.org"), &format!("author{i}"))
            .await;
        for j in 0..4 {
            crate::common::publish(
                &server.http,
                &server.url,
                &author.access,
                &format!("Post {i}.{j}"),
                "PUBLIC",
            )
            .await;
        }
    }
    let feed = "{ resources(first: 20) { edges { node { title creator { username }
        owner { __typename ... on User { username } } } } } }";
    let (reply, statements) = server.traced(feed, json!({}), None).await;
    let edges = reply.data()["resources"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 20, "{}", reply.body);
    for edge in &edges {
        let node = &edge["node"];
        let author = node["creator"]["username"].as_str().unwrap_or_default();
        assert!(
            node["title"]
                .as_str()
                .is_some_and(|t| t.starts_with(&format!("Post {}", &author[6..])))
        );
        assert_eq!(
            node["owner"]["username"], author,
            "each person owns what they wrote"
        );
    }
    let reading_users: Vec<&String> = statements
        .iter()
        .filter(|sql| sql.contains(r#"FROM "users""#))
        .collect();
    assert_eq!(
        reading_users.len(),
        1,
        "the five people are read once: {reading_users:#?}"
    );
    let hashes: Vec<&String> = statements
        .iter()
        .filter(|sql| sql.contains("password_hash"))
        .collect();
    assert!(
        hashes.is_empty(),
        "printing usernames reads no password hash: {hashes:#?}"
    );
}

#[tokio::test]
async fn a_mutation_shows_what_earlier_fields_of_the_same_document_changed() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    // The first post loads ann as its creator; the profile changes; the second post's creator
    // must be ann as she is now, not as the first field found her.
    let reply = server
        .gql(
            r#"mutation {
                first: createResource(input: { title: "One", kind: { blogpost: { body: "x" } } }) { creator { displayName } }
                rename: updateProfile(input: { displayName: "Ann Lee" }) { displayName }
                second: createResource(input: { title: "Two", kind: { blogpost: { body: "x" } } }) { creator { displayName } }
            }"#,
            json!({}),
            Some(&ann.access),
        )
        .await;
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    assert_ne!(reply.data()["first"]["creator"]["displayName"], "Ann Lee");
    assert_eq!(reply.data()["rename"]["displayName"], "Ann Lee");
    assert_eq!(reply.data()["second"]["creator"]["displayName"], "Ann Lee");
}
