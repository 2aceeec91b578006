use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Where a task is (GV2): `open → in_progress → submitted → approved / rejected`; a rejected
/// task is worked on and submitted again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TaskStatus {
    /// Nobody has claimed it.
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// A report waits for the organizer.
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

impl TaskStatus {
    pub fn name(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Submitted => "submitted",
            TaskStatus::Approved => "approved",
            TaskStatus::Rejected => "rejected",
        }
    }
}

/// Work in an initiative, for up to `max_assignees` people.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub initiative_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub deadline: Option<Timestamp>,
    pub max_assignees: i32,
    /// Held to `max_assignees` by the claiming transaction.
    pub assignee_count: i32,
    pub status: TaskStatus,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
