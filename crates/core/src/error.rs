//! The error-code vocabulary. Each crate has its own `Error` enum (thiserror) and says, through
//! [`CodedError`], which code each variant is; the gateway maps that once to GraphQL
//! `extensions.code`. Internal details are logged, never sent to clients.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No valid credentials: missing, malformed, expired or revoked token, wrong password.
    Unauthenticated,
    /// Signed in, but not allowed to do this.
    Forbidden,
    /// The thing does not exist, or the actor may not know that it does.
    NotFound,
    /// The input is wrong; `field` says which part.
    BadUserInput,
    /// The input clashes with existing state (taken email, wrong status for this transition).
    Conflict,
    /// A plan or platform limit is reached.
    LimitExceeded,
    /// Too many attempts; try again later.
    RateLimited,
    /// Our fault. Logged with details; the client sees only the code.
    Internal,
    // Transport codes, raised by the gateway before any resolver runs.
    PayloadTooLarge,
    QueryTooDeep,
    QueryTooComplex,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    Timeout,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::QueryTooDeep => "QUERY_TOO_DEEP",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::Timeout => "TIMEOUT",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Implemented by every crate's `Error`, so the gateway maps all of them the same way.
pub trait CodedError: std::error::Error {
    fn code(&self) -> ErrorCode;

    /// For `BAD_USER_INPUT`: the input field at fault, as the API names it.
    fn field(&self) -> Option<&str> {
        None
    }
}
