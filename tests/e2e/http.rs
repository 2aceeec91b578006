//! The HTTP surface: GraphQL over HTTP, limits, rate limits, health, readiness and metrics.

use std::time::Duration;

use crate::common::ws::{Connected, LiveClient};
use crate::common::{PASSWORD, TestServer};
use commons_gateway::GatewayConfig;
use serde_json::{Value, json};

#[tokio::test]
async fn graphql_over_http_status_codes_and_media_types() {
    let server = TestServer::start().await;
    // A query over GET.
    let get = server
        .http
        .get(format!("{}/graphql", server.url))
        .query(&[("query", "{ me { id } }")])
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .expect("answer");
    let get = TestServer::reply(get).await;
    assert_eq!(get.status, 200);
    assert!(get.content_type.starts_with("application/graphql-response+json"));
    assert_eq!(get.data()["me"], serde_json::Value::Null);

    // A mutation over GET is not allowed.
    let mutation = server
        .http
        .get(format!("{}/graphql", server.url))
        .query(&[("query", "mutation { logout }")])
        .send()
        .await
        .expect("answer");
    assert_eq!(mutation.status().as_u16(), 405);
    assert_eq!(
        mutation.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );

    // A POST that does not say what its body is, is not run.
    let untyped = server
        .http
        .post(format!("{}/graphql", server.url))
        .body(r#"{"query":"mutation { logout }"}"#)
        .send()
        .await
        .expect("answer");
    let untyped = TestServer::reply(untyped).await;
    assert_eq!(untyped.status, 415, "{}", untyped.body);
    assert_eq!(untyped.code(), Some("BAD_USER_INPUT"));

    // A query that does not validate: 400 with graphql-response+json, no `data` entry.
    let invalid = server.gql("{ nope }", json!({}), None).await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.code(), Some("GRAPHQL_VALIDATION_FAILED"));
    assert!(invalid.body.get("data").is_none());
    assert!(invalid.body["errors"][0]["extensions"]["requestId"].is_string());

    // Legacy clients asking for application/json get 200 and the same error.
    let legacy = server
        .http
        .post(format!("{}/graphql", server.url))
        .header("accept", "application/json")
        .json(&json!({ "query": "{ nope }" }))
        .send()
        .await
        .expect("answer");
    let legacy = TestServer::reply(legacy).await;
    assert_eq!(legacy.status, 200);
    assert!(legacy.content_type.starts_with("application/json"));
    assert_eq!(legacy.code(), Some("GRAPHQL_VALIDATION_FAILED"));

    // Not JSON at all.
    let garbage = server
        .http
        .post(format!("{}/graphql", server.url))
        .header("content-type", "application/json")
        .body("{ this is not json")
        .send()
        .await
        .expect("answer");
    let garbage = TestServer::reply(garbage).await;
    assert_eq!(garbage.status, 400);
    assert_eq!(garbage.code(), Some("GRAPHQL_PARSE_FAILED"));

    // GraphiQL for people.
    let page = server.http.get(&server.url).send().await.expect("answer");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap_or_default().contains("graphiql"));
}

/// A response names its fields in the order the query asked for them, as the GraphQL spec
/// would have it, and errors still carry their code and the request id.
#[tokio::test]
async fn fields_answer_in_the_order_asked() {
    let server = TestServer::start().await;
    let answer = |query: &'static str| {
        server
            .http
            .post(format!("{}/graphql", server.url))
            .json(&json!({ "query": query }))
            .send()
    };
    let reply = answer("{ zulu: __typename alpha: __typename }")
        .await
        .expect("answer");
    let text = reply.text().await.unwrap_or_default();
    assert_eq!(text, r#"{"data":{"zulu":"Query","alpha":"Query"}}"#);

    let refused = answer("{ resource(id: \"nope\") { title } }")
        .await
        .expect("answer");
    let refused = TestServer::reply(refused).await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert!(refused.body["errors"][0]["extensions"]["requestId"].is_string());
    assert!(refused.body["errors"][0]["path"].is_array(), "{}", refused.body);
}

