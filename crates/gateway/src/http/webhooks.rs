//! `POST /webhooks/{provider}`: a payment provider's signed events (PA2). The raw body is
//! handed to the payments crate with the provider's signature header, unparsed: the
//! signature covers the exact bytes. 200 when the event is applied (or was before, or is of
//! no concern); 400 when the signature is missing, wrong or stale, with nothing changed; 404
//! for a provider this server does not use; 503 when the database is out of reach, so the
//! provider delivers it again later.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use commons_core::{CodedError, ErrorCode};
use commons_payments::Applied;

use super::App;
use super::response::{error_response, internal_error, unavailable};
use crate::error::database_unreachable;

pub async fn receive(
    State(app): State<App>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let s = &app.services;
    let header = s.payments.provider().signature_header();
    let signature = headers.get(header).and_then(|v| v.to_str().ok());
    match s.payments.apply_webhook(&s.db, &provider, signature, &body).await {
        Ok(applied) => {
            let outcome = match applied {
                Applied::Applied => "applied",
                Applied::Duplicate => "duplicate",
                Applied::Ignored => "ignored",
            };
            (
                StatusCode::OK,
                axum::Json(serde_json::json!({ "received": true, "outcome": outcome })),
            )
                .into_response()
        }
        Err(e) if database_unreachable(&e) => unavailable(),
        Err(e) => match e.code() {
            ErrorCode::BadUserInput => error_response(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
            ErrorCode::NotFound => error_response(StatusCode::NOT_FOUND, e.code(), &e.to_string()),
            _ => {
                tracing::error!(error = %e, provider, "a webhook could not be applied");
                internal_error()
            }
        },
    }
}
