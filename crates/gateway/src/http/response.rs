//! GraphQL over HTTP responses: the media type the client accepts, and status codes that
//! follow the specification.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commons_core::ErrorCode;

use crate::error::{UNAVAILABLE_MESSAGE, has_code};
use serde_json::{Value, json};

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
pub fn graphql_response(response: async_graphql::Response, media: MediaType, request_id: &str) -> Response {
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    if let Some(object) = body.as_object_mut() {
        // A request that could not be executed has no `data` entry at all (the spec tells it
        // apart from `data: null`, an execution that failed at the root).
        if request_error {
            object.remove("data");
        }
        if let Some(Value::Array(errors)) = object.get_mut("errors") {
            for error in errors {
                complete_error(error, request_id);
            }
        }
    }
    // Nothing came back because the database was out of reach: the whole request may be
    // retried, and says so the way HTTP does.
    let unavailable = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response
            .errors
            .iter()
            .all(|e| has_code(&e.extensions, ErrorCode::Unavailable));
    let status = if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if request_error && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut http = (status, body.to_string()).into_response();
    http.headers_mut().insert(header::CONTENT_TYPE, media.header());
    if unavailable {
        http.headers_mut().insert(header::RETRY_AFTER, retry_after());
    }
    http
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
fn complete_error(error: &mut Value, request_id: &str) {
    let Some(error) = error.as_object_mut() else {
        return;
    };
    let extensions = error.entry("extensions").or_insert_with(|| json!({}));
    if let Some(extensions) = extensions.as_object_mut() {
        extensions
            .entry("code")
            .or_insert_with(|| ErrorCode::BadUserInput.as_str().into());
        extensions.insert("requestId".into(), request_id.into());
    }
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
