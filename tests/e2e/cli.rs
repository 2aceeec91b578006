//! The `commons` binary as an operator runs it: serve (the default), seed, schema.

use std::process::Command;

use crate::common::process::{BIN, ServerProcess};

use commons_identity::entity::user;
use commons_migrations::testing::TestDb;
use sea_orm::{EntityTrait, PaginatorTrait};

#[tokio::test]
async fn seed_is_idempotent() {
    let db = TestDb::fresh().await;
    for _ in 0..2 {
        let out = Command::new(BIN)
            .args(["--database-url", db.url(), "seed"])
            .output()
            .expect("commons seed runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("admin@commons.local"));
    }
    let users = user::Entity::find().count(&db.conn).await.expect("count");
    assert_eq!(users, 4);
    let demo = commons_orgs::entity::organization::Entity::find()
        .all(&db.conn)
        .await
        .expect("organizations");
    assert_eq!(demo.len(), 1, "one demo organization, however often seeded");
    assert_eq!((demo[0].slug.as_str(), demo[0].member_count), ("commons-demo", 2));
    // Public rows are readable here; on PostgreSQL the department-only post is behind row
    // level security for this connection, which acts as no one.
    let mut kinds: Vec<String> = commons_resources::entity::resource::Entity::find()
        .all(&db.conn)
        .await
        .expect("resources")
        .into_iter()
        .filter(|r| r.visibility == commons_resources::Visibility::Public)
        .map(|r| r.kind)
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        commons_resources::kind::KINDS,
        "a public resource of every kind"
    );
    let events = commons_resources::entity::event::Entity::find()
        .all(&db.conn)
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].registered_count, 1, "bob registered");
    // Bob's order is placed and paid once (so confirmed), and took one T-shirt of 40.
    let system = commons_core::tenant::read(&db.conn, &commons_core::Actor::System)
        .await
        .expect("begin");
    let orders = commons_sales::entity::order::Entity::find()
        .all(&system)
        .await
        .expect("orders");
    assert_eq!(orders.len(), 1, "one demo order, however often seeded");
    assert_eq!(orders[0].status, commons_sales::OrderStatus::Confirmed);
    // Paid once; the initiative's fund holds bob's gift less what alice spent; the
    // organization is on the starter plan.
    let payments = commons_payments::entity::payment::Entity::find()
        .all(&system)
        .await
        .expect("payments");
    assert_eq!(
        payments.len(),
        3,
        "the order, the gift and the plan's first month"
    );
    let fund = commons_payments::entity::account::Entity::find()
        .all(&system)
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.resource_id.is_some())
        .expect("the initiative's fund");
    assert_eq!(fund.balance_minor, 1_500_000 - 900_000);
    assert_eq!(demo[0].plan, commons_orgs::Plan::Starter);
    let stocks: Vec<Option<i32>> = commons_resources::entity::product::Entity::find()
        .all(&system)
        .await
        .expect("products")
        .into_iter()
        .map(|p| p.stock)
        .collect();
    assert!(stocks.contains(&Some(39)), "{stocks:?}");
    // The initiative's poll, with bob's ballot.
    let polls = commons_governance::entity::poll::Entity::find()
        .all(&system)
        .await
        .expect("polls");
    assert_eq!(polls.len(), 1, "one demo poll, however often seeded");
    let ballots = commons_governance::entity::ballot::Entity::find()
        .count(&system)
        .await
        .expect("ballots");
    assert_eq!(ballots, 1);
    let admin = user::Entity::find()
        .all(&db.conn)
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.email == "admin@commons.local")
        .expect("the demo admin");
    assert_eq!(admin.platform_role, commons_identity::PlatformRole::Admin);
}

