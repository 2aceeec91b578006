//! Fuzzing the HTTP surface (issue 15): random documents, request bodies, global ids, cursors
//! and multipart uploads thrown at the real server. None may crash it or be answered with a
//! server error; malformed input is the client's (4xx, or a coded GraphQL error), and the
//! server answers `/health` at the end.
//!
//! Cases per property: `COMMONS_FUZZ_CASES` (default 64, a few seconds in all); raise it for
//! a longer run, e.g. `COMMONS_FUZZ_CASES=20000 cargo test --test e2e fuzz`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::common::TestServer;

fn cases() -> u32 {
    std::env::var("COMMONS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// Runs `property` over `strategy` against one server, each case a request made on the
/// server's own runtime.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    property: impl Fn(&tokio::runtime::Runtime, &TestServer, S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let server = runtime.block_on(TestServer::start());
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let started = std::time::Instant::now();
    runner
        .run(&strategy, |case| property(&runtime, &server, case))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let healthy = runtime.block_on(async {
        server
            .http
            .get(format!("{}/health", server.url))
            .send()
            .await
            .map(|r| r.status().is_success())
    });
    assert!(
        matches!(healthy, Ok(true)),
        "{name}: the server stopped answering"
    );
    eprintln!("{name}: {} cases in {:?}, no failure", cases(), started.elapsed());
    // The server's pool and tasks belong to this runtime: let them go inside it.
    runtime.block_on(async move { drop(server) });
}

/// A reply the client caused or got: never a 5xx, never `INTERNAL`, always JSON.
fn client_side(status: u16, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "status {status}: {body}");
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["extensions"]["code"].as_str())
        .collect();
    prop_assert!(!codes.contains(&"INTERNAL"), "{body}");
    Ok(())
}

fn post(runtime: &tokio::runtime::Runtime, server: &TestServer, body: Value) -> (u16, Value) {
    runtime.block_on(async {
        let reply = server
            .http
            .post(format!("{}/graphql", server.url))
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    })
}

/// Text made of GraphQL's punctuation, names, strings and numbers, in any order: near enough
/// to a document to reach past the lexer.
fn document() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("...".to_owned()),
        Just("query".to_owned()),
        Just("mutation".to_owned()),
        Just("subscription".to_owned()),
        Just("fragment F on Query".to_owned()),
        Just("...F".to_owned()),
        Just("@include(if: true)".to_owned()),
        Just("$v: String = \"x\"".to_owned()),
        Just("me".to_owned()),
        Just("resources(first: 3)".to_owned()),
        Just("edges { node { id title } }".to_owned()),
        Just("__schema { types { name } }".to_owned()),
        "[a-z_][a-zA-Z0-9_]{0,8}",
        "\"[^\"\\\\]{0,10}\"",
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?",
        Just(":".to_owned()),
        Just("#".to_owned()),
        Just("\"\"\"".to_owned()),
    ];
    prop::collection::vec(token, 0..60).prop_map(|tokens| tokens.join(" "))
}

#[test]
fn random_documents_never_break_the_server() {
    fuzz("documents", document(), |runtime, server, query| {
        let (status, body) = post(runtime, server, json!({ "query": query }));
        client_side(status, &body)
    });
}

#[test]
fn random_bodies_never_break_the_server() {
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        "\\PC{0,200}".prop_map(String::into_bytes),
    ];
    fuzz("bodies", body, |runtime, server, bytes| {
        let (status, reply) = runtime.block_on(async {
            let reply = server
                .http
                .post(format!("{}/graphql", server.url))
                .header("content-type", "application/json")
                .body(bytes)
                .send()
                .await
                .expect("the server answers");
            let status = reply.status().as_u16();
            (status, reply.json().await.unwrap_or(Value::Null))
        });
        client_side(status, &reply)
    });
}

/// Anything, and things shaped like our ids: base64 of `Type:…` with a broken or foreign uuid.
fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,80}",
        // Any characters at all, NUL and other controls included.
        any::<String>(),
        ("[A-Za-z]{0,12}", "[0-9a-f-]{0,40}")
            .prop_map(|(kind, uuid)| URL_SAFE_NO_PAD.encode(format!("{kind}:{uuid}"))),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
    ]
}

#[test]
fn random_global_ids_and_cursors_are_bad_input_at_worst() {
    fuzz("ids and cursors", id_like(), |runtime, server, id| {
        let (status, body) = post(
            runtime,
            server,
            json!({
                "query": "query($id: ID!, $after: String) { node(id: $id) { id } resources(first: 2, after: $after) { edges { cursor } } }",
                "variables": { "id": id, "after": id }
            }),
        );
        client_side(status, &body)
    });
}

#[test]
fn random_multipart_uploads_never_break_the_server() {
    let parts = (
        "\\PC{0,120}",
        "\\PC{0,60}",
        prop::collection::vec(any::<u8>(), 0..256),
        "\\PC{0,20}",
    );
    fuzz(
        "multipart",
        parts,
        |runtime, server, (operations, map, file, name)| {
            let (status, body) = runtime.block_on(async {
                let form = reqwest::multipart::Form::new()
                    .text("operations", operations)
                    .text("map", map)
                    .part("0", reqwest::multipart::Part::bytes(file).file_name(name));
                let reply = server
                    .http
                    .post(format!("{}/graphql", server.url))
                    .multipart(form)
                    .send()
                    .await
                    .expect("the server answers");
                let status = reply.status().as_u16();
                (status, reply.json().await.unwrap_or(Value::Null))
            });
            client_side(status, &body)
        },
    );
}
