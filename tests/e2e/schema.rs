//! `schema.graphql` is generated from the code; this fails when the two drift apart.
//! Regenerate with `cargo run -- schema > schema.graphql`.

#[test]
fn schema_graphql_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap_or_default();
    let generated = commons_gateway::sdl();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` and commit it"
    );
}
