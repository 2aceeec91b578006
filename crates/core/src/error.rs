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
    /// The database cannot be reached just now: nothing was done, and the same request may be
    /// sent again shortly (`extensions.retryAfterSeconds`).
    Unavailable,
    // Transport codes, raised by the gateway before any resolver runs.
    PayloadTooLarge,
    QueryTooDeep,
    QueryTooComplex,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    Timeout,
    /// An automatic persisted query's hash the server does not hold: send the document along.
    PersistedQueryNotFound,
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
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::QueryTooDeep => "QUERY_TOO_DEEP",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
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

/// Writes, once for every crate, what each crate's `Error` enum needs beside its variants:
/// the [`CodedError`] impl (which code each variant is, which input field it names, and the
/// wrapped errors of other crates, whose codes and fields pass through), `From<TextError>`,
/// and `Error::invalid(field, message)`. The enum must have the variant
/// `Invalid { field: &'static str, message: String }` (`BAD_USER_INPUT`).
///
/// ```ignore
/// commons_core::coded_error! {
///     Error {
///         Unauthenticated: NotSignedIn;
///         NotFound: CommentNotFound | ConversationNotFound;
///         Internal: Db;
///     }
///     wraps Orgs | Page;
///     fields SlugTaken => "slug";
/// }
/// ```
/// A variant left out of every line does not compile, as with a handwritten `match`.
#[macro_export]
macro_rules! coded_error {
    (
        $error:ident {
            $( $code:ident : $( $variant:ident )|+ ; )*
        }
        $( wraps $( $inner:ident )|+ ; )?
        $( fields $( $named:ident => $field:literal ),+ ; )?
    ) => {
        impl $crate::CodedError for $error {
            fn code(&self) -> $crate::ErrorCode {
                match self {
                    $error::Invalid { .. } => $crate::ErrorCode::BadUserInput,
                    $( $( $error::$variant { .. } )|+ => $crate::ErrorCode::$code, )*
                    $( $( $error::$inner(e) => $crate::CodedError::code(e), )+ )?
                }
            }

            fn field(&self) -> Option<&str> {
                match self {
                    $error::Invalid { field, .. } => Some(field),
                    $( $( $error::$named { .. } => Some($field), )+ )?
                    $( $( $error::$inner(e) => $crate::CodedError::field(e), )+ )?
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }

        impl From<$crate::text::TextError> for $error {
            fn from(e: $crate::text::TextError) -> $error {
                $error::Invalid {
                    field: e.field,
                    message: e.message,
                }
            }
        }

        impl $error {
            /// Bad input in `field` (as the API names it), told in `message`.
            #[allow(dead_code)]
            pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> $error {
                $error::Invalid {
                    field,
                    message: message.into(),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::{CodedError, ErrorCode};
    use crate::PageError;

    #[derive(Debug, thiserror::Error)]
    enum Error {
        #[error("sign in first")]
        NotSignedIn,
        #[error("{message}")]
        Invalid { field: &'static str, message: String },
        #[error("this name is taken")]
        NameTaken(String),
        #[error(transparent)]
        Page(#[from] PageError),
    }

    crate::coded_error! {
        Error {
            Unauthenticated: NotSignedIn;
            Conflict: NameTaken;
        }
        wraps Page;
        fields NameTaken => "name";
    }

    #[test]
    fn codes_and_fields_come_from_one_table() {
        assert_eq!(Error::NotSignedIn.code(), ErrorCode::Unauthenticated);
        assert_eq!(Error::NotSignedIn.field(), None);
        let taken = Error::NameTaken("green".into());
        assert_eq!((taken.code(), taken.field()), (ErrorCode::Conflict, Some("name")));
        let bad = Error::invalid("title", "title must not be empty");
        assert_eq!(
            (bad.code(), bad.field()),
            (ErrorCode::BadUserInput, Some("title"))
        );
        let text = Error::from(crate::text::required("body", " ", 10).expect_err("empty"));
        assert_eq!(text.field(), Some("body"));
        let page = Error::from(PageError::BadCursor);
        assert_eq!(
            (page.code(), page.field()),
            (ErrorCode::BadUserInput, Some("after"))
        );
    }
}
