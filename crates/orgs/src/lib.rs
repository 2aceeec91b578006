//! Commons organizations: organizations (OR1), memberships (OR2), the permission matrix
//! (OR3), departments (OR4), the audit log (OR5), plans and limits (OR6), tenant isolation
//! (OR7) and invites with referrals (ID4).
//!
//! [`Orgs`] holds what the services need besides the database: the identity services (an
//! invite can be accepted while registering), the clock and the platform's settings. Every
//! write checks the actor's permission through [`service::access`], which asks
//! [`permission::allows`]: the same rule for the API and for a program linking this crate.

pub mod entity;
pub mod error;
pub mod events;
pub mod permission;
pub mod plan;
pub mod service;
mod text;

use std::sync::Arc;

use commons_identity::Identity;

pub use entity::organization::{OrganizationKind, OrganizationStatus};
pub use error::Error;
pub use permission::{DepartmentGrant, Permission, Preset, Role};
pub use plan::{BillingStatus, Limit, Limits, Plan};

#[derive(Clone, Debug)]
pub struct Settings {
    /// New organizations wait as `PENDING` until a platform admin approves them (AqStream).
    pub creation_requires_approval: bool,
    /// Points to a person who signs up with an invite (ID4).
    pub signup_bonus: i64,
    /// Points to the inviter for each person who accepts their invite.
    pub referral_bonus: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            creation_requires_approval: false,
            signup_bonus: 50,
            referral_bonus: 100,
        }
    }
}

/// The organization services and what they share.
#[derive(Clone, Debug)]
pub struct Orgs {
    pub(crate) identity: Identity,
    pub(crate) settings: Arc<Settings>,
}

impl Orgs {
    pub fn new(identity: Identity, settings: Settings) -> Orgs {
        Orgs {
            identity,
            settings: Arc::new(settings),
        }
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn now(&self) -> commons_core::Timestamp {
        self.identity.now()
    }
}
