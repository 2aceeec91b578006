//! Everything the reaction services can refuse.

use commons_core::{CodedError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum Error {
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
            Error::Resources(e) => e.code(),
            Error::Orgs(e) => e.code(),
            Error::Db(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Error::Resources(e) => e.field(),
            Error::Orgs(e) => e.field(),
            Error::Db(_) => None,
        }
    }
}
