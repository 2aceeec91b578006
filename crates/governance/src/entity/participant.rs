use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// A person who joined an initiative (by its code, or by claiming one of its tasks).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "initiative_participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub initiative_id: Uuid,
    pub user_id: Uuid,
    pub joined_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
