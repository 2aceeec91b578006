use sea_orm::entity::prelude::*;

/// A place. Its coordinates are on the shared `resources` row (`latitude`, `longitude`), where
/// distance search finds them for every kind.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    pub address: Option<String>,
    /// Opening hours as people write them: `Mon–Fri 9:00–18:00`.
    pub hours: Option<String>,
    /// Whether a booking of its time waits for its owner's approval (sales, SA4).
    pub requires_booking_approval: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Feeds read this model by position (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Model {
    resource_id,
    address: Option,
    hours: Option,
    requires_booking_approval
});
