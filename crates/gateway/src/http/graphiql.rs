//! GraphiQL at `/`, with its scripts and styles served from the binary: pinned production
//! builds (`crates/gateway/assets/graphiql/README.md` says which), so the IDE works offline,
//! behind a strict network, and the same on every machine. The version is part of the assets'
//! address, so they can be cached for good.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The GraphiQL release the assets come from.
pub const VERSION: &str = "3.9.0";

static PAGE: LazyLock<String> =
    LazyLock::new(|| include_str!("../../assets/graphiql/index.html").replace("{{VERSION}}", VERSION));

pub async fn page() -> Html<&'static str> {
    Html(PAGE.as_str())
}

/// `/graphiql/{version}/{file}`: one of the pinned files, or 404.
pub async fn asset(Path((version, file)): Path<(String, String)>) -> Response {
    let found = match file.as_str() {
        "graphiql.min.js" => Some((
            "text/javascript; charset=utf-8",
            &include_bytes!("../../assets/graphiql/graphiql.min.js")[..],
        )),
        "graphiql.min.css" => Some((
            "text/css; charset=utf-8",
            &include_bytes!("../../assets/graphiql/graphiql.min.css")[..],
        )),
        "react.production.min.js" => Some((
            "text/javascript; charset=utf-8",
            &include_bytes!("../../assets/graphiql/react.production.min.js")[..],
        )),
        "react-dom.production.min.js" => Some((
            "text/javascript; charset=utf-8",
            &include_bytes!("../../assets/graphiql/react-dom.production.min.js")[..],
        )),
        _ => None,
    };
    let Some((content_type, bytes)) = found.filter(|_| version == VERSION) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
