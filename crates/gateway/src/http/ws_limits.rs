//! What async-graphql's WebSocket leaves to us (issue 15, 3): it keeps any number of
//! subscriptions on one connection, waits forever for `connection_init`, silently replaces a
//! subscription whose id is taken, and closes a subscribe-before-init with 1011. This sits
//! between the socket and async-graphql, reading only each message's `type` and `id`, and
//! holds graphql-transport-ws's rules:
//!
//! | what | close code |
//! |---|---|
//! | no `connection_init` in time | 4408 |
//! | `subscribe` before `connection_init` | 4401 |
//! | a second `subscribe` with an open id | 4409 |
//! | more than the connection's share of subscriptions | 4429 |
//! | a token refused at `connection_init` (sent by [`refuse`]) | 4403 |
//! | the database out of reach at `connection_init` | 1013 (try again later) |
//! | no subscription and no message for the idle timeout | 1000 |
//!
//! Refusing ends the client's message stream, so async-graphql ends the connection and drops
//! every subscription it held.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use async_graphql::Executor;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};
use tokio::time::Instant;

/// The limits one connection is held to.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_subscriptions: usize,
    pub init_timeout: Duration,
    pub idle_timeout: Duration,
}

#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    ty: String,
    id: Option<String>,
}

fn close(code: u16, reason: impl Into<String>) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into().into(),
    }))
}

/// Closes the connection for `connection_init`'s `error`, before async-graphql's own close
/// (1002) would: 4403 for a refused token, 1013 when the database is out of reach (try
/// again later), 1011 for anything else.
pub fn refuse(out: &Outgoing, error: &async_graphql::Error) {
    let code_is = |code| crate::error::has_code(&error.extensions, code);
    let code = if code_is(commons_core::ErrorCode::Unauthenticated) {
        4403
    } else if code_is(commons_core::ErrorCode::Unavailable) {
        1013
    } else {
        1011
    };
    // A full queue means the connection is already going away.
    let _ = out.0.clone().try_send(close(code, error.message.clone()));
}

/// The queue of frames to the client, for [`refuse`].
#[derive(Clone)]
pub struct Outgoing(mpsc::Sender<Message>);

/// What the two halves share: the open subscription ids and when the client last spoke.
struct Shared {
    open: HashSet<String>,
    last_heard: Instant,
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The client's messages, passed on until one breaks a rule.
struct Guarded<S> {
    inner: S,
    shared: Arc<Mutex<Shared>>,
    init_seen: bool,
    max_subscriptions: usize,
    out: mpsc::Sender<Message>,
    done: bool,
}

impl<S: Stream<Item = Result<Message, axum::Error>> + Unpin> Stream for Guarded<S> {
    type Item = Result<Message, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let item = ready!(this.inner.poll_next_unpin(cx));
        let envelope = match &item {
            Some(Ok(Message::Text(text))) => serde_json::from_str::<Envelope>(text.as_str()).ok(),
            Some(Ok(Message::Binary(bytes))) => serde_json::from_slice::<Envelope>(bytes).ok(),
            _ => None,
        };
        let mut shared = lock(&this.shared);
        shared.last_heard = Instant::now();
        // Anything unreadable goes on: async-graphql closes with 4400 or 1002 itself.
        let Some(Envelope { ty, id }) = envelope else {
            return Poll::Ready(item);
        };
        let refusal = match ty.as_str() {
            "connection_init" => {
                this.init_seen = true;
                None
            }
            "subscribe" | "start" => {
                let id = id.unwrap_or_default();
                if !this.init_seen {
                    Some(close(4401, "Unauthorized: connection_init first"))
                } else if shared.open.contains(&id) {
                    Some(close(4409, format!("Subscriber for {id} already exists")))
                } else if shared.open.len() >= this.max_subscriptions {
                    Some(close(
                        4429,
                        format!(
                            "more than {} subscriptions on one connection",
                            this.max_subscriptions
                        ),
                    ))
                } else {
                    shared.open.insert(id);
                    None
                }
            }
            "complete" | "stop" => {
                if let Some(id) = id {
                    shared.open.remove(&id);
                }
                None
            }
            _ => None,
        };
        drop(shared);
        match refusal {
            Some(frame) => {
                this.done = true;
                let _ = this.out.try_send(frame);
                Poll::Ready(None)
            }
            None => Poll::Ready(item),
        }
    }
}

/// Serves GraphQL over `socket` within `limits`. `on_init` gets the `connection_init`
/// payload and the outgoing queue (to [`refuse`] a token).
pub async fn serve<E, F, R>(
    socket: WebSocket,
    executor: E,
    protocol: GraphQLProtocol,
    limits: Limits,
    on_init: F,
) where
    E: Executor,
    F: FnOnce(serde_json::Value, Outgoing) -> R + Send + 'static,
    R: Future<Output = async_graphql::Result<async_graphql::Data>> + Send + 'static,
{
    let (mut socket_tx, socket_rx) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(32);
    let shared = Arc::new(Mutex::new(Shared {
        open: HashSet::new(),
        last_heard: Instant::now(),
    }));
    let input = Guarded {
        inner: socket_rx,
        shared: shared.clone(),
        init_seen: false,
        max_subscriptions: limits.max_subscriptions,
        out: out_tx.clone(),
        done: false,
    };
    let outgoing = Outgoing(out_tx.clone());
    let serve = GraphQLWebSocket::new_with_pair(out_tx, input, executor, protocol)
        .on_connection_init(move |payload| on_init(payload, outgoing))
        .serve();
    let forward = async move {
        let init_deadline = tokio::time::sleep(limits.init_timeout);
        let idle_check = tokio::time::sleep(limits.idle_timeout);
        tokio::pin!(init_deadline, idle_check);
        let mut acked = false;
        loop {
            let message = tokio::select! {
                message = out_rx.next() => match message {
                    Some(message) => message,
                    None => break,
                },
                _ = &mut init_deadline, if !acked => close(4408, "Connection initialisation timeout"),
                _ = &mut idle_check => {
                    let (idle, since) = {
                        let shared = lock(&shared);
                        (shared.open.is_empty(), shared.last_heard)
                    };
                    let quiet_until = since + limits.idle_timeout;
                    if idle && Instant::now() >= quiet_until {
                        close(1000, "idle: no subscription and no message")
                    } else {
                        idle_check.as_mut().reset(quiet_until.max(Instant::now() + Duration::from_millis(10)));
                        continue;
                    }
                }
            };
            if let Message::Text(text) = &message {
                note_server_message(text.as_str(), &shared, &mut acked);
            }
            let closing = matches!(message, Message::Close(_));
            if socket_tx.send(message).await.is_err() || closing {
                break;
            }
        }
    };
    tokio::pin!(serve, forward);
    tokio::select! {
        _ = &mut forward => {}
        // Send what async-graphql queued last (its close frame).
        _ = &mut serve => forward.await,
    }
}

/// Watches the server's side for the acknowledgement and for subscriptions it completed
/// (their slots free up). Only those two short messages are parsed: a `next` goes by on a
/// prefix check, as async-graphql writes the `type` first.
fn note_server_message(text: &str, shared: &Mutex<Shared>, acked: &mut bool) {
    let interesting =
        text.starts_with(r#"{"type":"connection_ack""#) || text.starts_with(r#"{"type":"complete""#);
    if !interesting {
        return;
    }
    if let Ok(Envelope { ty, id }) = serde_json::from_str::<Envelope>(text) {
        match (ty.as_str(), id) {
            ("connection_ack", _) => *acked = true,
            ("complete", Some(id)) => {
                lock(shared).open.remove(&id);
            }
            _ => {}
        }
    }
}
