//! The GraphQL calls the benchmark makes, over plain HTTP as any client would: the one call
//! the scenarios time, and the few it sets itself up with (accounts, sessions, published
//! resources, comments), so the data under load went through the services like real data.

use std::time::Duration;

use anyhow::{Context, bail};
use commons_identity::TokenKeys;
use sea_orm::prelude::Uuid;
use serde_json::{Value, json};

use crate::server::JWT_SECRET;

/// Every benchmark account's password.
pub(crate) const PASSWORD: &str = "benchmark password 2026";

/// One GraphQL request, anonymous; the reply as sent (errors included).
pub(crate) async fn gql(
    http: &reqwest::Client,
    base: &str,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    gql_as(http, base, None, query, variables).await
}

/// One GraphQL request, signed in with `token` when given.
pub(crate) async fn gql_as(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let mut request = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Ok(request.send().await?.json().await?)
}

/// `data.<field>` of a reply that has no errors; the whole reply as the error otherwise.
pub(crate) fn data<'a>(reply: &'a Value, field: &str) -> anyhow::Result<&'a Value> {
    let found = &reply["data"][field];
    if !reply["errors"].is_null() || found.is_null() {
        bail!("{field} failed: {reply}");
    }
    Ok(found)
}

pub(crate) async fn wait_ready(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/ready")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become ready in 30 s")
}

/// Creates the account `username` (`<username>@example.org`); one left by an earlier run on
/// the same database is kept.
pub(crate) async fn register(http: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<()> {
    let reply = gql(
        http,
        base,
        "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
        json!({ "i": { "email": email(username), "username": username, "password": PASSWORD } }),
    )
    .await?;
    if reply["errors"].is_array() && !reply["errors"][0]["extensions"]["code"].eq("CONFLICT") {
        bail!("registering {username} failed: {reply}");
    }
    Ok(())
}

pub(crate) fn email(username: &str) -> String {
    format!("{username}@example.org")
}

/// A signed-in user: the access token, and the user and session it names (which the SQL
/// baselines look up as the server does).
#[derive(Clone)]
pub(crate) struct Session {
    pub token: String,
    pub user_id: Uuid,
    pub session_id: Uuid,
}

/// Logs `username` in. Access tokens last 15 minutes, so scenarios sign in shortly before they
/// run rather than once at the start of a long benchmark.
pub(crate) async fn sign_in(http: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<Session> {
    let reply = gql(
        http,
        base,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({ "i": { "email": email(username), "password": PASSWORD } }),
    )
    .await?;
    let token = data(&reply, "login")?["accessToken"]
        .as_str()
        .context("login gave no access token")?
        .to_owned();
    let keys = TokenKeys::from_secret(JWT_SECRET.as_bytes())?;
    let claims = keys
        .verify(&token, chrono::Utc::now())
        .context("the server's access token does not verify with the benchmark's secret")?;
    Ok(Session {
        token,
        user_id: claims.sub,
        session_id: claims.sid,
    })
}

/// Signs every one of `usernames` in, one after another.
pub(crate) async fn sign_in_all(
    http: &reqwest::Client,
    base: &str,
    usernames: &[String],
) -> anyhow::Result<Vec<Session>> {
    let mut sessions = Vec::with_capacity(usernames.len());
    for username in usernames {
        sessions.push(sign_in(http, base, username).await?);
    }
    Ok(sessions)
}

/// Creates a public blogpost as `author` and publishes it; its id.
pub(crate) async fn publish_blogpost(
    http: &reqwest::Client,
    base: &str,
    author: &Session,
    title: &str,
    body: &str,
) -> anyhow::Result<String> {
    let input = json!({
        "title": title,
        "summary": "Seeded by the benchmark.",
        "tags": ["benchmark", "community"],
        "visibility": "PUBLIC",
        "kind": { "blogpost": { "body": body } },
    });
    publish(http, base, author, input).await
}

/// Creates a resource from `input` (a `CreateResourceInput`) as `author` and publishes it;
/// its id.
pub(crate) async fn publish(
    http: &reqwest::Client,
    base: &str,
    author: &Session,
    input: Value,
) -> anyhow::Result<String> {
    let created = gql_as(
        http,
        base,
        Some(&author.token),
        "mutation($i: CreateResourceInput!) { createResource(input: $i) { id title } }",
        json!({ "i": input }),
    )
    .await?;
    let id = data(&created, "createResource")?["id"]
        .as_str()
        .context("createResource gave no id")?
        .to_owned();
    let published = gql_as(
        http,
        base,
        Some(&author.token),
        "mutation($id: ID!) { publishResource(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await?;
    anyhow::ensure!(
        data(&published, "publishResource")?["status"] == "PUBLISHED",
        "publishing {} failed: {published}",
        created["data"]["createResource"]["title"]
    );
    Ok(id)
}

/// The one `addComment` every scenario sends.
pub(crate) const ADD_COMMENT: &str =
    "mutation($id: ID!, $b: String!) { addComment(input: { resourceId: $id, body: $b }) { id } }";

/// Comments on `resource` as `author`; the comment's id.
pub(crate) async fn add_comment(
    http: &reqwest::Client,
    base: &str,
    author: &Session,
    resource: &str,
    body: &str,
) -> anyhow::Result<String> {
    let reply = gql_as(
        http,
        base,
        Some(&author.token),
        ADD_COMMENT,
        json!({ "id": resource, "b": body }),
    )
    .await?;
    Ok(data(&reply, "addComment")?["id"]
        .as_str()
        .context("addComment gave no id")?
        .to_owned())
}