#[tokio::test]
async fn limits_refuse_before_any_resolver_runs() {
    let server = TestServer::start().await;

    // The standard introspection query (15 deep) is let through: GraphiQL's docs and codegen
    // tools depend on it. Introspection nested deeper than any real one is not.
    let standard = server
        .gql(include_str!("introspection.graphql"), json!({}), None)
        .await;
    assert_eq!(standard.status, 200, "{}", standard.body);
    assert_eq!(standard.data()["__schema"]["queryType"]["name"], "Query");
    let deep = format!(
        "{{ __type(name: \"User\") {{ fields {{ type {{ {}name{} }} }} }} }}",
        "ofType { ".repeat(30),
        " }".repeat(30)
    );
    let reply = server.gql(&deep, json!({}), None).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.code(), Some("QUERY_TOO_DEEP"), "{}", reply.body);
    // Other operations keep the configured limit of 12, counted through fragments too (and
    // before the fields are looked up).
    let thirteen = format!(
        "{{ me {{ ...F }} }} fragment F on User {{ {}id{} }}",
        "a { ".repeat(11),
        " }".repeat(11)
    );
    let reply = server.gql(&thirteen, json!({}), None).await;
    assert_eq!(reply.code(), Some("QUERY_TOO_DEEP"), "{}", reply.body);
    let message = reply.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("at most 12"), "{message}");

    let aliases: String = (0..6)
        .map(|i| {
            format!("a{i}: users(first: 100) {{ edges {{ node {{ id username displayName bio email }} }} }} ")
        })
        .collect();
    let reply = server.gql(&format!("{{ {aliases} }}"), json!({}), None).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.code(), Some("QUERY_TOO_COMPLEX"), "{}", reply.body);

    // The server keeps what validation found for a document, but by its variables' values
    // too: the same document passes, is too complex, has a value of the wrong type, and
    // passes again.
    let sized: String = (0..6)
        .map(|i| format!("a{i}: resources(first: $n) {{ edges {{ node {{ id title summary tags }} }} }} "))
        .collect();
    let sized = format!("query($n: Int) {{ {sized} }}");
    for (n, code) in [
        (json!(1), None),
        (json!(100), Some("QUERY_TOO_COMPLEX")),
        (json!("many"), Some("GRAPHQL_VALIDATION_FAILED")),
        (json!(1), None),
    ] {
        let reply = server.gql(&sized, json!({ "n": n }), None).await;
        assert_eq!(reply.code(), code, "first: {n}: {}", reply.body);
    }

    // Two megabytes of body, with a declared length and streamed without one.
    let huge = json!({ "query": format!("{{ me {{ id }} }} #{}", "x".repeat(2 * 1024 * 1024)) }).to_string();
    let declared = server
        .http
        .post(format!("{}/graphql", server.url))
        .header("content-type", "application/json")
        .body(huge.clone())
        .send()
        .await
        .expect("answer");
    let declared = TestServer::reply(declared).await;
    assert_eq!(declared.status, 413);
    assert_eq!(declared.code(), Some("PAYLOAD_TOO_LARGE"));
    let chunks: Vec<Result<String, std::io::Error>> = huge
        .as_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
        .collect();
    let streamed = server
        .http
        .post(format!("{}/graphql", server.url))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .expect("answer");
    let streamed = TestServer::reply(streamed).await;
    assert_eq!(streamed.status, 413);
    assert_eq!(streamed.code(), Some("PAYLOAD_TOO_LARGE"));

    // No account was touched by any of it, and the server still answers.
    assert_eq!(server.gql("{ me { id } }", json!({}), None).await.status, 200);
}

