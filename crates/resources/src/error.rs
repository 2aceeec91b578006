//! Everything the resource services can refuse, each a thing a person can be told.

use commons_core::{CodedError, ErrorCode, PageError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sign in first")]
    NotSignedIn,
    #[error("no such resource")]
    NotFound,
    #[error("no such owner: give a user, organization or department id")]
    OwnerNotFound,
    #[error("only its owner may do this with a personal resource")]
    NotOwner,
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("the owner already has a resource at this address")]
    SlugTaken,
    #[error("the resource is {current}, so it cannot be {action}")]
    WrongStatus {
        current: &'static str,
        action: &'static str,
    },
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    #[error(transparent)]
    Page(#[from] PageError),
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

impl From<commons_core::text::TextError> for Error {
    fn from(e: commons_core::text::TextError) -> Error {
        Error::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<commons_identity::Error> for Error {
    fn from(e: commons_identity::Error) -> Error {
        Error::Orgs(e.into())
    }
}

impl CodedError for Error {
    fn code(&self) -> ErrorCode {
        match self {
            Error::NotSignedIn => ErrorCode::Unauthenticated,
            Error::NotFound | Error::OwnerNotFound => ErrorCode::NotFound,
            Error::NotOwner => ErrorCode::Forbidden,
            Error::Invalid { .. } => ErrorCode::BadUserInput,
            Error::SlugTaken | Error::WrongStatus { .. } => ErrorCode::Conflict,
            Error::Orgs(e) => e.code(),
            Error::Page(e) => e.code(),
            Error::Db(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::SlugTaken => Some("slug"),
            Error::OwnerNotFound => Some("ownerId"),
            Error::Orgs(e) => e.field(),
            Error::Page(e) => e.field(),
            _ => None,
        }
    }
}
