use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// One quarter hour of a spot held by a booking: `(spot_id, starts_at)` is unique, so the
/// same time is never held twice, on either database.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "booking_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub booking_id: Uuid,
    pub spot_id: Uuid,
    pub starts_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
