use commons_core::Timestamp;
use commons_orgs::Plan;
use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InvoiceKind {
    /// The first month of a subscription.
    #[sea_orm(string_value = "initial")]
    Initial,
    /// A month after the last.
    #[sea_orm(string_value = "renewal")]
    Renewal,
    /// The rest of the month at the price of a bigger plan.
    #[sea_orm(string_value = "proration")]
    Proration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InvoiceStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "paid")]
    Paid,
    /// Its payment failed; it can be paid again.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// No longer owed (the plan changed before it was paid).
    #[sea_orm(string_value = "void")]
    Void,
}

/// What an organization owes for its plan for a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub subscription_id: Uuid,
    pub kind: InvoiceKind,
    /// The plan it pays for.
    pub plan: Plan,
    pub amount_minor: i64,
    pub currency: String,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    pub status: InvoiceStatus,
    pub failure_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
