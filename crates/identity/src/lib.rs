//! Commons identity: visitors (ID1), registration (ID2), sessions (ID3), profiles (ID5) and
//! platform roles (ID6).
//!
//! [`Identity`] holds what the services need besides the database: the clock, the token keys,
//! the password hasher and the platform's settings. Each service is a method that takes the
//! database (a connection, or a transaction to join), the [`Actor`](commons_core::Actor) and a
//! plain input struct, and enforces every rule itself: a program that links this crate gets
//! the same rules as the API.

pub mod entity;
pub mod error;
pub mod password;
pub mod service;
pub mod token;

use std::sync::Arc;

use commons_core::{SharedClock, SystemClock};

pub use entity::user::{PlatformRole, UserStatus};
pub use error::Error;
pub use service::sessions::AuthSession;
pub use token::TokenKeys;

/// A kind of account people register as. Some kinds (an organizer, a sponsor) must wait as
/// `PENDING` until an admin approves them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountKind {
    pub name: String,
    pub requires_approval: bool,
}

impl AccountKind {
    pub fn open(name: &str) -> AccountKind {
        AccountKind {
            name: name.into(),
            requires_approval: false,
        }
    }

    pub fn approved(name: &str) -> AccountKind {
        AccountKind {
            name: name.into(),
            requires_approval: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// The kinds an account may be registered as; the first is the default.
    pub account_kinds: Vec<AccountKind>,
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            account_kinds: vec![AccountKind::open("person"), AccountKind::approved("organizer")],
            access_ttl: chrono::Duration::minutes(15),
            refresh_ttl: chrono::Duration::days(30),
        }
    }
}

impl Settings {
    /// Parses `person,organizer:approval,sponsor:approval`.
    pub fn parse_account_kinds(text: &str) -> Result<Vec<AccountKind>, String> {
        let kinds: Vec<AccountKind> = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| match item.split_once(':') {
                None => Ok(AccountKind::open(item)),
                Some((name, "approval")) => Ok(AccountKind::approved(name)),
                Some((_, other)) => Err(format!(
                    "unknown account kind option {other:?}; only `approval` exists"
                )),
            })
            .collect::<Result<_, _>>()?;
        if kinds.is_empty() {
            return Err("name at least one account kind".into());
        }
        Ok(kinds)
    }
}

/// The identity services and what they share.
#[derive(Clone, Debug)]
pub struct Identity {
    pub(crate) clock: SharedClock,
    /// Shared: the keys and their validation rules allocate when cloned, and every clone of
    /// the services would copy them.
    pub(crate) keys: Arc<TokenKeys>,
    pub(crate) passwords: password::Passwords,
    pub(crate) settings: Arc<Settings>,
}

impl Identity {
    pub fn new(keys: TokenKeys, settings: Settings) -> Identity {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Identity {
            clock: Arc::new(SystemClock),
            keys: Arc::new(keys),
            passwords: password::Passwords::new(cores),
            settings: Arc::new(settings),
        }
    }

    /// The same services on another clock (tests move time with a `ManualClock`).
    pub fn with_clock(mut self, clock: SharedClock) -> Identity {
        self.clock = clock;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn now(&self) -> commons_core::Timestamp {
        self.clock.now()
    }

    /// The clock every service reads, for background work that must agree with them.
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }
}
