//! Clients that hang up mid-request (issue 16, cause 2). A request cut short must leave no
//! transaction open on a pooled connection: sqlx 0.9.0 does not roll back a `BEGIN` whose
//! future is dropped while its round trip is in flight, and the next borrower of that
//! connection then works inside a stranger's transaction ("there is already a transaction in
//! progress"), or its rollback lands after a commit ("there is no transaction in progress").

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::process::{BIN, ServerProcess};
use commons_migrations::testing::TestDb;

const FEED: &str = r#"{"query":"{ resources(first: 20) { edges { node { id title creator { username } reactions { total } commentCount } } } }"}"#;

/// Sends the feed request over a fresh connection and hangs up after `after`, whatever the
/// server is doing by then.
async fn hang_up(address: &str, after: Duration) {
    let Ok(mut stream) = TcpStream::connect(address).await else {
        return;
    };
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{FEED}",
        FEED.len()
    );
    if stream.write_all(request.as_bytes()).await.is_ok() {
        tokio::time::sleep(after).await;
    }
    // Dropped: the socket closes with the request unanswered.
}

#[tokio::test]
async fn requests_cut_short_leave_no_transaction_behind() {
    let db = TestDb::fresh().await;
    let seeded = std::process::Command::new(BIN)
        .args(["--database-url", db.url(), "seed"])
        .output()
        .expect("commons seed runs");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let server = ServerProcess::start(db.url(), &[]).await;

    // 300 feeds, 30 at a time, cut at points spread over the first 3 ms: some before the
    // server reads them, some while their transactions begin, some while they commit.
    for batch in 0..10u64 {
        let cuts = (0..30u64).map(|i| {
            let after = Duration::from_micros((batch * 30 + i) * 997 % 3000);
            hang_up(&server.address, after)
        });
        futures::future::join_all(cuts).await;
    }

    // Whole requests after the cut ones reuse every pooled connection.
    let http = reqwest::Client::new();
    for _ in 0..40 {
        let reply: serde_json::Value = http
            .post(format!("{}/graphql", server.url()))
            .header("content-type", "application/json")
            .body(FEED)
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON");
        assert!(reply["errors"].is_null(), "{reply}");
        assert!(
            reply["data"]["resources"]["edges"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        );
    }

    if db.is_postgres() {
        // The server's connections settle idle; none is left inside a transaction.
        let mut stuck = i64::MAX;
        for _ in 0..50 {
            let row = db
                .conn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS stuck, \
                     count(*) FILTER (WHERE state = 'active') AS active \
                     FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                ))
                .await
                .expect("pg_stat_activity")
                .expect("a row");
            stuck = row.try_get("", "stuck").expect("stuck");
            let active: i64 = row.try_get("", "active").expect("active");
            if active == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(stuck, 0, "pooled connections left inside a transaction");
    }
    let warned = server.logged("transaction in progress");
    assert!(
        warned.is_empty(),
        "{} warnings, the first: {}",
        warned.len(),
        warned[0]
    );
}
