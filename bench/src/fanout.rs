//! Subscription fan-out (issue 6): many WebSocket subscribers (graphql-transport-ws at
//! `/graphql/ws`) follow `commentAdded` on one public resource; then, one round at a time, a
//! comment is added over HTTP and the round is timed from the mutation's HTTP response until
//! the last subscriber has received that comment. That is the wait a reader of a busy thread
//! sees, and the slowest of them is what the figure reports: p50 and p99 over the rounds.
//!
//! Each connection is its own task, as each browser is its own client; receipts are stamped
//! the moment a task reads them and reported through a channel. The subscribers share this
//! machine's cores with the server, so the figure includes the benchmark's own reading of a
//! thousand frames per round.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::api::{self, Session};
use crate::load::Outcome;

/// Measured rounds, one comment each, one after another.
pub(crate) const ROUNDS: usize = 20;

/// Connections opened at once: enough to connect a thousand in a moment, few enough not to
/// overflow the server's listen backlog.
const CONNECTING_AT_ONCE: usize = 64;

/// How long a round may take before it counts as an error (some subscriber never heard it).
const ROUND_TIMEOUT: Duration = Duration::from_secs(10);

/// Rounds failing one after another before the scenario gives up.
const FAILURES_IN_A_ROW: usize = 3;

/// What a client showing a thread asks for: the comment and who wrote it.
const COMMENT_ADDED: &str =
    "subscription($id: ID!) { commentAdded(resourceId: $id) { id body author { username } } }";

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What a subscriber task reports.
enum Heard {
    /// Connected, acknowledged, and subscribed.
    Ready,
    /// Could not connect or subscribe.
    Failed(anyhow::Error),
    /// The connection ended after it was ready.
    Lost(anyhow::Error),
    /// A comment arrived, at that instant.
    Comment { id: String, at: Instant },
}

/// The fan-out figures: per round, the time from the comment's HTTP response to its receipt
/// by the last subscriber. Errors count subscribers that failed to connect or dropped, and
/// rounds that did not reach every subscriber in time.
pub(crate) struct FanOut {
    pub outcome: Outcome,
    /// Subscribers connected and subscribed.
    pub subscribers: usize,
}

/// Runs the scenario against `resource` (public and published) with `count` anonymous
/// subscribers (readers of a public thread mostly are); `author` adds the comments.
pub(crate) async fn run(
    base: &str,
    author: &Session,
    resource: &str,
    count: usize,
) -> anyhow::Result<FanOut> {
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    let (reports, mut heard) = mpsc::unbounded_channel();
    let connecting = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let tasks = Tasks(
        (0..count)
            .map(|_| {
                tokio::spawn(subscriber(
                    url.clone(),
                    resource.to_owned(),
                    connecting.clone(),
                    reports.clone(),
                ))
            })
            .collect(),
    );
    drop(reports);

    let mut ready = 0;
    let mut errors = 0u64;
    while ready + (errors as usize) < count {
        match tokio::time::timeout(Duration::from_secs(60), heard.recv()).await {
            Ok(Some(Heard::Ready)) => ready += 1,
            Ok(Some(Heard::Failed(e))) => {
                if errors == 0 {
                    eprintln!("fan-out: a subscriber failed: {e:#}");
                }
                errors += 1;
            }
            Ok(Some(Heard::Lost(e))) => {
                eprintln!("fan-out: a subscriber dropped: {e:#}");
                ready -= 1;
                errors += 1;
            }
            Ok(Some(Heard::Comment { .. })) => {}
            Ok(None) | Err(_) => bail!("fan-out: subscribers did not connect within 60 s"),
        }
    }
    if ready == 0 {
        bail!("fan-out: no subscriber connected");
    }
    // A subscription starts listening a moment after it is sent; nothing acknowledges that.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let http = reqwest::Client::new();
    let mut listening = ready;
    let mut latencies = Vec::new();
    let mut failed_in_a_row = 0;
    let started = Instant::now();
    // The first round is not measured: it also pays once-only costs (the first delivery on
    // every subscription stream, connections warming up).
    for round in 0..=ROUNDS {
        let body = format!("Fan-out round {round}");
        let id = api::add_comment(&http, base, author, resource, &body)
            .await
            .context("fan-out: adding a comment")?;
        let answered = Instant::now();
        let last = until_all_heard(&mut heard, &id, &mut listening, &mut errors).await;
        match last {
            Some(at) if round > 0 => latencies.push(at.saturating_duration_since(answered)),
            Some(_) => {}
            None => {
                errors += 1;
                failed_in_a_row += 1;
                if failed_in_a_row == FAILURES_IN_A_ROW || listening == 0 {
                    eprintln!(
                        "fan-out: giving up after {failed_in_a_row} rounds that did not reach everyone"
                    );
                    break;
                }
                continue;
            }
        }
        failed_in_a_row = 0;
    }
    let elapsed = started.elapsed();
    drop(tasks);
    Ok(FanOut {
        outcome: Outcome::new(latencies, errors, elapsed),
        subscribers: ready,
    })
}

