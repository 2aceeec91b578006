use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Two people, or a named group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ConversationKind {
    /// Exactly two people; one conversation per pair.
    #[sea_orm(string_value = "private")]
    Private,
    /// A titled group, optionally tied to a department.
    #[sea_orm(string_value = "group")]
    Group,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: ConversationKind,
    pub title: Option<String>,
    pub department_id: Option<Uuid>,
    /// `low:high` of the two people's ids in a private conversation (unique); none for groups.
    pub pair_key: Option<String>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub last_message_at: Option<Timestamp>,
    /// The last message's time, or the creation time: what the list is sorted by.
    pub activity_at: Timestamp,
    /// What keeps its people when another crate does (`initiative`: an initiative's chat).
    pub linked_to: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
