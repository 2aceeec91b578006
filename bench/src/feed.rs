//! The feed scenario (DESIGN.md section 8): the first page of the public feed, 20 resources
//! with their owner, creator and kind fields, over HTTP; and the same data read with the SQL
//! it needs, run directly on the database, for the ratio. Run at several table sizes, it shows
//! whether the feed's cost grows with the table (a keyset page should not).

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;

use crate::{Outcome, gql, run_scenario};

pub const QUERY: &str = "{ resources(first: 20) { edges { node { __typename id title summary tags publishedAt
    creator { username } owner { __typename ... on User { username } ... on Organization { name } }
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

pub async fn over_http(base: &str, clients: usize, duration: Duration) -> Outcome {
    let http = reqwest::Client::new();
    run_scenario(clients, duration, |_| {
        let (http, base) = (http.clone(), base.to_owned());
        async move {
            let reply = gql(&http, &base, QUERY, json!({})).await?;
            let edges = reply["data"]["resources"]["edges"].as_array().map_or(0, Vec::len);
            Ok(edges == 20 && reply["errors"].is_null())
        }
    })
    .await
}

pub async fn connect(database_url: &str) -> anyhow::Result<DatabaseConnection> {
    Ok(Database::connect(database_url).await?)
}

/// The statements the feed needs, one after another as the server runs them: the page, its
/// tags, each kind's rows, the people (creators and owners) and the owners' agent kinds.
pub async fn direct_sql(db: &DatabaseConnection, clients: usize, duration: Duration) -> Outcome {
    run_scenario(clients, duration, |_| {
        let db = db.clone();
        async move {
            let backend = db.get_database_backend();
            let run = |sql: String| db.query_all_raw(Statement::from_string(backend, sql));
            let page = run(
                "SELECT * FROM resources WHERE status = 'published' AND deleted_at IS NULL \
                 AND visibility = 'public' ORDER BY id DESC LIMIT 21"
                    .into(),
            )
            .await?;
            let mut ids = Vec::new();
            let mut people = Vec::new();
            for row in page.iter().take(20) {
                let id: sea_orm::prelude::Uuid = row.try_get("", "id")?;
                let creator: sea_orm::prelude::Uuid = row.try_get("", "creator_id")?;
                let owner: sea_orm::prelude::Uuid = row.try_get("", "owner_id")?;
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
            Ok(page.len() == 21)
        }
    })
    .await
}
