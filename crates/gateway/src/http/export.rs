//! File downloads that GraphQL cannot carry: `GET /exports/events/{id}/registrations?format=csv`
//! (or `xlsx`), with the same `Authorization` header as `/graphql` (OR8).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commons_core::export::ExportFormat;
use commons_core::{CodedError, ErrorCode};
use commons_identity::service::ClientInfo;
use serde::Deserialize;

use super::App;
use super::graphql::authenticate;
use super::response::{error_response, internal_error};
use crate::schema::node::parse_global_id;

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

pub async fn registrations(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(event): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let format = match query.format.as_deref().map(ExportFormat::parse) {
        None => ExportFormat::Csv,
        Some(Some(format)) => format,
        Some(None) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "format must be csv or xlsx",
            );
        }
    };
    let Some(event_id) = parse_global_id(&event)
        .map(|(_, id)| id)
        .or_else(|| event.parse().ok())
    else {
        return error_response(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such event");
    };
    let client = ClientInfo {
        user_agent: None,
        ip: Some(peer.ip()),
    };
    let caller = match authenticate(&app, &headers, client).await {
        Ok(caller) if !caller.rejected_token && caller.actor.user_id().is_some() => caller,
        Ok(_) => {
            return error_response(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "sign in with a valid token to download exports",
            );
        }
        Err(response) => return response,
    };
    let s = &app.services;
    match s
        .resources
        .export_registrations(&s.db, &caller.actor, event_id, format)
        .await
    {
        Ok(export) => {
            let disposition = format!("attachment; filename=\"{}\"", export.filename);
            let mut response = export.bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(export.content_type),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            // People's contacts: never kept by a shared cache.
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Err(e) => {
            let status = match e.code() {
                ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
                ErrorCode::Forbidden => StatusCode::FORBIDDEN,
                ErrorCode::NotFound => StatusCode::NOT_FOUND,
                ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
                ErrorCode::Internal => {
                    tracing::error!(error = %e, "export failed");
                    return internal_error();
                }
                _ => StatusCode::CONFLICT,
            };
            error_response(status, e.code(), &e.to_string())
        }
    }
}
