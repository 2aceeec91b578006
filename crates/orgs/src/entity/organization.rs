use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

use crate::plan::{BillingStatus, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OrganizationKind {
    /// A registered legal entity.
    #[sea_orm(string_value = "legal")]
    Legal,
    /// A community without legal form.
    #[sea_orm(string_value = "virtual")]
    Virtual,
}

/// Where a platform requires it, a new organization waits as `Pending` until an admin decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OrganizationStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    /// Shares its id with the organization's row in `agents`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub logo_url: Option<String>,
    pub kind: OrganizationKind,
    pub status: OrganizationStatus,
    pub status_reason: Option<String>,
    pub plan: Plan,
    pub billing_status: BillingStatus,
    /// Members of role member and above.
    pub member_count: i32,
    pub subscriber_count: i32,
    pub department_count: i32,
    /// Members' content waits for a moderator's approval before it is published (RS6).
    pub content_requires_approval: bool,
    pub created_by: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
