use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// The fixed set of reactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReactionKind {
    #[sea_orm(string_value = "like")]
    Like,
    #[sea_orm(string_value = "love")]
    Love,
    #[sea_orm(string_value = "laugh")]
    Laugh,
    #[sea_orm(string_value = "wow")]
    Wow,
    #[sea_orm(string_value = "sad")]
    Sad,
    #[sea_orm(string_value = "angry")]
    Angry,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: ReactionKind,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
