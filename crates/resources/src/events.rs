//! The events resources write, and who hears of them.

use commons_core::audience::{Audience, EventRules, Notice, NotifiedTopic, RuleError};
use commons_core::text::quoted;
use commons_core::{Event, outbox};
use sea_orm::{ActiveEnum, DatabaseTransaction, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::RegistrationStatus;
use crate::entity::resource;

/// Someone registered for an event: a seat or a place on the waitlist, confirmed to them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRegistered {
    /// The event (a resource).
    pub resource: Uuid,
    pub registration: Uuid,
    pub user: Uuid,
    /// `registered` or `waitlisted`.
    pub status: String,
    pub org: Option<Uuid>,
}

impl Event for EventRegistered {
    const TOPIC: &'static str = "event.registered";
    fn subject(&self) -> Option<Uuid> {
        Some(self.resource)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// Someone waiting got a seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatGranted {
    pub resource: Uuid,
    pub registration: Uuid,
    pub user: Uuid,
    pub org: Option<Uuid>,
}

impl Event for SeatGranted {
    const TOPIC: &'static str = "event.seat_granted";
    fn subject(&self) -> Option<Uuid> {
        Some(self.resource)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A moderator approved (and so published) submitted content; its creator hears of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceApproved {
    pub resource: Uuid,
    pub creator: Uuid,
    pub org: Option<Uuid>,
}

impl Event for ResourceApproved {
    const TOPIC: &'static str = "resource.approved";
    fn subject(&self) -> Option<Uuid> {
        Some(self.resource)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A moderator sent submitted content back, with a reason; its creator hears of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRejected {
    pub resource: Uuid,
    pub creator: Uuid,
    pub reason: Option<String>,
    pub org: Option<Uuid>,
}

impl Event for ResourceRejected {
    const TOPIC: &'static str = "resource.rejected";
    fn subject(&self) -> Option<Uuid> {
        Some(self.resource)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// Who hears of the resources' events (registered with the server's rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct ResourceRules;

#[async_trait::async_trait]
impl EventRules for ResourceRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[
            NotifiedTopic::pushed(EventRegistered::TOPIC),
            NotifiedTopic::pushed(SeatGranted::TOPIC),
            NotifiedTopic::pushed(ResourceApproved::TOPIC),
            NotifiedTopic::pushed(ResourceRejected::TOPIC),
        ];
        NOTIFIED
    }

    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
        // Each is about a resource; one that is gone is news to nobody.
        let Some(title) = title_of(tx, event.subject_id).await? else {
            return Ok(Audience::nobody());
        };
        if let Some(registered) = event.decode::<EventRegistered>() {
            let summary = if registered.status == RegistrationStatus::Waitlisted.to_value() {
                format!("You are on the waitlist for {title}")
            } else {
                format!("You have a seat at {title}")
            };
            // The registrant acted; this is their confirmation.
            return Ok(Audience::of(vec![Notice::new(registered.user, summary)]).telling_actor());
        }
        let told = if let Some(granted) = event.decode::<SeatGranted>() {
            Notice::new(granted.user, format!("A seat opened up for you at {title}"))
        } else if let Some(approved) = event.decode::<ResourceApproved>() {
            Notice::new(approved.creator, format!("{title} was approved and published"))
        } else if let Some(rejected) = event.decode::<ResourceRejected>() {
            let summary = match rejected.reason {
                Some(reason) => format!("{title} was not approved: {reason}"),
                None => format!("{title} was not approved"),
            };
            Notice::new(rejected.creator, summary)
        } else {
            return Ok(Audience::nobody());
        };
        Ok(Audience::of(vec![told]))
    }
}

/// The quoted title of the resource `id`, unless it is gone.
async fn title_of(tx: &DatabaseTransaction, id: Option<Uuid>) -> Result<Option<String>, sea_orm::DbErr> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(resource::Entity::find_by_id(id)
        .one(tx)
        .await?
        .filter(|r| r.deleted_at.is_none())
        .map(|r| quoted(&r.title)))
}
