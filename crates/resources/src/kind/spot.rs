//! Spots: a place on the map with an address and opening hours.

use commons_core::text;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::entity::spot;
use crate::error::Error;
use crate::geo::Location;

pub const KIND: &str = "spot";

#[derive(Clone, Debug)]
pub struct SpotInput {
    pub location: Location,
    pub address: Option<String>,
    pub hours: Option<String>,
    /// Bookings of its time wait for the owner's approval (a venue lent to an initiative).
    pub requires_booking_approval: bool,
}

impl SpotInput {
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<spot::Model, Error> {
        Ok(spot::ActiveModel {
            resource_id: Set(resource_id),
            address: Set(text::optional("address", self.address.as_deref(), 500)?),
            hours: Set(text::optional("hours", self.hours.as_deref(), 500)?),
            requires_booking_approval: Set(self.requires_booking_approval),
        }
        .insert(db)
        .await?)
    }
}
