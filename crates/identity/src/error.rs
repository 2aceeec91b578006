//! Everything identity can refuse, each a thing a person can be told.

use commons_core::{CodedError, ErrorCode, PageError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One message for unknown email and wrong password, so sign-in reveals no accounts.
    #[error("email or password is incorrect")]
    InvalidCredentials,
    #[error("sign in first")]
    NotSignedIn,
    #[error("the session has ended; sign in again")]
    SessionEnded,
    #[error("the refresh token is not valid; sign in again")]
    InvalidRefreshToken,
    #[error("the current password is incorrect")]
    WrongCurrentPassword,
    #[error("this account is blocked")]
    AccountBlocked,
    #[error("this account is {0}; it cannot do this until an administrator approves it")]
    AccountNotActive(&'static str),
    #[error("only platform administrators may do this")]
    AdminOnly,
    #[error("this API key may only read")]
    ReadOnlyKey,
    #[error("sign in with your password to manage API keys and bots")]
    NeedsSession,
    #[error("the API key is not valid")]
    InvalidApiKey,
    #[error("no such API key")]
    ApiKeyNotFound,
    #[error("no such bot among yours")]
    BotNotFound,
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("this email is already registered")]
    EmailTaken,
    #[error("this username is taken")]
    UsernameTaken,
    #[error("no such user")]
    UserNotFound,
    #[error("the user is {current}, so they cannot be {action}")]
    WrongStatus {
        current: &'static str,
        action: &'static str,
    },
    #[error("administrators cannot block themselves")]
    CannotBlockSelf,
    #[error(transparent)]
    Page(#[from] PageError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
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

impl CodedError for Error {
    fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidCredentials
            | Error::NotSignedIn
            | Error::SessionEnded
            | Error::InvalidRefreshToken
            | Error::WrongCurrentPassword
            | Error::InvalidApiKey => ErrorCode::Unauthenticated,
            Error::AccountBlocked
            | Error::AccountNotActive(_)
            | Error::AdminOnly
            | Error::CannotBlockSelf
            | Error::ReadOnlyKey
            | Error::NeedsSession => ErrorCode::Forbidden,
            Error::Invalid { .. } => ErrorCode::BadUserInput,
            Error::Page(e) => e.code(),
            Error::EmailTaken | Error::UsernameTaken | Error::WrongStatus { .. } => ErrorCode::Conflict,
            Error::UserNotFound | Error::ApiKeyNotFound | Error::BotNotFound => ErrorCode::NotFound,
            Error::Hashing(_) | Error::Db(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::EmailTaken => Some("email"),
            Error::UsernameTaken => Some("username"),
            Error::WrongCurrentPassword => Some("currentPassword"),
            Error::Page(e) => e.field(),
            _ => None,
        }
    }
}
