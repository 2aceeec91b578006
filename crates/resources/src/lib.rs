//! Commons resources: one model for every kind of published thing (RS1). Every resource has a
//! row in `resources` (creator, owner agent, organization and department for tenant isolation,
//! title, slug, summary, tags, visibility, status, timestamps, soft delete); each kind (RS2)
//! adds its own table keyed by the resource id, in its own module under [`kind`].
//!
//! Writing (RS3) asks the organization's permission matrix through
//! `commons_orgs::Orgs::authorize`, and creating an organization's resource claims its plan's
//! monthly allowance. Reading (RS4) enforces visibility in the service and, on PostgreSQL, by
//! row level security. Event registrations (RS5), moderation (RS6), media (RS7) and exports
//! (OR8) build on them.

pub mod entity;
pub mod error;
pub mod events;
pub mod geo;
pub mod kind;
pub mod media;
pub mod service;

use commons_orgs::Orgs;
use media::MediaSettings;

pub use entity::event_registration::RegistrationStatus;
pub use entity::resource::{Review, Status, Visibility};
pub use error::Error;
pub use kind::{KindData, KindInput};
pub use service::{Scope, holds_any};

/// The resource services and what they share.
#[derive(Clone, Debug)]
pub struct Resources {
    pub(crate) orgs: Orgs,
    pub(crate) media: MediaSettings,
}

impl Resources {
    /// The services, keeping uploads in a `commons-media` folder of the system's temporary
    /// directory until [`Resources::with_media`] says where.
    pub fn new(orgs: Orgs) -> Resources {
        Resources {
            orgs,
            media: MediaSettings::local(std::env::temp_dir().join("commons-media")),
        }
    }

    /// Where uploads are kept and how big they may be.
    pub fn with_media(mut self, media: MediaSettings) -> Resources {
        self.media = media;
        self
    }

    pub fn media_settings(&self) -> &MediaSettings {
        &self.media
    }

    pub fn orgs(&self) -> &Orgs {
        &self.orgs
    }

    pub(crate) fn now(&self) -> commons_core::Timestamp {
        self.orgs.identity().now()
    }
}
