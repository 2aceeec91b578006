//! The performance race (issue 16), `bench/run --peer postgraphile`: the anonymous feed and
//! one resource, read from Commons and from PostGraphile 5 serving the same tables, in
//! interleaved rounds at several concurrencies; and the SQL one anonymous feed request sends,
//! run by pgbench as one transaction. Every figure is a ratio of two runs on this machine,
//! reported as the median of the rounds' ratios.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use memchr::memmem;
use reqwest::header::CONTENT_TYPE;
use sea_orm::prelude::Uuid;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::api::gql;
use crate::load::{Outcome, median, run_scenario};

/// The anonymous feed's first page as Commons serves it: what the race compares.
const COMMONS_FEED: &str = "{ resources(first: 20) { edges { node { __typename id title summary tags
    publishedAt commentCount creator { username }
    owner { __typename ... on User { username } ... on Organization { name } }
    reactions { total counts { kind count } }
    ... on Blogpost { body } ... on Event { startsAt place seatsLeft } ... on Spot { address latitude longitude } } } } }";

/// The same page from PostGraphile: its own names for the same columns and relations.
const PEER_FEED: &str =
    "{ allResources(first: 20, orderBy: ROW_ID_DESC, condition: { status: \"published\" }) {
    edges { node { rowId kind title summary publishedAt commentCount latitude longitude reactionCount
    resourceTagsByResourceId { nodes { tag } } userByCreatorId { username }
    agentByOwnerId { kind userByRowId { username } organizationByRowId { name } }
    reactionCountsByResourceId { nodes { kind count } }
    blogpostByResourceId { body } eventByResourceId { startsAt place capacity registeredCount }
    spotByResourceId { address } } } } }";

const COMMONS_ONE: &str = "query($id: ID!) { resource(id: $id) { __typename id title summary tags publishedAt
    commentCount creator { username } owner { __typename ... on User { username } ... on Organization { name } }
    reactions { total counts { kind count } } ... on Blogpost { body } } }";

const PEER_ONE: &str =
    "query($id: UUID!) { resourceByRowId(rowId: $id) { rowId kind title summary publishedAt
    commentCount reactionCount resourceTagsByResourceId { nodes { tag } } userByCreatorId { username }
    agentByOwnerId { kind userByRowId { username } organizationByRowId { name } }
    reactionCountsByResourceId { nodes { kind count } } blogpostByResourceId { body } } }";

/// The peer server, stopped when dropped.
pub(crate) struct Peer {
    child: Child,
    base: String,
}

