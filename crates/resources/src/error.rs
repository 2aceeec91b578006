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
    #[error("registration is closed: {0}")]
    RegistrationClosed(String),
    #[error("no such registration")]
    RegistrationNotFound,
    #[error("no ticket has this code")]
    TicketNotFound,
    #[error("this ticket cannot be checked in: {0}")]
    TicketNotValid(&'static str),
    #[error("this ticket was already checked in at {}", at.format("%Y-%m-%d %H:%M:%S UTC"))]
    AlreadyCheckedIn { at: commons_core::Timestamp },
    #[error("the organizer keeps the participant list hidden")]
    ParticipantsHidden,
    #[error("{0}")]
    Review(&'static str),
    #[error("content here needs a moderator's approval: submit it for review")]
    ApprovalRequired,
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    #[error(transparent)]
    Page(#[from] PageError),
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("media storage failed: {0}")]
    Storage(std::io::Error),
    #[error(transparent)]
    Export(#[from] commons_core::export::ExportError),
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
            Error::RegistrationNotFound | Error::TicketNotFound => ErrorCode::NotFound,
            Error::SlugTaken
            | Error::WrongStatus { .. }
            | Error::RegistrationClosed(_)
            | Error::TicketNotValid(_)
            | Error::AlreadyCheckedIn { .. }
            | Error::Review(_) => ErrorCode::Conflict,
            Error::ParticipantsHidden | Error::ApprovalRequired => ErrorCode::Forbidden,
            Error::Orgs(e) => e.code(),
            Error::Page(e) => e.code(),
            Error::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            Error::Db(_) | Error::Export(_) | Error::Storage(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::SlugTaken => Some("slug"),
            Error::TooLarge { .. } => Some("file"),
            Error::OwnerNotFound => Some("ownerId"),
            Error::Orgs(e) => e.field(),
            Error::Page(e) => e.field(),
            _ => None,
        }
    }
}