#[tokio::test]
async fn slow_requests_time_out() {
    // Hashing a password takes longer than a millisecond.
    let config = GatewayConfig {
        request_timeout: Duration::from_millis(1),
        auth_attempts_per_minute: 0,
        ..GatewayConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let reply = server.login("slow@example.org", PASSWORD).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.code(), Some("TIMEOUT"));
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_ip() {
    let config = GatewayConfig {
        auth_attempts_per_minute: 3,
        ..GatewayConfig::default()
    };
    let server = TestServer::with_config(config).await;
    for _ in 0..3 {
        let reply = server.login("guess@example.org", "guessing password").await;
        assert_eq!(reply.code(), Some("UNAUTHENTICATED"));
    }
    let limited = server.login("guess@example.org", "guessing password").await;
    assert_eq!(limited.code(), Some("RATE_LIMITED"), "{}", limited.body);
    assert!(
        limited.body["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .is_some_and(|s| s >= 1)
    );
    // Other operations are not limited.
    assert_eq!(server.gql("{ me { id } }", json!({}), None).await.status, 200);
}

/// Behind a proxy, what a client writes into `X-Forwarded-For` itself does not make it a new
/// client; and anonymous visits are limited per client too.
#[tokio::test]
async fn a_client_cannot_step_around_the_limits_with_forwarded_for() {
    let config = GatewayConfig {
        auth_attempts_per_minute: 3,
        visits_per_minute: 5,
        trusted_proxies: 1,
        ..GatewayConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let guess = |n: u32| {
        server
            .http
            .post(format!("{}/graphql", server.url))
            // The client's own entry, different each time, then the proxy's.
            .header("x-forwarded-for", format!("10.9.8.{n}, 203.0.113.7"))
            .json(&json!({
                "query": "mutation($e: String!) { login(input: { email: $e, password: \"guessing password\" }) { accessToken } }",
                "variables": { "e": "guess@example.org" }
            }))
            .send()
    };
    let mut codes = Vec::new();
    for n in 0..5 {
        let reply = TestServer::reply(guess(n).await.expect("answer")).await;
        codes.push(reply.code().unwrap_or_default().to_owned());
    }
    assert_eq!(
        codes,
        [
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "RATE_LIMITED",
            "RATE_LIMITED"
        ]
    );

    let visit = "mutation { recordVisit(input: {}) { id } }";
    let mut accepted = 0;
    for _ in 0..8 {
        let reply = server.gql(visit, json!({}), None).await;
        if reply.body["errors"].is_null() {
            accepted += 1;
        } else {
            assert_eq!(reply.code(), Some("RATE_LIMITED"), "{}", reply.body);
        }
    }
    assert_eq!(accepted, 5);
}

#[tokio::test]
async fn visitors_are_recorded_and_linked_at_registration() {
    let server = TestServer::start().await;
    let visit = "mutation($input: VisitInput!) { recordVisit(input: $input) { id visitCount } }";
    let first = server
        .gql(
            visit,
            json!({ "input": { "utmSource": "newsletter", "locale": "kk-KZ" } }),
            None,
        )
        .await;
    let visitor = first.data()["recordVisit"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(first.data()["recordVisit"]["visitCount"], 1);
    let again = server
        .gql(visit, json!({ "input": { "visitorId": visitor } }), None)
        .await;
    assert_eq!(again.data()["recordVisit"]["id"], visitor.as_str());
    assert_eq!(again.data()["recordVisit"]["visitCount"], 2);

    let registered = server
        .gql(
            "mutation($input: RegisterInput!) { register(input: $input) { user { username } } }",
            json!({ "input": { "email": "v@example.org", "username": "visitor", "password": PASSWORD, "visitorId": visitor } }),
            None,
        )
        .await;
    assert_eq!(registered.data()["register"]["user"]["username"], "visitor");
    use commons_identity::entity::visitor;
    use sea_orm::EntityTrait;
    let id: uuid::Uuid = visitor.parse().expect("a uuid");
    // Visitors are the system's to read (row level security on PostgreSQL).
    let system = commons_core::tenant::read(&server.world.db.conn, &commons_core::Actor::System)
        .await
        .expect("begin");
    let row = visitor::Entity::find_by_id(id)
        .one(&system)
        .await
        .expect("query")
        .expect("row");
    assert!(row.user_id.is_some());
    assert_eq!(row.utm_source.as_deref(), Some("newsletter"));
    assert_eq!(row.ip_prefix.as_deref(), Some("127.0.0.0/24"));

    let bad = server
        .gql(visit, json!({ "input": { "visitorId": "not-a-uuid" } }), None)
        .await;
    assert_eq!(bad.code(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let server = TestServer::start().await;
    let health = server
        .http
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(health.status().as_u16(), 200);
    let ready = server
        .http
        .get(format!("{}/ready", server.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(ready.status().as_u16(), 200);

    server.gql("query WhoAmI { me { id } }", json!({}), None).await;
    let metrics = server
        .http
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .expect("answer");
    let text = metrics.text().await.unwrap_or_default();
    assert!(
        text.contains("commons_graphql_requests_total{operation=\"WhoAmI\",outcome=\"ok\"}"),
        "{text}"
    );
    assert!(
        text.contains("commons_graphql_request_duration_seconds_bucket{operation=\"WhoAmI\""),
        "{text}"
    );
    // Read at each scrape: the process and the database pool, named and explained.
    for series in [
        "# HELP commons_graphql_requests_total",
        "commons_process_resident_memory_bytes ",
        "commons_process_open_fds ",
        "commons_process_uptime_seconds ",
        "commons_db_pool_connections ",
        "commons_db_pool_idle_connections ",
    ] {
        assert!(text.contains(series), "{series} missing from {text}");
    }
}

/// Issue 15 (1, 2): documents built to exhaust the parser's stack or validation's time are
/// refused by their shape, on every transport, and the server goes on answering.
#[tokio::test]
async fn hostile_documents_are_refused_without_harm() {
    let server = TestServer::start().await;
    let list = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    // The parser's stack gives out near 400 levels in a debug build and 1,500 in a release
    // build; past ~7,000 pest refuses the text itself.
    let mut deep: Vec<String> = [400, 1500, 3000]
        .into_iter()
        .map(|depth| format!("{{ user(username: {}) {{ id }} }}", list(depth)))
        .collect();
    deep.extend([
        format!("query($u: String = {}) {{ me {{ id }} }}", list(1500)),
        format!("{{ me @include(if: {}) {{ id }} }}", list(1500)),
        format!(
            "{{ user(username: \"x\", extra: {{a: {}1{}}}) {{ id }} }}",
            "{a: ".repeat(400),
            "}".repeat(400)
        ),
    ]);
    for query in &deep {
        let reply = server.gql(query, json!({}), None).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.code(), Some("QUERY_TOO_DEEP"), "{}", reply.body);
    }
    let over_get = server
        .http
        .get(format!("{}/graphql", server.url))
        .query(&[("query", deep[0].as_str())])
        .send()
        .await
        .expect("answer");
    let over_get = TestServer::reply(over_get).await;
    assert_eq!(over_get.code(), Some("QUERY_TOO_DEEP"), "{}", over_get.body);
    // Brackets inside strings and comments are text, not nesting.
    let quoted = format!(
        "{{ user(username: \"{}\") {{ id }} }} # {}",
        "[".repeat(3000),
        "{".repeat(3000)
    );
    let reply = server.gql(&quoted, json!({}), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["user"], Value::Null);

    // Thirty fragments, each spreading the next twice: 2^30 fields once expanded, from 1 KB.
    let mut doubling = String::from("query { ...F0 }\n");
    for n in 0..30 {
        doubling.push_str(&format!(
            "fragment F{n} on Query {{ ...F{m} ...F{m} }}\n",
            m = n + 1
        ));
    }
    doubling.push_str("fragment F30 on Query { me { id } }\n");
    let reply = server.gql(&doubling, json!({}), None).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.code(), Some("QUERY_TOO_COMPLEX"), "{}", reply.body);

    // A subscription gets the same answer, and its connection stays usable.
    let Connected::Ready(mut live) = LiveClient::connect(&server.url, None).await else {
        panic!("an anonymous connection is accepted");
    };
    let subscription = format!(
        "subscription {{ commentAdded(resourceId: \"x\", extra: {}) {{ id }} }}",
        list(3000)
    );
    live.subscribe("deep", &subscription, json!({})).await;
    let refused = live.next(Duration::from_secs(10)).await.expect("an answer");
    // async-graphql answers a request refused before execution with `next` carrying errors.
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
        "{refused}"
    );

    let health = server
        .http
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("answer");
    assert!(health.status().is_success());
    assert_eq!(server.gql("{ me { id } }", json!({}), None).await.status, 200);
}

/// Issue 15 (4): a NUL (or any control character but tab and line breaks) in any text input
/// is the person's mistake, named, on both databases; PostgreSQL never sees it.
#[tokio::test]
async fn control_characters_in_text_inputs_are_bad_input() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    let nul = "ann\u{0}";
    let cases: [(&str, Value, Option<&str>, &str); 7] = [
        (
            "mutation($e: String!) { login(input: { email: $e, password: \"x\" }) { accessToken } }",
            json!({ "e": "ann@example.org\u{0}" }),
            None,
            "$e",
        ),
        (
            "query($u: String!) { user(username: $u) { id } }",
            json!({ "u": nul }),
            None,
            "$u",
        ),
        (
            "query($s: String!) { organization(slug: $s) { id } }",
            json!({ "s": "shop\u{0}" }),
            None,
            "$s",
        ),
        (
            "{ resources(first: 5, filter: { text: \"clean\\u0000up\" }) { edges { node { id } } } }",
            json!({}),
            None,
            "filter",
        ),
        (
            "query($t: String = \"a\\u0000\") { user(username: $t) { id } }",
            json!({}),
            None,
            "$t",
        ),
        (
            "mutation($i: CreateResourceInput!) { createResource(input: $i) { id } }",
            json!({ "i": { "title": "Clean\u{1b}[2Jup", "kind": { "blogpost": { "body": "x" } } } }),
            Some(&ann.access),
            "$i",
        ),
        (
            "mutation { register(input: { email: \"b@example.org\", username: \"b\\u0000b\", password: \"a long password 2026\" }) { accessToken } }",
            json!({}),
            None,
            "input",
        ),
    ];
    for (query, variables, token, input) in cases {
        let reply = server.gql(query, variables, token).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(reply.code(), Some("BAD_USER_INPUT"), "{query}: {}", reply.body);
        let message = reply.body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("{input} contains a control character")),
            "{query}: {message}"
        );
    }
    // Tabs and line breaks are text.
    let kept = server
        .gql(
            "mutation($i: CreateResourceInput!) { createResource(input: $i) { title } }",
            json!({ "i": { "title": "Clean\tup", "kind": { "blogpost": { "body": "one\r\ntwo" } } } }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        kept.data()["createResource"]["title"],
        "Clean\tup",
        "{}",
        kept.body
    );
}

/// Issue 16: documents that passed the guard are kept parsed by their text. Sending one again
/// still checks that request's variables, and a document the guard refused is refused again.
#[tokio::test]
async fn a_document_kept_parsed_still_checks_each_requests_variables() {
    let server = TestServer::start().await;
    server.register("ann@example.org", "ann").await;
    let query = "query($u: String!) { user(username: $u) { username } }";
    let thirteen = format!("{{ me {{ {}id{} }} }}", "a { ".repeat(12), " }".repeat(12));
    for round in 0..2 {
        let found = server.gql(query, json!({ "u": "ann" }), None).await;
        assert_eq!(
            found.data()["user"]["username"],
            "ann",
            "round {round}: {}",
            found.body
        );
        let refused = server.gql(query, json!({ "u": "ann\u{0}" }), None).await;
        assert_eq!(
            refused.code(),
            Some("BAD_USER_INPUT"),
            "round {round}: {}",
            refused.body
        );
        let deep = server.gql(&thirteen, json!({}), None).await;
        assert_eq!(
            deep.code(),
            Some("QUERY_TOO_DEEP"),
            "round {round}: {}",
            deep.body
        );
    }
}

/// Issue 15 (11): with the database out of reach, requests are answered at once with a
/// retryable 503 `UNAVAILABLE`, not a 500 after a long wait.
#[tokio::test]
async fn a_database_out_of_reach_is_a_retryable_503() {
    let server = TestServer::start().await;
    let ann = server.register("ann@example.org", "ann").await;
    // The pool the server shares closes: no new connection can be had. (Closing waits for the
    // connections in use, such as the notifier's LISTEN, so it runs on its own.)
    let pool = server.world.db.conn.clone();
    tokio::spawn(async move { pool.close().await });
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = std::time::Instant::now();
    let login = server.login("ann@example.org", PASSWORD).await;
    assert_eq!(login.status, 503, "{}", login.body);
    assert_eq!(login.code(), Some("UNAVAILABLE"), "{}", login.body);
    assert_eq!(
        login.body["errors"][0]["extensions"]["retryAfterSeconds"],
        json!(2)
    );
    let signed_in = server.gql("{ me { id } }", json!({}), Some(&ann.access)).await;
    assert_eq!(signed_in.status, 503, "{}", signed_in.body);
    assert_eq!(signed_in.code(), Some("UNAVAILABLE"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Browser apps on the origins the operator lists may call the API (their preflight is
/// answered); others get no CORS grant. Every route answers with a request id.
#[tokio::test]
async fn cors_for_listed_origins_and_a_request_id_on_every_route() {
    let config = GatewayConfig {
        cors_origins: vec!["https://app.example.org".into()],
        ..GatewayConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let preflight = |origin: &'static str| {
        server
            .http
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", server.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight("https://app.example.org").await.expect("answer");
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.org"
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap_or_default();
    assert!(methods.contains("POST"), "{methods}");
    let other = preflight("https://evil.example").await.expect("answer");
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let query = server
        .http
        .post(format!("{}/graphql", server.url))
        .header("origin", "https://app.example.org")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        query.headers()["access-control-allow-origin"],
        "https://app.example.org"
    );
    let exposed = query.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap_or_default();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    for path in ["/health", "/metrics", "/", "/media/nothing"] {
        let answer = server
            .http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .expect("answer");
        assert!(answer.headers().contains_key("x-request-id"), "{path}");
    }
    let echoed = server
        .http
        .get(format!("{}/health", server.url))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .expect("answer");
    assert_eq!(echoed.headers()["x-request-id"], "trace-42");
}

/// Automatic persisted queries (Apollo's protocol): after a document is sent once with its
/// hash, the hash alone runs it, over POST and GET; an unknown hash asks for the document.
#[tokio::test]
async fn persisted_queries_run_by_their_hash() {
    let server = TestServer::start().await;
    let query = "query Me { me { id } }";
    let hash = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(query.as_bytes()))
    };
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: Value| {
        server
            .http
            .post(format!("{}/graphql", server.url))
            .json(&body)
            .send()
    };

    let unknown = TestServer::reply(post(json!({ "extensions": persisted })).await.expect("answer")).await;
    assert_eq!(
        unknown.code(),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "{}",
        unknown.body
    );
    assert_eq!(unknown.message(), Some("PersistedQueryNotFound"));

    let first = TestServer::reply(
        post(json!({ "query": query, "extensions": persisted }))
            .await
            .expect("answer"),
    )
    .await;
    assert!(first.body["errors"].is_null(), "{}", first.body);
    let by_hash = TestServer::reply(post(json!({ "extensions": persisted })).await.expect("answer")).await;
    assert!(by_hash.body["errors"].is_null(), "{}", by_hash.body);
    assert!(
        by_hash.body["data"]
            .as_object()
            .is_some_and(|d| d.contains_key("me"))
    );
    let over_get = server
        .http
        .get(format!("{}/graphql", server.url))
        .query(&[("extensions", persisted.to_string())])
        .send()
        .await
        .expect("answer");
    let over_get = TestServer::reply(over_get).await;
    assert!(over_get.body["errors"].is_null(), "{}", over_get.body);

    let wrong = TestServer::reply(
        post(json!({ "query": "{ me { id username } }", "extensions": persisted }))
            .await
            .expect("answer"),
    )
    .await;
    assert_eq!(
        wrong.code(),
        Some("BAD_USER_INPUT"),
        "a hash that is not the document's"
    );
}
