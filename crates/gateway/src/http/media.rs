//! `GET /media/{id}`: an uploaded file, as its bytes were found to be. The bytes under an id
//! never change, so browsers and CDNs may keep them for a year, and the ETag answers
//! revalidation with `304 Not Modified`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commons_core::ErrorCode;

use super::App;
use super::response::{error_response, internal_error};

pub async fn serve(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let not_found = || error_response(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file");
    let Ok(id) = id.parse() else {
        return not_found();
    };
    let s = &app.services;
    let file = match s.resources.media_file(&s.db, id).await {
        Ok(Some(file)) => file,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "reading media failed");
            return internal_error();
        }
    };
    let etag = format!("\"{}\"", file.media.sha256);
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        file.bytes.into_response()
    };
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.media.content_type) {
        out.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, value);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    // The type is the one read from the bytes; browsers must not guess another.
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Opened on its own, a file runs nothing (a PDF's JavaScript, say) and reaches nothing.
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    // Only images show in the page; anything else downloads.
    if !file.media.content_type.starts_with("image/") {
        out.insert(
            header::CONTENT_DISPOSITION,
            attachment(file.media.filename.as_deref()),
        );
    }
    response
}

/// `attachment`, with the uploader's file name where it is plain enough for a header.
fn attachment(filename: Option<&str>) -> HeaderValue {
    let plain = filename.filter(|name| {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._-()".contains(c))
    });
    plain
        .and_then(|name| HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).ok())
        .unwrap_or_else(|| HeaderValue::from_static("attachment"))
}
