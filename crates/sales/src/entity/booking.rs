use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Where a booking stands (SA4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BookingStatus {
    /// Waiting for the seller's approval; the time is held meanwhile.
    #[sea_orm(string_value = "requested")]
    Requested,
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    /// The seller said no, with a reason; the time is free again.
    #[sea_orm(string_value = "declined")]
    Declined,
    /// Called off by either side; the time is free again.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// A spot's time booked by a customer: a person, or an organization through one of its people.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The spot (a resource).
    pub spot_id: Uuid,
    /// The spot's owner.
    pub seller_id: Uuid,
    pub seller_org_id: Option<Uuid>,
    pub seller_department_id: Option<Uuid>,
    pub customer_id: Uuid,
    pub customer_org_id: Option<Uuid>,
    pub creator_id: Uuid,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub status: BookingStatus,
    pub note: Option<String>,
    /// Why it was declined or cancelled.
    pub reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
