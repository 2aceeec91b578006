use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Password guesses at one email address (`service::guesses`): kept per address, not per
/// account, so an unknown address is limited exactly as a real one and the limit reveals
/// no account. The address is kept as its SHA-256, so guesses at unknown addresses store none.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_attempts")]
pub struct Model {
    /// SHA-256 (hex) of the normalized address.
    #[sea_orm(primary_key, auto_increment = false)]
    pub email_digest: String,
    /// Guesses in the current window, counted before each is checked.
    pub attempts: i32,
    pub window_started_at: Timestamp,
    /// No guess is checked before this.
    pub locked_until: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
