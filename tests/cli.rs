//! The `commons` binary as an operator runs it: serve (the default), seed, schema.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use commons_identity::entity::user;
use commons_migrations::testing::TestDb;
use sea_orm::{EntityTrait, PaginatorTrait};

const BIN: &str = env!("CARGO_BIN_EXE_commons");

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
    // An empty database: `commons` with no subcommand migrates it and serves.
    let dir = tempfile_dir();
    let url = format!("sqlite:{}", dir.join("fresh.db").display());
    let mut child = Command::new(BIN)
        .args(["--database-url", &url])
        .env("COMMONS_LISTEN", "127.0.0.1:0")
        .env("COMMONS_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("commons starts");
    let stdout = child.stdout.take().expect("stdout");
    let (found, address) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("GraphiQL at http://") {
                let rest = &line[at + "GraphiQL at http://".len()..];
                let address: String = rest.chars().take_while(|c| *c != '/' && *c != ' ').collect();
                if let Some(found) = found.take() {
                    found.send(address).ok();
                }
            }
        }
    });
    let address = tokio::time::timeout(Duration::from_secs(60), address)
        .await
        .expect("the server logs its address")
        .expect("an address");
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
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(dir).ok();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("commons-cli-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}
