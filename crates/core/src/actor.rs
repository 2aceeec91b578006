//! Who is calling. Every service takes `&Actor`: authorization and visibility are rules.

use uuid::Uuid;

/// The platform-wide role of a user (ID6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlatformRole {
    User,
    Admin,
}

/// What an API key may do (ID7). A session may do everything its user may.
pub mod scope {
    pub const READ: &str = "read";
    pub const WRITE: &str = "write";
    pub const ALL: [&str; 2] = [READ, WRITE];
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Not signed in; `visitor` is the recorded visitor id when the client sent one.
    Anonymous { visitor: Option<Uuid> },
    /// A signed-in user. `scopes` is set when the call came with an API key and limits it;
    /// `session` is the session (refresh-token family) the access token belongs to.
    User {
        id: Uuid,
        platform_role: PlatformRole,
        scopes: Option<Vec<String>>,
        session: Option<Uuid>,
    },
    /// The platform itself: migrations, seeding, background jobs.
    System,
}

impl Actor {
    pub const ANONYMOUS: Actor = Actor::Anonymous { visitor: None };

    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match self {
            Actor::User { session, .. } => *session,
            _ => None,
        }
    }

    /// Whether the call may change anything: API keys without the `write` scope only read.
    pub fn may_write(&self) -> bool {
        match self {
            Actor::User {
                scopes: Some(scopes), ..
            } => scopes.iter().any(|s| s == scope::WRITE),
            _ => true,
        }
    }

    /// Platform admins and the system may do everything.
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Actor::System
                | Actor::User {
                    platform_role: PlatformRole::Admin,
                    ..
                }
        )
    }
}
