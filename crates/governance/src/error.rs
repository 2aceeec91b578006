//! Everything the governance services can refuse.

use commons_resources::entity::initiative::InitiativeStatus;

use crate::entity::task::TaskStatus;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The initiative does not exist, is not an initiative, or is hidden from the actor.
    #[error("no such initiative")]
    InitiativeNotFound,
    /// No initiative has this join code (or it is hidden from the actor).
    #[error("no initiative has this code")]
    UnknownCode,
    #[error("no such task")]
    TaskNotFound,
    #[error("no such report")]
    ReportNotFound,
    /// The poll does not exist or is hidden from the actor.
    #[error("no such poll")]
    PollNotFound,
    #[error("this poll opens at {opens_at}")]
    PollNotOpen { opens_at: commons_core::Timestamp },
    #[error("this poll is closed")]
    PollClosed,
    #[error("you have voted in this poll already, and its ballots cannot be changed")]
    AlreadyVoted,
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    NotAllowed(&'static str),
    /// The initiative does not take this step in its status.
    #[error("the initiative is {}; {what}", status_name(*status))]
    InitiativeClosed {
        status: InitiativeStatus,
        what: &'static str,
    },
    #[error("the initiative has all the {max} participants it takes")]
    InitiativeFull { max: i32 },
    #[error("all {max} places of this task are taken")]
    TaskFull { max: i32 },
    #[error("the task is {}; {what}", status.name())]
    TaskClosed { status: TaskStatus, what: &'static str },
    /// A report was reviewed meanwhile (two organizers at once).
    #[error("this report was reviewed already")]
    AlreadyReviewed,
    #[error(transparent)]
    Export(#[from] commons_core::export::ExportError),
    #[error(transparent)]
    Resources(#[from] commons_resources::Error),
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    #[error(transparent)]
    Messaging(#[from] commons_messaging::Error),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl From<commons_core::PageError> for Error {
    fn from(e: commons_core::PageError) -> Error {
        Error::Resources(e.into())
    }
}

/// An initiative status by its API name.
pub fn status_name(status: InitiativeStatus) -> &'static str {
    match status {
        InitiativeStatus::Draft => "draft",
        InitiativeStatus::Open => "open",
        InitiativeStatus::InProgress => "in_progress",
        InitiativeStatus::Completed => "completed",
        InitiativeStatus::Cancelled => "cancelled",
    }
}

commons_core::coded_error! {
    Error {
        NotFound: InitiativeNotFound | UnknownCode | TaskNotFound | ReportNotFound | PollNotFound;
        Forbidden: NotAllowed;
        Conflict: InitiativeClosed | InitiativeFull | TaskFull | TaskClosed | AlreadyReviewed
            | PollNotOpen | PollClosed | AlreadyVoted;
        Internal: Export | Db;
    }
    wraps Resources | Orgs | Messaging;
    fields UnknownCode => "code";
}
