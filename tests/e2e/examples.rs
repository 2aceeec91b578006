//! `examples/operations.graphql` stays valid against the schema: each operation is sent to a
//! real server, and none may fail to parse or validate (running into rules is fine: the
//! variables are placeholders).

use crate::common::TestServer;
use serde_json::{Map, Value, json};

#[tokio::test]
async fn sample_operations_match_the_schema() {
    let server = TestServer::start().await;
    let document = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/operations.graphql"
    ))
    .expect("examples/operations.graphql");
    let parsed = async_graphql::parser::parse_query(&document).expect("the sample document parses");
    let mut checked = 0;
    for (name, operation) in parsed.operations.iter() {
        let name = name
            .map(|n| n.to_string())
            .expect("every sample operation is named");
        // Placeholders for the variables: every sample variable is an ID or a String.
        let variables: Map<String, Value> = operation
            .node
            .variable_definitions
            .iter()
            .map(|v| (v.node.name.node.to_string(), json!("placeholder")))
            .collect();
        let reply = server
            .http
            .post(format!("{}/graphql", server.url))
            .header("accept", "application/json")
            .json(&json!({ "query": document, "operationName": name, "variables": variables }))
            .send()
            .await
            .expect("the server answers");
        let body: Value = reply.json().await.expect("JSON");
        for error in body["errors"].as_array().cloned().unwrap_or_default() {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            assert!(
                !code.starts_with("GRAPHQL_"),
                "examples/operations.graphql does not match the schema (sending {name}): {error}"
            );
        }
        checked += 1;
    }
    assert!(checked > 30, "only {checked} operations found");
}
