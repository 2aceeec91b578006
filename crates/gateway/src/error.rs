//! The one place where domain errors become GraphQL errors. Every error carries
//! `extensions.code` (and `extensions.field` for bad input); internal details are logged,
//! never sent.

use async_graphql::ErrorExtensions;
use commons_core::{CodedError, ErrorCode};

/// A GraphQL error with a code and a message a person understands.
pub fn coded(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code.as_str()))
}

/// Maps any crate's error. `INTERNAL` errors are logged with their details and sent as a
/// plain "internal error".
pub fn to_graphql<E: CodedError>(error: E) -> async_graphql::Error {
    let code = error.code();
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

/// `?` on a domain result inside a resolver: `service(...).await.map_err(to_graphql)?`, spelled
/// `service(...).await.gql()?`.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: CodedError> GqlResult<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

/// A DataLoader's error, shared between the fields that asked for the batch.
pub type LoadError = std::sync::Arc<async_graphql::Error>;

/// A domain error as a DataLoader's shared error.
pub fn load_failed(e: impl CodedError) -> LoadError {
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