impl Peer {
    /// Starts `node <dir>/server.mjs` (PostGraphile 5, installed there by `bench/run`).
    pub(crate) async fn postgraphile(dir: &str, database_url: &str, port: u16) -> anyhow::Result<Peer> {
        // Its warnings (it names a type after the `subscriptions` table, say) go to a file.
        let log = std::env::temp_dir().join("commons-bench-postgraphile.log");
        let child = Command::new("node")
            .arg(format!("{dir}/server.mjs"))
            .env("DATABASE_URL", database_url)
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?)
            .spawn()
            .context("starting PostGraphile (node)")?;
        let peer = Peer {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(reply) = gql(&http, &peer.base, "{ __typename }", json!({})).await
                && reply["data"]["__typename"] == "Query"
            {
                return Ok(peer);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("PostGraphile did not answer in 60 s")
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// One query against one server: what to send and how to tell a full answer.
#[derive(Clone)]
struct Probe {
    base: String,
    query: &'static str,
    /// Variables for client `i`.
    variables: Vec<Value>,
    /// The reply's list (feed) or object (one resource), by its path under `data`.
    path: &'static [&'static str],
}

impl Probe {
    /// The load: each client sends its request again and again and checks each answer.
    ///
    /// The load generator shares this machine's cores with the servers, so it does as little
    /// as it can: each body is serialised once, and an answer is checked on its bytes (no
    /// errors; 20 nodes, or the object present) instead of being parsed. Parsing every answer
    /// took CPU away from Commons, which uses both cores, more than from PostGraphile, whose
    /// JavaScript runs on one: with wrk as the client, the feed ratio at 4 clients was
    /// 1.71–1.84 where this client measured 1.36–1.43 (issue 16).
    async fn run(&self, clients: usize, duration: Duration) -> Outcome {
        let http = reqwest::Client::new();
        let url = format!("{}/graphql", self.base);
        let bodies: Vec<String> = self
            .variables
            .iter()
            .map(|variables| json!({ "query": self.query, "variables": variables }).to_string())
            .collect();
        let answer = Answer::of(self.path);
        run_scenario(clients, duration, |i| {
            let request = http
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .body(bodies[i % bodies.len()].clone());
            let answer = answer.clone();
            async move {
                let reply = request.send().await?;
                if !reply.status().is_success() {
                    return Ok(false);
                }
                Ok(answer.is_full(&reply.bytes().await?))
            }
        })
        .await
    }
}

/// How a full answer is told from its bytes: no `errors`, and the list's 20 nodes or the
/// object itself.
#[derive(Clone)]
enum Answer {
    /// A connection: 20 `"node":{`.
    Page,
    /// `"<name>":{`, not null.
    Object(String),
}

impl Answer {
    /// A list under `edges`, else an object named by the path's last key.
    fn of(path: &[&str]) -> Answer {
        match path.last() {
            Some(&"edges") | None => Answer::Page,
            Some(name) => Answer::Object(format!("\"{name}\":{{")),
        }
    }

    fn is_full(&self, body: &[u8]) -> bool {
        if memmem::find(body, b"\"errors\"").is_some() {
            return false;
        }
        match self {
            Answer::Page => memmem::find_iter(body, b"\"node\":{").count() == 20,
            Answer::Object(opening) => memmem::find(body, opening.as_bytes()).is_some(),
        }
    }
}

/// What the race measured for one query at one concurrency: each round's pair.
struct Heat {
    query: &'static str,
    clients: usize,
    rounds: Vec<(Outcome, Outcome)>,
}

impl Heat {
    fn median_of(&self, f: impl Fn(&Outcome, &Outcome) -> f64) -> f64 {
        median(self.rounds.iter().map(|(ours, theirs)| f(ours, theirs)).collect())
    }
}

pub(crate) struct Race {
    pub clients: Vec<usize>,
    pub rounds: usize,
    pub duration: Duration,
}

impl Race {
    /// Runs the race and prints its table.
    pub(crate) async fn run(
        &self,
        commons: &str,
        peer: &Peer,
        sql: &DatabaseConnection,
        database_url: &str,
        scale: u64,
    ) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let ours = first_page(&http, commons, COMMONS_FEED, &["resources", "edges"], "id").await?;
        let theirs = first_page(&http, &peer.base, PEER_FEED, &["allResources", "edges"], "rowId").await?;
        let feed = |base: &str, query, path| Probe {
            base: base.to_owned(),
            query,
            variables: vec![json!({})],
            path,
        };
        let one = |base: &str, query, ids: &[String], path| Probe {
            base: base.to_owned(),
            query,
            variables: ids.iter().map(|id| json!({ "id": id })).collect(),
            path,
        };
        let one_ours = one(commons, COMMONS_ONE, &ours, &["resource"]);
        let one_theirs = one(&peer.base, PEER_ONE, &theirs, &["resourceByRowId"]);
        let contests = [
            (
                "feed",
                feed(commons, COMMONS_FEED, &["resources", "edges"]),
                feed(&peer.base, PEER_FEED, &["allResources", "edges"]),
            ),
            ("one resource", one_ours, one_theirs),
        ];
        // Both servers warm: caches, pools and JIT.
        for (_, a, b) in &contests {
            a.run(4, Duration::from_secs(2)).await;
            b.run(4, Duration::from_secs(2)).await;
        }
        let mut heats = Vec::new();
        for (query, a, b) in &contests {
            for &clients in &self.clients {
                let mut rounds = Vec::new();
                for round in 0..self.rounds {
                    // Alternate who goes first, so drift on a shared machine favours nobody.
                    let (x, y) = if round % 2 == 0 {
                        let x = a.run(clients, self.duration).await;
                        (x, b.run(clients, self.duration).await)
                    } else {
                        let y = b.run(clients, self.duration).await;
                        (a.run(clients, self.duration).await, y)
                    };
                    rounds.push((x, y));
                }
                heats.push(Heat {
                    query,
                    clients,
                    rounds,
                });
            }
        }
        let script = pgbench_script(sql).await?;
        let mut pgbench = Vec::new();
        for &clients in &self.clients {
            pgbench.push(pgbench_tps(database_url, &script, clients, self.duration)?);
        }
        std::fs::remove_file(&script).ok();
        print(&heats, &pgbench, &self.clients, scale, self.rounds, self.duration);
        Ok(())
    }
}

/// The ids (`field`) of a first page, newest first.
async fn first_page(
    http: &reqwest::Client,
    base: &str,
    query: &str,
    path: &[&str],
    field: &str,
) -> anyhow::Result<Vec<String>> {
    let reply = gql(http, base, query, json!({})).await?;
    let edges = path.iter().fold(&reply["data"], |at, key| &at[*key]);
    let ids: Vec<String> = edges
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"][field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.len() != 20 || !reply["errors"].is_null() {
        bail!("{base} did not serve a full first page: {reply}");
    }
    Ok(ids)
}

