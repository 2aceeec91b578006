//! Everything the messaging services can refuse.

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
    /// A group whose people another crate keeps (`initiative`: people join the initiative).
    #[error("this chat follows its {0}: people are in it by joining the {0}")]
    Linked(String),
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    /// An event rule of the crate that owns the event failed.
    #[error("an event rule failed: {0}")]
    Rule(commons_core::audience::RuleError),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl From<commons_core::PageError> for Error {
    fn from(e: commons_core::PageError) -> Error {
        Error::Orgs(e.into())
    }
}

commons_core::coded_error! {
    Error {
        NotFound: ConversationNotFound;
        Forbidden: NotAllowed;
        Conflict: Conflict | Linked;
        Internal: Rule | Db;
    }
    wraps Orgs;
}
