use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// An initiative's group chat (MS1): a messaging conversation whose people follow who joined.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "initiative_chats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub initiative_id: Uuid,
    pub conversation_id: Uuid,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
