use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RegistrationStatus {
    /// Has a seat.
    #[sea_orm(string_value = "registered")]
    Registered,
    /// Waits for a seat, in the order they asked.
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    pub user_id: Uuid,
    /// The event's organization, for row level security.
    pub org_id: Option<Uuid>,
    pub status: RegistrationStatus,
    /// 128 random bits: what the ticket's QR code carries.
    #[sea_orm(unique)]
    pub ticket_code: String,
    /// When this person (last) asked for a seat.
    pub requested_at: Timestamp,
    /// The order this request reached the event's lock in, unique per event: the waitlist's
    /// order.
    pub request_number: i64,
    pub cancelled_at: Option<Timestamp>,
    pub checked_in_at: Option<Timestamp>,
    pub checked_in_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
