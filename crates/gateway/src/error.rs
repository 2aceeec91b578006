//! The one place where domain errors become GraphQL errors. Every error carries
//! `extensions.code` (and `extensions.field` for bad input); internal details are logged,
//! never sent.

use async_graphql::{ErrorExtensionValues, ErrorExtensions};
use commons_core::{CodedError, ErrorCode};

/// A GraphQL error with a code and a message a person understands.
pub fn coded(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code.as_str()))
}

/// Seconds a client is told to wait before sending a request again that found the database
/// unreachable.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 2;

/// What a client is told when the database was out of reach.
pub const UNAVAILABLE_MESSAGE: &str =
    "the service is briefly unavailable; nothing was changed, try again shortly";

/// Whether an error's extensions carry `code`.
pub fn has_code(extensions: &Option<ErrorExtensionValues>, code: ErrorCode) -> bool {
    extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .is_some_and(|c| *c == async_graphql::Value::from(code.as_str()))
}

/// Maps any crate's error. `INTERNAL` errors are logged with their details and sent as a
/// plain "internal error"; those that are the database being out of reach are `UNAVAILABLE`,
/// which a client may retry.
pub fn to_graphql<E: CodedError + 'static>(error: E) -> async_graphql::Error {
    let code = error.code();
    if code == ErrorCode::Internal && database_unreachable(&error) {
        tracing::warn!(error = %error, "the database is out of reach");
        return coded(ErrorCode::Unavailable, UNAVAILABLE_MESSAGE)
            .extend_with(|_, ext| ext.set("retryAfterSeconds", RETRY_AFTER_UNAVAILABLE));
    }
    if code == ErrorCode::Internal {
        tracing::error!(error = %error, "internal error");
        return coded(code, "internal error; it has been logged");
    }
    let field = error.field().map(str::to_owned);
    coded(code, error.to_string()).extend_with(|_, ext| {
        if let Some(field) = field {
            ext.set("field", field);
        }
    })
}

/// Whether `error` (or what caused it) is a database connection that could not be had: the
/// pool timed out waiting, or connecting failed. Each crate wraps `DbErr` as its source.
pub fn database_unreachable(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(db) = current.downcast_ref::<sea_orm::DbErr>() {
            return matches!(db, sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_));
        }
        cause = current.source();
    }
    false
}

/// `?` on a domain result inside a resolver: `service(...).await.map_err(to_graphql)?`, spelled
/// `service(...).await.gql()?`.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: CodedError + 'static> GqlResult<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

/// A DataLoader's error, shared between the fields that asked for the batch.
pub type LoadError = std::sync::Arc<async_graphql::Error>;

/// A domain error as a DataLoader's shared error.
pub fn load_failed(e: impl CodedError + 'static) -> LoadError {
    std::sync::Arc::new(to_graphql(e))
}

/// `?` on a DataLoader result, whose error is shared between the fields that asked.
pub trait SharedResult<T> {
    fn unshared(self) -> async_graphql::Result<T>;
}

impl<T> SharedResult<T> for Result<T, std::sync::Arc<async_graphql::Error>> {
    fn unshared(self) -> async_graphql::Result<T> {
        self.map_err(|e| (*e).clone())
    }
}
