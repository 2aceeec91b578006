//! GraphQL over HTTP responses: the media type the client accepts, and status codes that
//! follow the specification.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commons_core::ErrorCode;
use serde::Serialize;
use serde_json::json;

use crate::error::{UNAVAILABLE_MESSAGE, has_code};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

/// Which media type to answer in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors get 4xx.
    GraphqlResponse,
    /// `application/json` (legacy clients): well-formed requests always get 200.
    Json,
}

impl MediaType {
    /// The client's preferred type: graphql-response+json when it lists it, else JSON.
    /// `None` when the client accepts neither.
    pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Some(MediaType::Json);
        };
        let types: Vec<&str> = accept
            .split(',')
            .map(|t| t.split(';').next().unwrap_or_default().trim())
            .collect();
        if types.contains(&GRAPHQL_RESPONSE_JSON) {
            Some(MediaType::GraphqlResponse)
        } else if types
            .iter()
            .any(|t| *t == JSON || *t == "*/*" || *t == "application/*")
        {
            Some(MediaType::Json)
        } else {
            None
        }
    }

    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// A GraphQL response body as the client will see it, with its status.
pub fn graphql_response(
    mut response: async_graphql::Response,
    media: MediaType,
    request_id: &str,
) -> Response {
    let failed_whole = response.data == async_graphql::Value::Null && !response.errors.is_empty();
    let request_error = failed_whole && response.errors.iter().all(|e| e.path.is_empty());
    // Nothing came back because the database was out of reach: the whole request may be
    // retried, and says so the way HTTP does.
    let unavailable = failed_whole
        && response
            .errors
            .iter()
            .all(|e| has_code(&e.extensions, ErrorCode::Unavailable));
    for error in &mut response.errors {
        complete_error(error, request_id);
    }
    let status = if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if request_error && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Written straight from the response, its fields in the order the query asked for them.
    let body = Body {
        // A request that could not be executed has no `data` entry at all (the spec tells it
        // apart from `data: null`, an execution that failed at the root).
        data: (!request_error).then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    let Ok(body) = serde_json::to_vec(&body) else {
        tracing::error!(request_id, "a GraphQL response could not be written as JSON");
        return internal_error();
    };
    let mut http = (status, body).into_response();
    http.headers_mut().insert(header::CONTENT_TYPE, media.header());
    if unavailable {
        http.headers_mut().insert(header::RETRY_AFTER, retry_after());
    }
    http
}

/// The body of a GraphQL response: async-graphql's `Response` writes `data` even when the
/// request could not be executed.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

fn retry_after() -> HeaderValue {
    HeaderValue::from(crate::error::RETRY_AFTER_UNAVAILABLE)
}

/// `503 UNAVAILABLE` with `Retry-After`: the database could not be reached, nothing was done.
pub fn unavailable() -> Response {
    let mut response = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable,
        UNAVAILABLE_MESSAGE,
    );
    response.headers_mut().insert(header::RETRY_AFTER, retry_after());
    response
}

/// Every error gets a code (async-graphql's own argument errors are bad input) and the
/// request id, so a person reporting it can be matched with the logs.
fn complete_error(error: &mut async_graphql::ServerError, request_id: &str) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", ErrorCode::BadUserInput.as_str());
    }
    extensions.set("requestId", request_id);
}

/// An error answered before GraphQL runs (too large, unparsable, timed out).
pub fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code.as_str() } }] });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, MediaType::Json.header());
    response
}

/// `500 INTERNAL`, after the caller has logged what went wrong: no details leave the server.
pub fn internal_error() -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal error; it has been logged",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<MediaType> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        MediaType::negotiate(&headers)
    }

    #[test]
    fn negotiates_the_media_type() {
        assert_eq!(MediaType::negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(accept("application/json"), Some(MediaType::Json));
        assert_eq!(accept("*/*"), Some(MediaType::Json));
        assert_eq!(accept("text/html"), None);
    }
}
