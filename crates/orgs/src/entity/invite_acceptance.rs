use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// One person accepting one invite: the referral credited to the inviter.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invite_acceptances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invite_id: Uuid,
    pub user_id: Uuid,
    pub inviter_id: Uuid,
    /// Accepted while registering: the invite converted a visitor into a user.
    pub new_account: bool,
    pub accepted_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
