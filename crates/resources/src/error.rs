//! Everything the resource services can refuse, each a thing a person can be told.

use commons_core::PageError;

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
    #[error("{0}")]
    Review(&'static str),
    #[error("content here needs a moderator's approval: submit it for review")]
    ApprovalRequired,
    /// Initiatives are started by approved organizers, or by organizations (GV1).
    #[error("only an approved organizer (or an organization) starts an initiative")]
    NotAnOrganizer,
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

impl From<commons_identity::Error> for Error {
    fn from(e: commons_identity::Error) -> Error {
        Error::Orgs(e.into())
    }
}

commons_core::coded_error! {
    Error {
        Unauthenticated: NotSignedIn;
        NotFound: NotFound | OwnerNotFound | RegistrationNotFound | TicketNotFound;
        Forbidden: NotOwner | ApprovalRequired | NotAnOrganizer;
        Conflict: SlugTaken | WrongStatus | RegistrationClosed | TicketNotValid | AlreadyCheckedIn | Review;
        PayloadTooLarge: TooLarge;
        Internal: Db | Export | Storage;
    }
    wraps Orgs | Page;
    fields SlugTaken => "slug", TooLarge => "file", OwnerNotFound => "ownerId";
}
