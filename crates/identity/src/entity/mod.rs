//! SeaORM entities of identity, one per table.

pub mod api_key;
pub mod bot;
pub mod password_attempt;
pub mod point_award;
pub mod point_total;
pub mod refresh_token;
pub mod session;
pub mod user;
pub mod visitor;
