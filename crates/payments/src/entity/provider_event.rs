use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// A provider's event already applied: unique per provider and event id, inserted in the
/// transaction that applies it, so each is applied once however often it is delivered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    pub event_id: String,
    pub event_type: String,
    pub payment_id: Option<Uuid>,
    pub received_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