/// Reads reports until each of the `listening` subscribers has heard comment `id`: when the
/// last of them did, or `None` after [`ROUND_TIMEOUT`]. Subscribers that drop meanwhile are no
/// longer waited for (and counted in `errors`).
async fn until_all_heard(
    heard: &mut mpsc::UnboundedReceiver<Heard>,
    id: &str,
    listening: &mut usize,
    errors: &mut u64,
) -> Option<Instant> {
    let deadline = tokio::time::Instant::now() + ROUND_TIMEOUT;
    let mut received = 0;
    let mut last = None;
    while received < *listening {
        match tokio::time::timeout_at(deadline, heard.recv()).await {
            Ok(Some(Heard::Comment { id: got, at })) if got == id => {
                received += 1;
                last = Some(last.map_or(at, |l: Instant| l.max(at)));
            }
            Ok(Some(Heard::Lost(e))) => {
                eprintln!("fan-out: a subscriber dropped: {e:#}");
                *listening -= 1;
                *errors += 1;
            }
            // An earlier round's stragglers, or a late connection report.
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return None,
        }
    }
    last
}

/// The subscriber tasks, stopped (their connections dropped) when this is.
struct Tasks(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// One subscriber: connects (a few at a time), subscribes, then reports every comment heard.
async fn subscriber(
    url: String,
    resource: String,
    connecting: Arc<Semaphore>,
    reports: mpsc::UnboundedSender<Heard>,
) {
    let socket = {
        let _turn = connecting.acquire().await;
        subscribe(&url, &resource).await
    };
    let socket = match socket {
        Ok(socket) => socket,
        Err(e) => {
            reports.send(Heard::Failed(e)).ok();
            return;
        }
    };
    reports.send(Heard::Ready).ok();
    if let Err(e) = listen(socket, &reports).await {
        reports.send(Heard::Lost(e)).ok();
    }
}

/// Opens a graphql-transport-ws connection, anonymous, and subscribes to `resource`'s
/// comments.
async fn subscribe(url: &str, resource: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .context("opening the WebSocket")?;
    send(&mut socket, json!({ "type": "connection_init", "payload": {} })).await?;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), next_message(&mut socket))
            .await
            .context("no connection_ack within 30 s")??;
        match message["type"].as_str() {
            Some("connection_ack") => break,
            Some("ping") => send(&mut socket, json!({ "type": "pong" })).await?,
            _ => {}
        }
    }
    send(
        &mut socket,
        json!({
            "id": "1",
            "type": "subscribe",
            "payload": { "query": COMMENT_ADDED, "variables": { "id": resource } },
        }),
    )
    .await?;
    Ok(socket)
}

/// Reports each comment as it arrives; returns (with the reason) when the subscription or the
/// connection ends.
async fn listen(mut socket: Socket, reports: &mpsc::UnboundedSender<Heard>) -> anyhow::Result<()> {
    loop {
        let message = next_message(&mut socket).await?;
        let at = Instant::now();
        match message["type"].as_str() {
            Some("next") => {
                let id = message["payload"]["data"]["commentAdded"]["id"]
                    .as_str()
                    .with_context(|| format!("an event without a comment: {message}"))?;
                reports
                    .send(Heard::Comment {
                        id: id.to_owned(),
                        at,
                    })
                    .ok();
            }
            Some("ping") => send(&mut socket, json!({ "type": "pong" })).await?,
            Some("error" | "complete") => bail!("the subscription ended: {message}"),
            _ => {}
        }
    }
}

/// The next JSON message, skipping WebSocket control frames.
async fn next_message(socket: &mut Socket) -> anyhow::Result<Value> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(body))) => return Ok(serde_json::from_str(&body)?),
            Some(Ok(Message::Close(frame))) => bail!("the server closed the connection: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => bail!("the connection ended"),
        }
    }
}

async fn send(socket: &mut Socket, message: Value) -> anyhow::Result<()> {
    socket.send(Message::Text(message.to_string().into())).await?;
    Ok(())
}
