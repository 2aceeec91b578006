//! File downloads that GraphQL cannot carry, with the same `Authorization` header as
//! `/graphql`, as CSV or XLSX (`?format=csv|xlsx`, CSV when absent):
//!
//! - `GET /exports/events/{id}/registrations`: an event's registrations (OR8);
//! - `GET /exports/funding/{id}?currency=KZT`: a resource's fund or an agent's account,
//!   every gift and expense and the totals (PA5);
//! - `GET /exports/initiatives/{id}`: an initiative's participants, tasks, approved reports
//!   and funds, for its organizers (GV1).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commons_core::export::{Export, ExportFormat};
use commons_core::{Actor, CodedError, ErrorCode};
use commons_identity::service::ClientInfo;
use commons_payments::Target;
use serde::Deserialize;
use uuid::Uuid;

use super::App;
use super::graphql::authenticate;
use super::response::{error_response, internal_error};
use crate::schema::node::parse_global_id;

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    /// For funding: the account's currency.
    currency: Option<String>,
}

pub async fn registrations(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(event): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let Some((_, event_id)) = uuid_of(&event) else {
        return error_response(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such event");
    };
    let s = &app.services;
    download(
        &app,
        peer,
        &headers,
        query.format.as_deref(),
        async |actor, format| {
            s.resources
                .export_registrations(&s.db, actor, event_id, format)
                .await
        },
    )
    .await
}

pub async fn funding(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let target = match uuid_of(&id) {
        Some((Some(kind), id)) if ["User", "Organization", "Department"].contains(&kind.as_str()) => {
            Target::Agent(id)
        }
        Some((_, id)) => Target::Resource(id),
        None => return error_response(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such fund"),
    };
    let Some(currency) = query.currency else {
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "say which currency: ?currency=KZT",
        );
    };
    let s = &app.services;
    download(
        &app,
        peer,
        &headers,
        query.format.as_deref(),
        async |actor, format| {
            s.payments
                .export_funding(&s.db, actor, target, &currency, format)
                .await
        },
    )
    .await
}

pub async fn initiative(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let Some((_, id)) = uuid_of(&id) else {
        return error_response(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such initiative");
    };
    let s = &app.services;
    download(
        &app,
        peer,
        &headers,
        query.format.as_deref(),
        async |actor, format| {
            let funds = initiative_funds(s, actor, id).await?;
            s.governance
                .export_initiative(&s.db, actor, id, funds, format)
                .await
                .map_err(ExportFailed::Governance)
        },
    )
    .await
}

/// What the initiative's fund raised and spent, in its goal's currency, when it has one.
async fn initiative_funds(
    s: &crate::schema::context::Services,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<commons_governance::Funds>, ExportFailed> {
    let currency = match s.resources.resource(&s.db, actor, id).await {
        Ok(Some(full)) => match full.data {
            Some(commons_resources::KindData::Initiative(row)) => row.currency,
            _ => None,
        },
        Ok(None) => None,
        Err(e) => return Err(ExportFailed::Resources(e)),
    };
    let Some(currency) = currency else {
        return Ok(None);
    };
    let report = s
        .payments
        .funding_report(&s.db, actor, Target::Resource(id), &currency)
        .await
        .map_err(ExportFailed::Payments)?;
    Ok(report.map(|r| commons_governance::Funds {
        currency: r.account.currency.clone(),
        raised_minor: r.raised_minor,
        spent_minor: r.spent_minor,
        remaining_minor: r.remaining_minor,
    }))
}

/// What an export that asks several crates can fail with: each crate's own error.
#[derive(Debug, thiserror::Error)]
enum ExportFailed {
    #[error(transparent)]
    Governance(commons_governance::Error),
    #[error(transparent)]
    Payments(commons_payments::Error),
    #[error(transparent)]
    Resources(commons_resources::Error),
}

impl CodedError for ExportFailed {
    fn code(&self) -> ErrorCode {
        match self {
            ExportFailed::Governance(e) => e.code(),
            ExportFailed::Payments(e) => e.code(),
            ExportFailed::Resources(e) => e.code(),
        }
    }
}

/// The type name (of a global id) and UUID that `id` names: a global id or a bare UUID.
fn uuid_of(id: &str) -> Option<(Option<String>, Uuid)> {
    parse_global_id(id)
        .map(|(kind, id)| (Some(kind), id))
        .or_else(|| id.parse().ok().map(|id| (None, id)))
}

/// Checks the format and the caller, then answers with what `export` writes for them.
async fn download<E: CodedError + 'static>(
    app: &App,
    peer: SocketAddr,
    headers: &HeaderMap,
    format: Option<&str>,
    export: impl AsyncFnOnce(&Actor, ExportFormat) -> Result<Export, E>,
) -> Response {
    let format = match format.map(ExportFormat::parse) {
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
    let client = ClientInfo {
        user_agent: None,
        ip: Some(peer.ip()),
    };
    let caller = match authenticate(app, headers, client).await {
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
    match export(&caller.actor, format).await {
        Ok(export) => file(export),
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

/// The file as a download, never kept by a shared cache (people's names and contacts).
fn file(export: Export) -> Response {
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
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}
