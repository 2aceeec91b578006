//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket, in the graphql-transport-ws
//! protocol (and the older graphql-ws, which Apollo clients still speak).
//!
//! Browsers cannot set headers on a WebSocket, so the token travels in `connection_init`:
//! `{"Authorization": "Bearer …"}` (or `{"token": "…"}`); an `Authorization` header on the
//! upgrade request works too. Without a token the connection is anonymous and sees what
//! everyone may see. A token that is refused closes the connection (4403, with the reason),
//! rather than quietly downgrading it. `ws_limits` holds the protocol's other rules.

use std::net::SocketAddr;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::GraphQLProtocol;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use commons_core::{Actor, ErrorCode};
use commons_identity::service::ClientInfo;

use super::graphql::{bearer, caller_data, client_info, verify};
use super::{App, ws_limits};
use crate::error::coded;
use crate::schema::context::Caller;
use crate::schema::live::LiveSession;
use crate::schema::loaders::Memory;

/// What a connection reads from its socket at a time. A subscriber sends little (its
/// subscriptions, pongs), and tungstenite zero-fills this much of its buffer every time the
/// connection's task reads, even when nothing has arrived: at the default 128 KiB, one
/// comment to 1,000 subscribers set 128 MB to zero (nine tenths of the server's
/// instructions in the benchmark's fan-out) and each connection held 128 KiB. A longer
/// message is read in several turns.
const READ_BUFFER: usize = 4 * 1024;

pub async fn upgrade(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let client = client_info(&headers, peer, app.config.trusted_proxies);
    let header_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    let limits = app.config.websocket;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        // One message is held to the body limit of a request.
        .max_message_size(app.config.max_body_bytes)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| {
            let schema = app.schema.clone();
            ws_limits::serve(
                socket,
                schema,
                protocol,
                limits,
                move |payload, outgoing| async move {
                    let token = payload_token(&payload).or(header_token);
                    let caller = match connect(&app, token.as_deref(), client).await {
                        Ok(caller) => caller,
                        Err(refused) => {
                            ws_limits::refuse(&outgoing, &refused);
                            return Err(refused);
                        }
                    };
                    let mut data = caller_data(&app, caller, Memory::None);
                    data.insert(LiveSession::new(token, app.config.session_recheck));
                    Ok(data)
                },
            )
        })
}

/// The token in a `connection_init` payload.
fn payload_token(payload: &serde_json::Value) -> Option<String> {
    ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload[key].as_str().and_then(bearer))
        .or_else(|| payload["token"].as_str())
        .map(str::to_owned)
}

async fn connect(app: &App, token: Option<&str>, client: ClientInfo) -> async_graphql::Result<Caller> {
    let actor = match token {
        None => Actor::ANONYMOUS,
        Some(token) => match verify(app, token).await {
            Ok(Some(actor)) => actor,
            Ok(None) => {
                return Err(coded(
                    ErrorCode::Unauthenticated,
                    "the access token is invalid or expired; refresh it and connect again",
                ));
            }
            Err(failed) => return Err(failed),
        },
    };
    Ok(Caller {
        actor,
        rejected_token: false,
        client,
    })
}
