//! Everything the reaction services can refuse.

use commons_core::{CodedError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such comment")]
    CommentNotFound,
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("{0}")]
    Gone(&'static str),
    #[error(transparent)]
    Resources(#[from] commons_resources::Error),
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl CodedError for Error {
    fn code(&self) -> ErrorCode {
        match self {
            Error::CommentNotFound => ErrorCode::NotFound,
            Error::Invalid { .. } => ErrorCode::BadUserInput,
            Error::NotAllowed(_) => ErrorCode::Forbidden,
            Error::Gone(_) => ErrorCode::Conflict,
            Error::Resources(e) => e.code(),
            Error::Orgs(e) => e.code(),
            Error::Db(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::Resources(e) => e.field(),
            Error::Orgs(e) => e.field(),
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
        Error::Resources(e.into())
    }
}
