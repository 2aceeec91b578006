use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Where an order is in its life (SA2); [`crate::lifecycle`] says who moves it where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OrderStatus {
    /// Being put together by the customer; holds no stock.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Sent to the seller; its stock is reserved.
    #[sea_orm(string_value = "placed")]
    Placed,
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    /// Handed over or shipped.
    #[sea_orm(string_value = "fulfilled")]
    Fulfilled,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "refunded")]
    Refunded,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// An agent: a user, an organization or a department.
    pub seller_id: Uuid,
    /// The selling organization (also for a department's sale), for tenant isolation.
    pub seller_org_id: Option<Uuid>,
    pub seller_department_id: Option<Uuid>,
    /// A user, or an organization buying through one of its people.
    pub customer_id: Uuid,
    /// Set when the customer is an organization, for tenant isolation.
    pub customer_org_id: Option<Uuid>,
    /// The person who created the order (the customer, or someone buying for it).
    pub creator_id: Uuid,
    pub status: OrderStatus,
    /// ISO 4217: every line is in it.
    pub currency: String,
    /// The sum of the lines, in the currency's minor units.
    pub total_minor: i64,
    pub note: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub placed_at: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
