//! `GET` and `POST /graphql`: GraphQL over HTTP.

use std::net::{IpAddr, SocketAddr};

use async_graphql::ParseRequestError;
use async_graphql::parser::types::OperationType;
use async_graphql_axum::GraphQLRequest;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commons_core::{Actor, CodedError, ErrorCode};
use commons_identity::service::ClientInfo;
use commons_identity::token::API_KEY_PREFIX;
use tracing::Instrument;

use super::App;
use super::response::{MediaType, error_response, graphql_response};
use crate::error::has_code;
use crate::schema::context::Caller;
use crate::schema::guard::QueryGuard;
use crate::schema::loaders::{self, Memory};

pub async fn handle(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    request: GraphQLRequest<Rejection>,
) -> Response {
    let mut request = request.into_inner();
    // Set by `access::log` for every route; read here for the errors' `requestId`.
    let request_id = super::access::request_id(&headers);
    let Some(media) = MediaType::negotiate(&headers) else {
        return error_response(
            StatusCode::NOT_ACCEPTABLE,
            ErrorCode::BadUserInput,
            "accept application/graphql-response+json or application/json",
        );
    };
    // GraphQL over HTTP: a POST says what its body is. Without it the body is not ours to
    // guess (a form a browser posts cross-site carries no JSON type, say).
    if method == Method::POST && !headers.contains_key(header::CONTENT_TYPE) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadUserInput,
            "send the body with Content-Type: application/json (or multipart/form-data for uploads)",
        );
    }
    if method == Method::GET {
        // Parsed here to tell a mutation apart, so the guard goes first here too.
        if let Some(refused) =
            QueryGuard::new(app.config.max_depth, app.config.max_complexity).check_text(&request.query)
        {
            return error_response(StatusCode::BAD_REQUEST, ErrorCode::QueryTooDeep, &refused.message);
        }
    }
    if method == Method::GET && is_mutation(&mut request) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadUserInput,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    let client = client_info(&headers, peer, app.config.trusted_proxies);
    let caller = match authenticate(&app, &headers, client).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let operation = request.operation_name.clone();
    let span = tracing::info_span!("graphql", operation = operation.as_deref().unwrap_or(""));
    request.data = caller_data(&app, caller, Memory::Request);
    // The request runs as a task of its own, so a client that hangs up does not cut it off
    // halfway (its answer is then dropped): a write either happens whole or not at all. Only
    // the timeout stops it.
    let schema = app.schema.clone();
    let execution = tokio::spawn(async move { schema.execute(request).await }.instrument(span));
    let stop = execution.abort_handle();
    match tokio::time::timeout(app.config.request_timeout, execution).await {
        Ok(Ok(response)) => graphql_response(response, media, &request_id),
        Ok(Err(failed)) => {
            tracing::error!(error = %failed, "a request's execution failed");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "the server failed to answer this request",
            )
        }
        Err(_) => {
            stop.abort();
            error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Timeout,
                &format!(
                    "the request took longer than {} s",
                    app.config.request_timeout.as_secs_f64()
                ),
            )
        }
    }
}

/// What resolvers need about one caller: who they are and DataLoaders acting as them. A
/// request gets its own; a WebSocket connection shares one between its subscriptions.
pub(super) fn caller_data(app: &App, caller: Caller, memory: Memory) -> async_graphql::Data {
    let mut data = async_graphql::Data::default();
    loaders::insert(
        &mut data,
        &app.services,
        &caller.actor,
        app.config.batch_delay,
        memory,
    );
    data.insert(caller);
    data
}

/// The caller behind the `Authorization` header. A bad token does not fail the request
/// here: see [`Caller::rejected_token`].
pub(super) async fn authenticate(
    app: &App,
    headers: &HeaderMap,
    client: ClientInfo,
) -> Result<Caller, Response> {
    let anonymous = |rejected_token, client| Caller {
        actor: Actor::ANONYMOUS,
        rejected_token,
        client,
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(anonymous(false, client));
    };
    let Some(token) = value.to_str().ok().and_then(bearer) else {
        return Ok(anonymous(true, client));
    };
    match verify(app, token).await {
        Ok(Some(actor)) => Ok(Caller {
            actor,
            rejected_token: false,
            client,
        }),
        Ok(None) => Ok(anonymous(true, client)),
        Err(e) if has_code(&e.extensions, ErrorCode::Unavailable) => Err(super::response::unavailable()),
        Err(_) => Err(super::response::internal_error()),
    }
}

