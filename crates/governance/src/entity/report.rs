use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReportStatus {
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// With a rating from 1 to 5.
    #[sea_orm(string_value = "approved")]
    Approved,
    /// With a reason.
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

/// What an assignee says they did, with photos; the organizer approves or rejects it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub task_id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub status: ReportStatus,
    pub rating: Option<i16>,
    pub reason: Option<String>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<Timestamp>,
    pub photo_count: i32,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
