//! What every route gets, GraphQL or not: a request id (the client's `X-Request-Id` when it
//! is a sane token, else a new one), sent back in the response's `x-request-id` and carried
//! by every log line of the request; and one access log line when the response is ready.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

pub async fn log(mut request: Request, next: Next) -> Response {
    let id = request_id(request.headers());
    let header = HeaderValue::from_str(&id).ok();
    if let Some(header) = &header {
        // Handlers read the id the same way, and now find the sanitized one.
        request.headers_mut().insert(REQUEST_ID, header.clone());
    }
    let method = request.method().clone();
    // The path only: a query string may hold a GraphQL document, or worse.
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("http", request_id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "answered"
        )
    });
    if let Some(header) = header {
        response.headers_mut().insert(REQUEST_ID, header);
    }
    response
}

/// The client's `X-Request-Id` when it is a sane token, else a new one.
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(|| commons_core::id::new().to_string(), str::to_owned)
}
