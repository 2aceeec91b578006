//! The feed scenario (DESIGN.md section 8): the first page of the feed, 20 resources with
//! their owner, creator, kind fields, reaction counts, the viewer's own reactions and comment
//! count, over HTTP, each client signed in as its own user; and the same data read with the
//! SQL it needs, run directly on the database, for the ratio. Run at several table sizes, it
//! shows whether the feed's cost grows with the table (a keyset page should not).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sea_orm::prelude::Uuid;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;

use crate::api::{Session, gql_as};
use crate::load::{Outcome, run_scenario};

pub const QUERY: &str = "{ resources(first: 20) { edges { node { __typename id title summary tags publishedAt
    creator { username } owner { __typename ... on User { username } ... on Organization { name } }
    reactions { total viewerReactions } commentCount
    ... on Blogpost { body } ... on Event { startsAt place seatsLeft } ... on Spot { address latitude longitude } } } } }";

/// Tops the database up to `scale` published resources with `commons seed --scale`.
pub fn seed(server: &str, database_url: &str, scale: u64) -> anyhow::Result<()> {
    let status = std::process::Command::new(server)
        .args([
            "--database-url",
            database_url,
            "seed",
            "--scale",
            &scale.to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .status()
        .context("running commons seed --scale")?;
    anyhow::ensure!(status.success(), "commons seed --scale {scale} failed");
    Ok(())
}

/// Client `i` reads the feed as `sessions[i]`.
pub async fn over_http(base: &str, sessions: &[Session], duration: Duration) -> Outcome {
    let http = reqwest::Client::new();
    let sessions = Arc::new(sessions.to_vec());
    run_scenario(sessions.len(), duration, |i| {
        let (http, base, sessions) = (http.clone(), base.to_owned(), sessions.clone());
        async move {
            let reply = gql_as(&http, &base, Some(&sessions[i].token), QUERY, json!({})).await?;
            let edges = reply["data"]["resources"]["edges"].as_array().map_or(0, Vec::len);
            Ok(edges == 20 && reply["errors"].is_null())
        }
    })
    .await
}

pub async fn connect(database_url: &str) -> anyhow::Result<DatabaseConnection> {
    Ok(Database::connect(database_url).await?)
}

/// The statements the feed needs, one after another as the server runs them for client `i`,
/// signed in as `sessions[i]`: the session behind the token, the viewer's memberships (which
/// decide what else they may see), the page, its tags, each kind's rows, the people (creators
/// and owners) and the owners' agent kinds, the page's reaction counts and the viewer's own
/// reactions. The comment count is a column of the page's rows.
pub async fn direct_sql(db: &DatabaseConnection, sessions: &[Session], duration: Duration) -> Outcome {
    let sessions = Arc::new(sessions.to_vec());
    run_scenario(sessions.len(), duration, |i| {
        let (db, sessions) = (db.clone(), sessions.clone());
        async move {
            let (me, session) = (sessions[i].user_id, sessions[i].session_id);
            let backend = db.get_database_backend();
            let run = |sql: String| db.query_all_raw(Statement::from_string(backend, sql));
            run(format!(
                "SELECT * FROM sessions LEFT JOIN users ON users.id = sessions.user_id \
                 WHERE sessions.id = '{session}'"
            ))
            .await?;
            run(format!("SELECT * FROM memberships WHERE user_id = '{me}'")).await?;
            run(format!("SELECT * FROM department_members WHERE user_id = '{me}'")).await?;
            // What a viewer without memberships may see: the public, and their own.
            let page = run(format!(
                "SELECT * FROM resources WHERE status = 'published' AND deleted_at IS NULL \
                 AND ((status = 'published' AND visibility = 'public') \
                 OR (org_id IS NULL AND (owner_id = '{me}' OR creator_id = '{me}'))) \
                 ORDER BY id DESC LIMIT 21"
            ))
            .await?;
            let mut ids = Vec::new();
            let mut people = Vec::new();
            for row in page.iter().take(20) {
                let id: Uuid = row.try_get("", "id")?;
                let creator: Uuid = row.try_get("", "creator_id")?;
                let owner: Uuid = row.try_get("", "owner_id")?;
                ids.push(format!("'{id}'"));
                people.push(format!("'{creator}'"));
                people.push(format!("'{owner}'"));
            }
            let ids = ids.join(",");
            let people = people.join(",");
            run(format!(
                "SELECT * FROM resource_tags WHERE resource_id IN ({ids}) ORDER BY tag"
            ))
            .await?;
            for table in ["blogposts", "events", "spots"] {
                run(format!("SELECT * FROM {table} WHERE resource_id IN ({ids})")).await?;
            }
            run(format!("SELECT id, kind FROM agents WHERE id IN ({people})")).await?;
            run(format!("SELECT * FROM users WHERE id IN ({people})")).await?;
            run(format!(
                "SELECT * FROM reaction_counts WHERE resource_id IN ({ids}) AND count > 0"
            ))
            .await?;
            run(format!(
                "SELECT * FROM reactions WHERE user_id = '{me}' AND resource_id IN ({ids})"
            ))
            .await?;
            Ok(page.len() == 21)
        }
    })
    .await
}
