use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// IANA name the organizer plans in, for showing local times.
    pub timezone: String,
    pub place: Option<String>,
    pub online_url: Option<String>,
    /// Seats; `None` is unlimited.
    pub capacity: Option<i32>,
    pub registration_opens_at: Option<Timestamp>,
    /// When absent, registration closes when the event ends.
    pub registration_closes_at: Option<Timestamp>,
    /// Whether those who may see the event may see who registered.
    pub participants_visible: bool,
    /// Seats taken, held to `capacity` by the registering transaction.
    pub registered_count: i32,
    /// Registration requests decided so far: the next one gets this plus one, in the UPDATE
    /// that locks this row.
    pub requests_made: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Feeds read this model by position (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Model {
    resource_id,
    starts_at,
    ends_at,
    timezone,
    place: Option,
    online_url: Option,
    capacity: Option,
    registration_opens_at: Option,
    registration_closes_at: Option,
    participants_visible,
    registered_count,
    requests_made
});
