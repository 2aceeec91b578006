//! One test world for every crate's tests: a fresh database ([`TestDb::fresh`]: SQLite, or
//! PostgreSQL under `TEST_DATABASE_URL`), the services over it, and builders for the people,
//! organizations, departments, memberships and resources a test needs.
//!
//! ```text
//! let world = World::new().await;
//! let owner = world.person("owner").await;
//! let org = world.organization(&owner, "Green").await;
//! let moderator = world.new_member(&org, "moder", Role::Moderator).await;
//! let news = world.post(&moderator, "News").owner(org.id).publish().await;
//! ```
//!
//! Everything goes through the services, as a user's requests would, so counters, the audit
//! log and the outbox are as they would be. The crates' own tests were building near-identical
//! worlds each; this crate is the one copy. It is a dev-dependency only: integration tests may
//! link it from the crates it depends on, unit tests inside `src/` may not (they would see a
//! second copy of their own crate).
//!
//! [`TestDb::fresh`]: commons_migrations::testing::TestDb::fresh

pub mod input;
pub mod kind;
mod organizations;
mod people;
mod resources;
mod world;

pub use people::{PersonBuilder, signed_in, user_id};
pub use resources::PostBuilder;
pub use world::{MAX_UPLOAD, TOKEN_SECRET, World, WorldBuilder};
