use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub resource_id: Uuid,
    pub author_id: Uuid,
    /// The comment this one answers, in the same resource.
    pub parent_id: Option<Uuid>,
    pub body: String,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    /// Deleted by its author: the thread keeps its place, the text is gone from view.
    pub deleted_at: Option<Timestamp>,
    /// Hidden by a moderator, with the reason.
    pub hidden_at: Option<Timestamp>,
    pub hidden_by: Option<Uuid>,
    pub hidden_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
