//! Everything the organization services can refuse, each a thing a person can be told.

use commons_core::{CodedError, ErrorCode, PageError};

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
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn out_ranked(actor: Role, action: &'static str, target: Role) -> Error {
        Error::OutRanked {
            actor: actor.with_article(),
            action,
            target: target.with_article(),
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
            Error::NotSignedIn => ErrorCode::Unauthenticated,
            Error::ReadOnlyKey
            | Error::Forbidden(_)
            | Error::OwnerOnly(_)
            | Error::OutRanked { .. }
            | Error::AdminOnly
            | Error::NotMember
            | Error::AdminOrOwnerOnly
            | Error::GrantBeyondOwn(_)
            | Error::InviteForAnotherEmail => ErrorCode::Forbidden,
            Error::OrganizationNotFound
            | Error::MembershipNotFound
            | Error::DepartmentNotFound
            | Error::InviteNotFound => ErrorCode::NotFound,
            Error::OrganizationNotActive(_)
            | Error::WrongStatus { .. }
            | Error::SlugTaken
            | Error::DepartmentNameTaken
            | Error::AlreadyMember(_)
            | Error::AlreadyInDepartment
            | Error::OwnerCannotLeave
            | Error::ChangedMeanwhile
            | Error::InviteUnusable(_)
            | Error::InviteAlreadyAccepted => ErrorCode::Conflict,
            Error::Invalid { .. } => ErrorCode::BadUserInput,
            Error::LimitExceeded { .. } => ErrorCode::LimitExceeded,
            Error::Identity(e) => e.code(),
            Error::Page(e) => e.code(),
            Error::Db(_) => ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            Error::SlugTaken => Some("slug"),
            Error::DepartmentNameTaken => Some("name"),
            Error::Identity(e) => e.field(),
            Error::Page(e) => e.field(),
            _ => None,
        }
    }
}
