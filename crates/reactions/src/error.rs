//! Everything the reaction services can refuse.

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

impl From<commons_core::PageError> for Error {
    fn from(e: commons_core::PageError) -> Error {
        Error::Resources(e.into())
    }
}

commons_core::coded_error! {
    Error {
        NotFound: CommentNotFound;
        Forbidden: NotAllowed;
        Conflict: Gone;
        Internal: Db;
    }
    wraps Resources | Orgs;
}
