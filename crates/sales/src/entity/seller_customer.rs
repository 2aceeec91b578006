use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// What one customer has bought from one seller in one currency (SA5), kept by the
/// transactions that place, cancel and refund orders.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seller_customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub seller_id: Uuid,
    /// The selling organization, for tenant isolation.
    pub seller_org_id: Option<Uuid>,
    pub customer_id: Uuid,
    pub currency: String,
    /// Orders placed (cancelled and refunded ones too).
    pub order_count: i32,
    /// What those orders came to, less what was cancelled or refunded.
    pub spent_minor: i64,
    pub last_order_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
