//! Real clients (issue 15): the README's flow driven by urql (with automatic persisted
//! queries over GET) and the official graphql-ws client under Node, installed from
//! `tests/clients/package-lock.json`, so interoperability is proven, not assumed.
//!
//! Needs Node 20, npm and the npm registry (or npm's cache). Without them the test says so
//! and passes, so that `cargo test` works on a fresh machine; `.ci/run` sets
//! `COMMONS_REQUIRE_NODE=1`, under which a missing Node or a failed install fails.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::Command;

use crate::common::TestServer;

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_flow_works_with_urql_and_graphql_ws() {
    if !(on_path("node") && on_path("npm")) {
        assert!(
            std::env::var_os("COMMONS_REQUIRE_NODE").is_none(),
            "COMMONS_REQUIRE_NODE is set but node or npm is missing"
        );
        eprintln!("skipped: no Node.js and npm on this machine");
        return;
    }
    let clients = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients");
    let installed = Command::new("npm")
        .args(["ci", "--prefer-offline", "--no-audit", "--no-fund", "--silent"])
        .current_dir(&clients)
        .stdin(Stdio::null())
        .status()
        .await
        .expect("npm runs");
    if !installed.success() {
        // Offline, say: the clients come from the npm registry.
        assert!(
            std::env::var_os("COMMONS_REQUIRE_NODE").is_none(),
            "npm ci in tests/clients failed"
        );
        eprintln!("skipped: npm could not install tests/clients (offline?)");
        return;
    }

    let server = TestServer::start().await;
    let run = Command::new("node")
        .arg("readme-flow.mjs")
        .arg(&server.url)
        .current_dir(&clients)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the flow finishes within 60 s")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(stdout.trim()).expect("one line of JSON");
    assert_eq!(
        seen,
        json!({
            "me": "ada",
            "meAgain": "ada",
            "role": "OWNER",
            "inviteCode": "string",
            "comment": { "body": "See you there", "author": { "username": "ada" } },
        })
    );
}