/// A pgbench script of the statements Commons sends for one anonymous feed (read off
/// PostgreSQL's statement log: the page; its tags and the rows of each kind present, in one
/// statement; the people; the reaction counts. Owners who are people need no read of their
/// kind), with this database's first page in them, as one transaction.
async fn pgbench_script(db: &DatabaseConnection) -> anyhow::Result<std::path::PathBuf> {
    const PAGE: &str = "SELECT * FROM resources WHERE status = 'published' AND deleted_at IS NULL \
                        AND visibility = 'public' ORDER BY id DESC LIMIT 21";
    let backend = db.get_database_backend();
    let page = db.query_all_raw(Statement::from_string(backend, PAGE)).await?;
    let mut ids = Vec::new();
    let mut people = Vec::new();
    let mut kinds = Vec::new();
    for row in page.iter().take(20) {
        ids.push(format!("'{}'", row.try_get::<Uuid>("", "id")?));
        people.push(format!("'{}'", row.try_get::<Uuid>("", "creator_id")?));
        people.push(format!("'{}'", row.try_get::<Uuid>("", "owner_id")?));
        kinds.push(row.try_get::<String>("", "kind")?);
    }
    kinds.sort();
    kinds.dedup();
    // Each kind's table is its name and an "s".
    let (kind_columns, kind_joins): (Vec<String>, Vec<String>) = kinds
        .iter()
        .map(|kind| {
            (
                format!(", {kind}s.*"),
                format!(" LEFT JOIN {kind}s ON {kind}s.resource_id = resources.id"),
            )
        })
        .unzip();
    let (ids, people) = (ids.join(","), people.join(","));
    let statements = [
        "BEGIN".to_owned(),
        PAGE.to_owned(),
        format!(
            "SELECT resources.id, (SELECT json_agg(tag ORDER BY tag)::text FROM resource_tags \
             WHERE resource_tags.resource_id = resources.id) AS tags{} FROM resources{} \
             WHERE resources.id IN ({ids})",
            kind_columns.concat(),
            kind_joins.concat()
        ),
        format!(
            "SELECT id, email, username, display_name, avatar_url, bio, locale, account_kind, \
             platform_role, status, status_reason, created_at, updated_at, password_changed_at \
             FROM users WHERE id IN ({people})"
        ),
        format!(
            "SELECT resource_id, kind, count FROM reaction_counts WHERE resource_id IN ({ids}) AND count > 0"
        ),
        "COMMIT".to_owned(),
    ];
    let path = std::env::temp_dir().join(format!("commons-feed-{}.sql", Uuid::now_v7().simple()));
    std::fs::write(&path, statements.join(";\n") + ";\n")?;
    Ok(path)
}

/// Transactions per second pgbench reaches running `script` from `clients` connections.
fn pgbench_tps(
    database_url: &str,
    script: &std::path::Path,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let threads = clients.min(std::thread::available_parallelism().map_or(2, usize::from));
    let out = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-f"])
        .arg(script)
        .args(["-c", &clients.to_string(), "-j", &threads.to_string()])
        .args(["-T", &duration.as_secs().max(1).to_string()])
        .arg(database_url)
        .output()
        .context("running pgbench (Debian: postgresql-contrib or postgresql-client)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l["tps = ".len()..].split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .with_context(|| {
            format!(
                "pgbench printed no rate: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

fn print(heats: &[Heat], pgbench: &[f64], clients: &[usize], scale: u64, rounds: usize, duration: Duration) {
    println!();
    println!(
        "The race @ {scale} resources · {rounds} interleaved rounds of {} s · medians of the rounds' ratios",
        duration.as_secs()
    );
    println!(
        "{:<14} {:>7} {:>10} {:>10} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "query", "clients", "ours r/s", "peer r/s", "ratio", "our p50", "our p99", "peer p99", "p99 ratio"
    );
    for heat in heats {
        println!(
            "{:<14} {:>7} {:>10.1} {:>10.1} {:>8.2} {:>9.1} {:>9.1} {:>9.1} {:>9.2}",
            heat.query,
            heat.clients,
            heat.median_of(|a, _| a.rate()),
            heat.median_of(|_, b| b.rate()),
            heat.median_of(|a, b| a.rate() / b.rate()),
            heat.median_of(|a, _| a.percentile(0.5)),
            heat.median_of(|a, _| a.percentile(0.99)),
            heat.median_of(|_, b| b.percentile(0.99)),
            heat.median_of(|a, b| a.percentile(0.99) / b.percentile(0.99)),
        );
    }
    println!("targets: feed ratio ≥ 2.00 and p99 ratio ≤ 0.50 at every concurrency");
    for (i, &c) in clients.iter().enumerate() {
        let feed = heats.iter().find(|h| h.query == "feed" && h.clients == c);
        if let (Some(feed), Some(tps)) = (feed, pgbench.get(i)) {
            println!(
                "feed @ {c} clients: {:.1}% of pgbench running its SQL ({tps:.1} feeds/s; target ≥ 50%)",
                100.0 * feed.median_of(|a, _| a.rate()) / tps
            );
        }
    }
}
