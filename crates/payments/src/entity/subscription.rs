use commons_core::Timestamp;
use commons_orgs::Plan;
use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SubscriptionStatus {
    /// Waiting for its first invoice to be paid.
    #[sea_orm(string_value = "incomplete")]
    Incomplete,
    #[sea_orm(string_value = "active")]
    Active,
    /// A renewal failed: the free plan's limits apply until it is paid.
    #[sea_orm(string_value = "past_due")]
    PastDue,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// An organization's subscription to a plan (PA6): one per organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub plan: Plan,
    pub status: SubscriptionStatus,
    pub currency: String,
    /// The plan's monthly price.
    pub price_minor: i64,
    /// The month paid for (or being paid for).
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    /// Who subscribed: renewals are charged in their name.
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
