//! identity in GraphQL: visitors, users, sessions, profiles and platform roles.

mod api_keys;
mod loader;
mod mutation;
mod query;
mod types;

pub use api_keys::{ApiKey, ApiKeysMutation, ApiKeysQuery};
pub use loader::{UserLoader, load_users};
pub use mutation::IdentityMutation;
pub use query::IdentityQuery;
pub use types::{AuthPayload, User, Visitor};
