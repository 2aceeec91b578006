//! Everything the messaging services can refuse.

use commons_core::{CodedError, ErrorCode};

/// What a messaging service refused, each variant a thing a person can be told; the gateway
/// maps it through [`CodedError`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Also what people who are not in a conversation are told: they may not know it exists.
    #[error("no such conversation")]
    ConversationNotFound,
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    #[error(transparent)]
    Resources(#[from] commons_resources::Error),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl Error {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl CodedError for Error {
    fn code(&self) -> ErrorCode {
        match self {
            Error::ConversationNotFound => ErrorCode::NotFound,
            Error::Invalid { .. } => ErrorCode::BadUserInput,
            Error::NotAllowed(_) => ErrorCode::Forbidden,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Orgs(e) => e.code(),
            Error::Resources(e) => e.code(),
            Error::Db(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::Orgs(e) => e.field(),
            Error::Resources(e) => e.field(),
            _ => None,
        }
    }
}

impl From<commons_core::text::TextError> for Error {
    fn from(e: commons_core::text::TextError) -> Error {
        Error::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<commons_core::PageError> for Error {
    fn from(e: commons_core::PageError) -> Error {
        Error::Orgs(e.into())
    }
}
