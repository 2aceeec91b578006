//! Events: a time, a place or an online link, and seats people register for (RS5, in
//! `service::registrations`).

use commons_core::{Timestamp, text};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ConnectionTrait};
use uuid::Uuid;

use crate::entity::event;
use crate::error::Error;
use crate::geo::Location;

pub const KIND: &str = "event";

const MAX_CAPACITY: i32 = 1_000_000;

#[derive(Clone, Debug)]
pub struct EventInput {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// IANA name; `UTC` when absent.
    pub timezone: Option<String>,
    pub place: Option<String>,
    pub online_url: Option<String>,
    /// Where it is held, for distance search.
    pub location: Option<Location>,
    /// Seats; unlimited when absent.
    pub capacity: Option<i32>,
    pub registration_opens_at: Option<Timestamp>,
    pub registration_closes_at: Option<Timestamp>,
    pub participants_visible: bool,
}

impl EventInput {
    /// The event's own fields; the counters registrations keep are left as they are.
    fn checked(self, resource_id: Uuid) -> Result<event::ActiveModel, Error> {
        if self.ends_at < self.starts_at {
            return Err(Error::invalid("endsAt", "an event cannot end before it starts"));
        }
        if let Some(capacity) = self.capacity
            && !(1..=MAX_CAPACITY).contains(&capacity)
        {
            return Err(Error::invalid(
                "capacity",
                format!("capacity must be between 1 and {MAX_CAPACITY}, or absent for no limit"),
            ));
        }
        if let (Some(opens), Some(closes)) = (self.registration_opens_at, self.registration_closes_at)
            && closes <= opens
        {
            return Err(Error::invalid(
                "registrationClosesAt",
                "registration must close after it opens",
            ));
        }
        Ok(event::ActiveModel {
            resource_id: Set(resource_id),
            starts_at: Set(self.starts_at),
            ends_at: Set(self.ends_at),
            timezone: Set(text::timezone("timezone", self.timezone.as_deref())?),
            place: Set(text::optional("place", self.place.as_deref(), 500)?),
            online_url: Set(text::optional_url("onlineUrl", self.online_url.as_deref())?),
            capacity: Set(self.capacity),
            registration_opens_at: Set(self.registration_opens_at),
            registration_closes_at: Set(self.registration_closes_at),
            participants_visible: Set(self.participants_visible),
            registered_count: NotSet,
            requests_made: NotSet,
        })
    }

    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<event::Model, Error> {
        Ok(self.checked(resource_id)?.insert(db).await?)
    }

    /// Replaces the event's fields, keeping the seats already taken (not written, so a
    /// registration at the same moment is not undone). A smaller capacity keeps everyone
    /// registered (nobody loses a seat); a larger one is filled from the waitlist by the caller.
    pub(crate) async fn replace(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<event::Model, Error> {
        match self.checked(resource_id)?.update(db).await {
            Err(sea_orm::DbErr::RecordNotUpdated) => Err(Error::NotFound),
            other => Ok(other?),
        }
    }
}
