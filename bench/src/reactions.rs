//! Issue 6's scenarios on single resources (DESIGN.md section 8): toggling a reaction, adding
//! a comment, and reading one resource page with its comment thread. Each client is signed in
//! as its own user, as people are. The writes are spread over a few resources, four clients
//! to each, so the counter rows they move see the contention a popular post's do, without one
//! row serialising every client.

use std::time::Duration;

use serde_json::{Value, json};

use crate::api::{self, Session, gql_as};
use crate::load::{Outcome, run_scenario};

/// Comments on the resource page's thread: more than the page shows, so it is a real page.
pub(crate) const THREAD_COMMENTS: usize = 50;

/// How many clients write to the same resource.
const CLIENTS_PER_TARGET: usize = 4;

pub(crate) const TOGGLE: &str =
    "mutation($id: ID!) { toggleReaction(resourceId: $id, kind: LIKE) { total } }";

/// A resource page as a client renders it: the resource, who made and owns it, its reactions
/// (with the viewer's own), and the first 20 comments with their authors.
pub(crate) const PAGE: &str = "query($id: ID!) { resource(id: $id) { id title ... on Blogpost { body }
    creator { username } owner { __typename ... on User { username } ... on Organization { name } }
    reactions { total counts { kind count } viewerReactions } commentCount
    comments(first: 20) { edges { node { id body parentId author { username } createdAt } } } } }";

/// What the scenarios act on, created through the API at startup.
pub(crate) struct Stage {
    /// Where clients react and comment: client `i` writes to `targets[i % len]`.
    targets: Vec<String>,
    /// A resource with [`THREAD_COMMENTS`] comments and a few reactions.
    thread: String,
}

impl Stage {
    /// Publishes the resources as `author`; the `readers` (one per client) write the thread's
    /// comments in turn and react to it, so the page has several authors and reaction kinds.
    /// `stamp` keeps titles (and so slugs) unique when a database is reused.
    pub(crate) async fn seed(
        http: &reqwest::Client,
        base: &str,
        author: &Session,
        readers: &[Session],
        stamp: &str,
    ) -> anyhow::Result<Stage> {
        let mut targets = Vec::new();
        for n in 0..readers.len().div_ceil(CLIENTS_PER_TARGET) {
            let title = format!("Benchmark target {n} {stamp}");
            targets.push(api::publish_blogpost(http, base, author, &title, &body()).await?);
        }
        let title = format!("Benchmark thread {stamp}");
        let thread = api::publish_blogpost(http, base, author, &title, &body()).await?;
        for n in 0..THREAD_COMMENTS {
            let reader = &readers[n % readers.len()];
            let text = format!(
                "Comment {n}: thanks for writing this up. We tried the same last spring and the \
                 hardest part was finding enough volunteers for the second weekend."
            );
            api::add_comment(http, base, reader, &thread, &text).await?;
        }
        for (i, reader) in readers.iter().enumerate() {
            let kinds: &[&str] = if i % 2 == 0 { &["LIKE", "LOVE"] } else { &["LIKE"] };
            for kind in kinds {
                let reply = gql_as(
                    http,
                    base,
                    Some(&reader.token),
                    "mutation($id: ID!, $k: ReactionKind!) { toggleReaction(resourceId: $id, kind: $k) { total } }",
                    json!({ "id": thread, "k": kind }),
                )
                .await?;
                api::data(&reply, "toggleReaction")?;
            }
        }
        Ok(Stage { targets, thread })
    }

    fn target(&self, client: usize) -> String {
        self.targets[client % self.targets.len()].clone()
    }
}

/// A blogpost of a few paragraphs, about the size people write.
fn body() -> String {
    "## What we did\n\nTwenty neighbours met at the square on Saturday morning, split into four \
     teams and cleaned the riverside path from the bridge to the old mill. "
        .repeat(8)
}

/// Each client toggles its target's LIKE, over and over: every request inserts or deletes
/// a reaction and moves the resource's counters in the same transaction.
pub(crate) async fn toggle_reaction(
    base: &str,
    sessions: &[Session],
    stage: &Stage,
    duration: Duration,
) -> Outcome {
    as_each_client(
        base,
        sessions,
        duration,
        TOGGLE,
        |i| json!({ "id": stage.target(i) }),
        |reply| reply["data"]["toggleReaction"]["total"].is_number(),
    )
    .await
}

/// Each client comments on its target, over and over.
pub(crate) async fn add_comment(
    base: &str,
    sessions: &[Session],
    stage: &Stage,
    duration: Duration,
) -> Outcome {
    let comment = |i| json!({ "id": stage.target(i), "b": format!("A benchmark comment from client {i}.") });
    as_each_client(base, sessions, duration, api::ADD_COMMENT, comment, |reply| {
        reply["data"]["addComment"]["id"].is_string()
    })
    .await
}

/// Every client reads the thread's page, signed in (so `viewerReactions` is theirs).
pub(crate) async fn resource_page(
    base: &str,
    sessions: &[Session],
    stage: &Stage,
    duration: Duration,
) -> Outcome {
    as_each_client(
        base,
        sessions,
        duration,
        PAGE,
        |_| json!({ "id": stage.thread }),
        |reply| {
            let page = &reply["data"]["resource"];
            let comments = page["comments"]["edges"].as_array().map_or(0, Vec::len);
            comments == 20 && page["reactions"]["total"].is_number()
        },
    )
    .await
}

/// Sends `query` as each client, with `variables(client)`, until `duration` is over; a request
/// counts as answered when it has no errors and `answered` accepts its reply.
async fn as_each_client(
    base: &str,
    sessions: &[Session],
    duration: Duration,
    query: &'static str,
    variables: impl Fn(usize) -> Value,
    answered: fn(&Value) -> bool,
) -> Outcome {
    let http = reqwest::Client::new();
    run_scenario(sessions.len(), duration, |i| {
        let (http, base, token, variables) = (
            http.clone(),
            base.to_owned(),
            sessions[i].token.clone(),
            variables(i),
        );
        async move {
            let reply = gql_as(&http, &base, Some(&token), query, variables).await?;
            Ok(reply["errors"].is_null() && answered(&reply))
        }
    })
    .await
}

/// Writes `count` comments as fast as the clients go, split between them, and returns how many
/// the server accepted. Not timed: it leaves the server with the notifications and live
/// deliveries of a burst still to handle, for the scenario that follows.
pub(crate) async fn comment_burst(base: &str, sessions: &[Session], stage: &Stage, count: usize) -> usize {
    let http = reqwest::Client::new();
    let clients = sessions.len().max(1);
    let each = count.div_ceil(clients);
    let writers = (0..clients).map(|i| {
        let (http, base, token, target) = (
            http.clone(),
            base.to_owned(),
            sessions[i].token.clone(),
            stage.target(i),
        );
        async move {
            let mut accepted = 0;
            for n in 0..each {
                let body = json!({ "id": target, "b": format!("Burst comment {n} from client {i}.") });
                let reply = gql_as(&http, &base, Some(&token), api::ADD_COMMENT, body).await;
                if reply.is_ok_and(|r| r["data"]["addComment"]["id"].is_string()) {
                    accepted += 1;
                }
            }
            accepted
        }
    });
    futures::future::join_all(writers).await.into_iter().sum()
}
