//! A real Commons server on 127.0.0.1:0 over the testkit's world (a fresh database and the
//! services), driven over HTTP as a frontend would.

pub mod browser;
pub mod process;
pub mod ws;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use commons_core::Actor;
use commons_gateway::{App, GatewayConfig};
use commons_testkit::World;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use commons_testkit::input::PASSWORD;
pub use commons_testkit::{MAX_UPLOAD, TOKEN_SECRET as SECRET};

pub struct TestServer {
    pub url: String,
    pub http: reqwest::Client,
    /// The database and services the server runs on.
    pub world: World,
    /// SQL statements the server has run so far.
    pub statements: Arc<AtomicUsize>,
    /// The text of each statement, while [`TestServer::traced`] listens.
    traced: Arc<Mutex<Option<Vec<String>>>>,
    stop: Option<oneshot::Sender<()>>,
}

/// A response: HTTP status, content type and JSON body.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Reply {
    /// The first error's `extensions.code`.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn message(&self) -> Option<&str> {
        self.body["errors"][0]["message"].as_str()
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
}

pub struct Session {
    pub access: String,
    pub refresh: String,
    pub user_id: String,
}

impl TestServer {
    /// A server without the sign-in rate limit (tests sign in a lot from one IP).
    pub async fn start() -> TestServer {
        Self::with_config(GatewayConfig {
            auth_attempts_per_minute: 0,
            ..GatewayConfig::default()
        })
        .await
    }

    pub async fn with_config(config: GatewayConfig) -> TestServer {
        Self::with_settings(config, commons_orgs::Settings::default()).await
    }

    /// A server whose platform has its own organization settings (approval, bonuses).
    pub async fn with_settings(config: GatewayConfig, orgs: commons_orgs::Settings) -> TestServer {
        let world = World::builder().orgs_settings(orgs).build().await;
        // Count every SQL statement the server runs, for the N+1 tests.
        let statements = Arc::new(AtomicUsize::new(0));
        let mut conn = world.db.conn.clone();
        let counter = statements.clone();
        let traced = Arc::new(Mutex::new(None::<Vec<String>>));
        let tracer = traced.clone();
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            if let Some(seen) = tracer.lock().expect("traced").as_mut() {
                seen.push(info.statement.sql.clone());
            }
        });
        let app = App::new(conn, world.resources.clone(), config).with_background_db(world.db.conn.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(commons_gateway::http::serve(listener, app, async {
            stopped.await.ok();
        }));
        TestServer {
            url,
            http: reqwest::Client::new(),
            world,
            statements,
            traced,
            stop: Some(stop),
        }
    }

    /// POSTs a GraphQL request asking for `application/graphql-response+json`.
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.url))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::reply(request.send().await.expect("the server answers")).await
    }

    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            body,
        }
    }

    pub async fn register(&self, email: &str, username: &str) -> Session {
        self.register_as(email, username, None).await
    }

    pub async fn register_as(&self, email: &str, username: &str, kind: Option<&str>) -> Session {
        let reply = self
            .gql(
                "mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id } } }",
                json!({ "input": { "email": email, "username": username, "password": PASSWORD, "accountKind": kind } }),
                None,
            )
            .await;
        session(&reply, "register")
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.gql(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id email } } }",
            json!({ "input": { "email": email, "password": password } }),
            None,
        )
        .await
    }

    /// A signed-in platform admin (promoted the way an operator does, with `commons grant-admin`).
    pub async fn admin(&self) -> Session {
        let admin = self.register("root@example.org", "platform_root").await;
        let user = self
            .world
            .identity()
            .user_by_email(&self.world.db.conn, &Actor::System, "root@example.org")
            .await
            .expect("lookup")
            .expect("registered");
        self.world.grant_platform_admin(user.id).await;
        admin
    }

    /// Runs `query` and returns its reply with the number of SQL statements it cost.
    pub async fn counted(&self, query: &str, variables: Value, token: Option<&str>) -> (Reply, usize) {
        let before = self.statements.load(Ordering::SeqCst);
        let reply = self.gql(query, variables, token).await;
        (reply, self.statements.load(Ordering::SeqCst) - before)
    }

    /// Runs `query` and returns its reply with the SQL statements it ran.
    pub async fn traced(&self, query: &str, variables: Value, token: Option<&str>) -> (Reply, Vec<String>) {
        *self.traced.lock().expect("traced") = Some(Vec::new());
        let reply = self.gql(query, variables, token).await;
        let seen = self.traced.lock().expect("traced").take().unwrap_or_default();
        (reply, seen)
    }

    /// A WebSocket client connected to this server, signed in as `session` when given.
    pub async fn live(&self, session: Option<&Session>) -> ws::LiveClient {
        match ws::LiveClient::connect(&self.url, session.map(|s| s.access.as_str())).await {
            ws::Connected::Ready(client) => *client,
            ws::Connected::Refused(code, reason) => panic!("refused: {code} {reason}"),
        }
    }

    pub async fn me(&self, token: &str) -> Reply {
        self.gql(
            "{ me { id username email status statusReason } }",
            json!({}),
            Some(token),
        )
        .await
    }
}

/// The tokens and user id of an `AuthPayload` at `data.<field>`.
pub fn session(reply: &Reply, field: &str) -> Session {
    let payload = &reply.data()[field];
    assert!(payload.is_object(), "{field} failed: {}", reply.body);
    Session {
        access: payload["accessToken"].as_str().unwrap_or_default().to_owned(),
        refresh: payload["refreshToken"].as_str().unwrap_or_default().to_owned(),
        user_id: payload["user"]["id"].as_str().unwrap_or_default().to_owned(),
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

// Requests any Commons server answers, in-process or a child process.

pub async fn post_gql(
    http: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    let mut request = http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("JSON")
}

/// Registers `name` and returns an access token.
pub async fn sign_up(http: &reqwest::Client, url: &str, name: &str) -> String {
    let reply = post_gql(
        http,
        url,
        "mutation($e: String!, $u: String!) { register(input: { email: $e, username: $u, password: \"correct horse battery\" }) { accessToken } }",
        json!({ "e": format!("{name}@example.org"), "u": name }),
        None,
    )
    .await;
    reply["data"]["register"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{reply}"))
        .to_owned()
}

/// Creates and publishes a blogpost; returns its id.
pub async fn publish(http: &reqwest::Client, url: &str, token: &str, title: &str, visibility: &str) -> Value {
    let created = post_gql(
        http,
        url,
        &format!(
            "mutation($t: String!) {{ createResource(input: {{ title: $t, visibility: {visibility}, kind: {{ blogpost: {{ body: \"x\" }} }} }}) {{ id }} }}"
        ),
        json!({ "t": title }),
        Some(token),
    )
    .await;
    let id = created["data"]["createResource"]["id"].clone();
    assert!(id.is_string(), "{created}");
    let published = post_gql(
        http,
        url,
        "mutation($id: ID!) { publishResource(id: $id) { status } }",
        json!({ "id": id }),
        Some(token),
    )
    .await;
    assert_eq!(
        published["data"]["publishResource"]["status"], "PUBLISHED",
        "{published}"
    );
    id
}
