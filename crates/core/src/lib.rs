//! Commons core: what every domain crate shares and nothing domain-specific.
//!
//! - [`id`]: UUID v7 identifiers.
//! - [`agent`]: the `agents` table; users, organizations and departments share its ids.
//! - [`actor`]: who is calling a service.
//! - [`error`]: the error-code vocabulary every crate's error maps onto.
//! - [`page`]: keyset (cursor) pagination.
//! - [`row`]: reading the hottest models from a row by position.
//! - [`db`]: connecting to SQLite or PostgreSQL.
//! - [`clock`]: an injectable clock, so tests can move time.
//! - [`tenant`]: transactions that tell PostgreSQL's row level security who is acting.
//! - [`audit`]: the append-only audit log.
//! - [`export`]: tables written as CSV or XLSX for people's spreadsheets.
//! - [`event`]: domain events as types, each owned by the crate that writes it.
//! - [`outbox`]: domain events appended in the writing transaction, delivered after commit.
//! - [`audience`]: who hears of an event and what live subscribers get, per owning crate.
//! - [`idempotency`]: keys that make a creating request safe to replay.
//! - [`media`]: the uploads table every domain may attach files from.
//! - [`money`]: integer minor units and ISO 4217 currencies.
//! - [`text`]: checking free-text input.

pub mod actor;
pub mod agent;
pub mod ask_once;
pub mod audience;
pub mod audit;
pub mod clock;
pub mod db;
pub mod error;
pub mod event;
pub mod export;
pub mod id;
pub mod idempotency;
pub mod media;
pub mod money;
pub mod outbox;
pub mod page;
pub mod row;
pub mod tenant;
pub mod text;

pub use actor::{Actor, PlatformRole};
pub use agent::AgentKind;
pub use ask_once::AskOnce;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use db::{Backend, Db};
pub use error::{CodedError, ErrorCode};
pub use event::Event;
pub use page::{Cursor, Page, PageError, PageRequest};

/// Timestamps are UTC everywhere.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
