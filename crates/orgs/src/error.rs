//! Everything the organization services can refuse, each a thing a person can be told.

use commons_core::PageError;

use crate::permission::{Permission, Role};
use crate::plan::{Limit, Plan};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sign in first")]
    NotSignedIn,
    #[error("this API key may only read")]
    ReadOnlyKey,
    #[error("you need the `{0}` permission in this organization")]
    Forbidden(Permission),
    #[error("only the owner may {0}")]
    OwnerOnly(&'static str),
    /// Sales records (orders, bookings) name it; they are kept, so it stays.
    #[error("{0} has orders or bookings on record, which are kept: it cannot be deleted")]
    KeptRecords(&'static str),
    #[error("{actor} cannot {action} {target}")]
    OutRanked {
        actor: &'static str,
        action: &'static str,
        target: &'static str,
    },
    #[error("only platform administrators may do this")]
    AdminOnly,
    #[error("only members of this organization can see this")]
    NotMember,
    #[error("only the organization's owner and admins can see this")]
    AdminOrOwnerOnly,
    #[error("no such organization")]
    OrganizationNotFound,
    #[error("no such membership")]
    MembershipNotFound,
    #[error("no such department")]
    DepartmentNotFound,
    #[error("no such invite")]
    InviteNotFound,
    #[error("the organization is {0}; it cannot do this until an administrator approves it")]
    OrganizationNotActive(&'static str),
    #[error("the organization is {current}, so it cannot be {action}")]
    WrongStatus {
        current: &'static str,
        action: &'static str,
    },
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("this address is taken by another organization")]
    SlugTaken,
    #[error("a department with this name already exists in the organization")]
    DepartmentNameTaken,
    #[error("you are already {0} of this organization")]
    AlreadyMember(&'static str),
    #[error("this person is already in the department")]
    AlreadyInDepartment,
    #[error("the owner cannot leave; transfer ownership first")]
    OwnerCannotLeave,
    #[error("this membership changed while you were changing it; look again and retry")]
    ChangedMeanwhile,
    #[error("you cannot grant `{0}`: you do not hold it in this department")]
    GrantBeyondOwn(Permission),
    #[error("the {plan} plan allows {max} {limit}; upgrade the plan to add more", plan = .plan.name(), limit = .limit.describe())]
    LimitExceeded { plan: Plan, limit: Limit, max: u32 },
    #[error("this invite {0}")]
    InviteUnusable(&'static str),
    #[error("this invite is for another email address")]
    InviteForAnotherEmail,
    #[error("you have already accepted this invite")]
    InviteAlreadyAccepted,
    #[error(transparent)]
    Identity(#[from] commons_identity::Error),
    #[error(transparent)]
    Page(#[from] PageError),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl Error {
    pub(crate) fn out_ranked(actor: Role, action: &'static str, target: Role) -> Error {
        Error::OutRanked {
            actor: actor.with_article(),
            action,
            target: target.with_article(),
        }
    }
}

commons_core::coded_error! {
    Error {
        Unauthenticated: NotSignedIn;
        Forbidden: ReadOnlyKey | Forbidden | OwnerOnly | OutRanked | AdminOnly | NotMember | AdminOrOwnerOnly
            | GrantBeyondOwn | InviteForAnotherEmail;
        NotFound: OrganizationNotFound | MembershipNotFound | DepartmentNotFound | InviteNotFound;
        Conflict: KeptRecords | OrganizationNotActive | WrongStatus | SlugTaken | DepartmentNameTaken | AlreadyMember
            | AlreadyInDepartment | OwnerCannotLeave | ChangedMeanwhile | InviteUnusable | InviteAlreadyAccepted;
        LimitExceeded: LimitExceeded;
        Internal: Db;
    }
    wraps Identity | Page;
    fields SlugTaken => "slug", DepartmentNameTaken => "name";
}

/// A delete refused by a foreign key that keeps sales records (`ON DELETE RESTRICT`), told as
/// such; any other database error as it is.
pub(crate) fn kept_records(e: sea_orm::DbErr, what: &'static str) -> Error {
    // SQLite reports a RESTRICT key through its trigger code, which sea-orm does not classify.
    let restricted = matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
    ) || e.to_string().contains("FOREIGN KEY constraint failed");
    if restricted {
        Error::KeptRecords(what)
    } else {
        Error::Db(e)
    }
}