/// The token of an `Authorization: Bearer …` value.
pub(super) fn bearer(value: &str) -> Option<&str> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// The actor a token stands for: `None` when it is refused (malformed, expired, wrongly
/// signed, revoked), `Err` when checking it failed on our side (logged, and coded
/// `UNAVAILABLE` when the database was out of reach, else `INTERNAL`).
pub(super) async fn verify(app: &App, token: &str) -> Result<Option<Actor>, async_graphql::Error> {
    let s = &app.services;
    // API keys carry a prefix, so a JWT never costs a key lookup and a key never a JWT parse.
    let authenticated = if token.starts_with(API_KEY_PREFIX) {
        s.identity.authenticate_api_key(&s.db, token).await
    } else {
        s.identity.authenticate(&s.db, token).await
    };
    match authenticated {
        Ok(actor) => Ok(Some(actor)),
        Err(e) if e.code() == ErrorCode::Internal => Err(crate::error::to_graphql(e)),
        Err(_) => Ok(None),
    }
}

/// Whether the request would run a mutation; the document parsed to tell is kept in the
/// request, so it is not parsed again.
fn is_mutation(request: &mut async_graphql::Request) -> bool {
    let wanted = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    document.operations.iter().any(|(name, op)| {
        let selected = match (&wanted, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        };
        selected && op.node.ty == OperationType::Mutation
    })
}

pub(super) fn client_info(headers: &HeaderMap, peer: SocketAddr, trusted_proxies: usize) -> ClientInfo {
    ClientInfo {
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip: Some(client_ip(headers, peer, trusted_proxies)),
    }
}

/// The client's address behind `trusted_proxies` proxies. Each proxy appends the address it
/// was reached from to `X-Forwarded-For`, so the hops read from the right, the connection's
/// peer last: the client is the one just before the last trusted proxy. What the client wrote
/// itself sits further left and is never taken. An entry that is not an address (or a header
/// shorter than the proxies) stops the walk at the leftmost hop that is one.
pub(super) fn client_ip(headers: &HeaderMap, peer: SocketAddr, trusted_proxies: usize) -> IpAddr {
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .rev()
        .map_while(|hop| hop.trim().parse().ok());
    // Right to left, the peer first: the hop past the trusted proxies, or the last one known.
    std::iter::once(peer.ip())
        .chain(forwarded)
        .take(trusted_proxies + 1)
        .last()
        .unwrap_or(peer.ip())
}

/// A request that is not GraphQL over HTTP at all.
pub struct Rejection(ParseRequestError);

impl From<ParseRequestError> for Rejection {
    fn from(error: ParseRequestError) -> Self {
        Rejection(error)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self.0 {
            ParseRequestError::PayloadTooLarge => super::body_limit::too_large(0),
            ParseRequestError::Io(e) if e.to_string().contains("length limit exceeded") => error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                "the request body is too large",
            ),
            other => error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::GraphqlParseFailed,
                &format!("this is not a GraphQL request: {other}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip_behind(proxies: usize, forwarded: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", value.parse().expect("a header value"));
        }
        let peer: SocketAddr = "10.0.0.1:443".parse().expect("an address");
        client_ip(&headers, peer, proxies).to_string()
    }

    #[test]
    fn the_client_is_read_from_the_right_past_the_trusted_proxies() {
        // The client wrote 1.1.1.1 itself; the proxy appended the address it saw.
        assert_eq!(ip_behind(1, &["1.1.1.1, 203.0.113.9"]), "203.0.113.9");
        assert_eq!(
            ip_behind(2, &["1.1.1.1, 203.0.113.9, 198.51.100.2"]),
            "203.0.113.9"
        );
        assert_eq!(
            ip_behind(1, &["1.1.1.1", "203.0.113.9"]),
            "203.0.113.9",
            "split headers"
        );
        assert_eq!(ip_behind(0, &["203.0.113.9"]), "10.0.0.1", "no proxy: the peer");
        assert_eq!(ip_behind(1, &[]), "10.0.0.1", "no header: the peer");
        assert_eq!(
            ip_behind(3, &["203.0.113.9"]),
            "203.0.113.9",
            "fewer hops than proxies"
        );
        assert_eq!(ip_behind(2, &["203.0.113.9, junk, 198.51.100.2"]), "198.51.100.2");
    }
}
