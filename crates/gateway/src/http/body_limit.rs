//! Refuses request bodies over the limit with `413` and `PAYLOAD_TOO_LARGE`, before parsing.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use commons_core::ErrorCode;
use http_body_util::Limited;

use super::response::error_response;

/// How large a request body may be: uploads (GraphQL multipart requests) carry a file and so
/// get the upload limit plus room for the operation.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimits {
    pub json: usize,
    pub multipart: usize,
}

/// A declared length over the limit is refused at once; a body without one is cut off as
/// it streams (the GraphQL extractor then reports the overflow).
pub async fn limit(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let max = if multipart { limits.multipart } else { limits.json };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return too_large(max);
    }
    next.run(request.map(|body| Body::new(Limited::new(body, max))))
        .await
}

pub fn too_large(max: usize) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        &format!("the request body is larger than {max} bytes"),
    )
}