#[test]
fn schema_prints_the_sdl() {
    let out = Command::new(BIN)
        .arg("schema")
        .output()
        .expect("commons schema runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), commons_gateway::sdl());
}

#[tokio::test]
async fn serve_is_the_default_and_applies_migrations() {
    // An empty SQLite database: `commons` with no subcommand migrates it and serves. With
    // TEST_DATABASE_URL, a PostgreSQL database, where it then acts as `commons_app`.
    let dir = tempfile_dir();
    let postgres = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(TestDb::fresh().await),
        _ => None,
    };
    let url = match &postgres {
        Some(db) => db.url().to_owned(),
        None => format!("sqlite:{}", dir.join("fresh.db").display()),
    };
    let server = ServerProcess::start(&url, &[]).await;
    let address = server.address.clone();
    let http = reqwest::Client::new();
    let graphiql = http
        .get(format!("http://{address}/"))
        .send()
        .await
        .expect("GraphiQL answers");
    assert_eq!(graphiql.status().as_u16(), 200);
    let reply: serde_json::Value = http
        .post(format!("http://{address}/graphql"))
        .json(&serde_json::json!({ "query": "mutation { recordVisit(input: {}) { visitCount } }" }))
        .send()
        .await
        .expect("GraphQL answers")
        .json()
        .await
        .expect("JSON");
    // The visitors table exists: migrations ran.
    assert_eq!(reply["data"]["recordVisit"]["visitCount"], 1, "{reply}");
    // Organization data goes through row level security on PostgreSQL: the owner sees it.
    let gql = |query: &'static str, token: Option<String>| {
        let mut request = http
            .post(format!("http://{address}/graphql"))
            .json(&serde_json::json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            request
                .send()
                .await
                .expect("GraphQL answers")
                .json::<serde_json::Value>()
                .await
                .expect("JSON")
        }
    };
    let signed_up = gql(
        r#"mutation { register(input: { email: "op@example.org", username: "operator", password: "correct horse battery" }) { accessToken } }"#,
        None,
    )
    .await;
    let token = signed_up["data"]["register"]["accessToken"]
        .as_str()
        .map(str::to_owned);
    assert!(token.is_some(), "{signed_up}");
    let created = gql(
        r#"mutation { createOrganization(input: { name: "Ops", slug: "ops" }) { slug } }"#,
        token.clone(),
    )
    .await;
    assert_eq!(created["data"]["createOrganization"]["slug"], "ops", "{created}");
    let mine = gql(
        "{ myMemberships { edges { node { role organization { slug } } } } }",
        token,
    )
    .await;
    assert_eq!(
        mine["data"]["myMemberships"]["edges"][0]["node"]["role"], "OWNER",
        "{mine}"
    );
    drop(server);
    std::fs::remove_dir_all(dir).ok();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("commons-cli-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

#[tokio::test]
async fn a_database_on_this_machine_is_reached_without_tls() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = TestDb::fresh().await;
    if !db.is_postgres() {
        return;
    }
    // TEST_DATABASE_URL names 127.0.0.1 and no sslmode: the connection goes in plain. (As
    // the URL's own user, who may read pg_stat_ssl.)
    let conn = commons_core::db::Db::connect(db.url()).await.expect("connect");
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .expect("query")
        .expect("a row for this connection");
    let ssl: bool = row.try_get("", "ssl").expect("ssl");
    assert!(!ssl, "a loopback connection without sslmode should not use TLS");
}

/// A PostgreSQL login that cannot act as the system (it lacks `commons_system`) would serve
/// with sign-in and notifications quietly finding nothing: the server refuses to start, and
/// says what to grant.
#[tokio::test]
async fn serve_refuses_a_login_that_cannot_act_as_the_system() {
    use sea_orm::ConnectionTrait;
    let db = TestDb::fresh().await;
    if !db.is_postgres() {
        return;
    }
    let owner = commons_core::db::Db::connect(db.url()).await.expect("connect");
    let login = format!("plain_{}", uuid::Uuid::now_v7().simple());
    owner
        .execute_unprepared(&format!(
            "CREATE ROLE {login} LOGIN; GRANT {} TO {login};",
            commons_migrations::APP_ROLE
        ))
        .await
        .expect("a login with the application role only");
    let (scheme, rest) = db.url().split_once("://").expect("a URL");
    let url = format!(
        "{scheme}://{login}@{}",
        rest.split_once('@').map_or(rest, |(_, host)| host)
    );
    let mut child = Command::new(BIN)
        .args(["--database-url", &url, "serve", "--no-migrate"])
        .env("COMMONS_LISTEN", "127.0.0.1:0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("commons starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            child.kill().ok();
            break None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut said = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        std::io::Read::read_to_string(&mut stderr, &mut said).ok();
    }
    owner.execute_unprepared(&format!("DROP ROLE {login}")).await.ok();
    let status = status.expect("the server stops by itself");
    assert!(!status.success());
    assert!(
        said.contains(&format!("GRANT commons_system TO {login}")),
        "{said}"
    );
}
