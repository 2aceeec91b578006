//! A GraphQL-over-WebSocket client speaking graphql-transport-ws, as browser clients do.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct LiveClient {
    socket: Socket,
}

/// How a connection attempt ended.
pub enum Connected {
    Ready(Box<LiveClient>),
    /// The server closed the connection with this code and reason.
    Refused(u16, String),
}

impl LiveClient {
    /// Connects to `http_url`'s `/graphql/ws` and sends `connection_init`, with the token when
    /// given.
    pub async fn connect(http_url: &str, token: Option<&str>) -> Connected {
        let mut client = LiveClient::open(http_url).await;
        let payload = token.map_or(json!({}), |t| json!({ "Authorization": format!("Bearer {t}") }));
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        loop {
            match client.read(Duration::from_secs(10)).await {
                Some(Ok(message)) if message["type"] == "connection_ack" => {
                    return Connected::Ready(Box::new(client));
                }
                Some(Ok(_)) => continue,
                Some(Err((code, reason))) => return Connected::Refused(code, reason),
                None => panic!("no connection_ack within 10 s"),
            }
        }
    }

    /// Opens the WebSocket and sends nothing.
    pub async fn open(http_url: &str) -> LiveClient {
        let url = format!("{}/graphql/ws", http_url.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket opens");
        LiveClient { socket }
    }

    /// Sends one protocol message as it is.
    pub async fn send(&mut self, message: Value) {
        self.socket.send(text(message)).await.expect("message sent");
    }

    /// The code and reason the server closes the connection with, within `wait`; messages
    /// before it are skipped.
    pub async fn closed(&mut self, wait: Duration) -> Option<(u16, String)> {
        loop {
            match self.read(wait).await? {
                Ok(_) => continue,
                Err(closed) => return Some(closed),
            }
        }
    }

    /// Starts the subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables }
        }))
        .await;
    }

    /// The next `next`, `error` or `complete` message within `wait`, or `None`.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match self.read(wait).await? {
                Ok(message) if message["type"] == "ping" => {
                    self.socket
                        .send(text(json!({ "type": "pong" })))
                        .await
                        .expect("pong sent");
                }
                Ok(message) if message["type"] == "pong" => {}
                Ok(message) => return Some(message),
                Err((code, reason)) => panic!("the server closed the connection: {code} {reason}"),
            }
        }
    }

    /// A message, or how the server closed the connection.
    async fn read(&mut self, wait: Duration) -> Option<Result<Value, (u16, String)>> {
        loop {
            let frame = tokio::time::timeout(wait, self.socket.next()).await.ok()?;
            match frame {
                Some(Ok(Message::Text(body))) => {
                    return Some(Ok(serde_json::from_str(&body).expect("a JSON message")));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Err(
                        frame.map_or((1005, String::new()), |f| (f.code.into(), f.reason.to_string()))
                    ));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Some(Err((1006, e.to_string()))),
                None => return Some(Err((1006, "closed".into()))),
            }
        }
    }
}

fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

/// Acts until the subscriber receives something: a subscription starts listening a moment
/// after it is sent, and the protocol has no message saying when.
pub async fn until_received(client: &mut LiveClient, mut act: impl AsyncFnMut(usize)) -> Value {
    for attempt in 1..=10 {
        act(attempt).await;
        if let Some(message) = client.next(Duration::from_secs(2)).await {
            return message;
        }
    }
    panic!("nothing arrived after 10 attempts");
}

/// Reads what is still arriving, until a quiet half second.
pub async fn drain(client: &mut LiveClient) {
    while client.next(Duration::from_millis(500)).await.is_some() {}
}
