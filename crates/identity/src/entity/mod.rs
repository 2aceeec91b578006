//! SeaORM entities of identity, one per table.

pub mod refresh_token;
pub mod session;
pub mod user;
pub mod visitor;
