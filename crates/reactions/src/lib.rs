//! Commons reactions (RE1): people react to resources with a fixed set of kinds, toggled per
//! person, resource and kind. The counts per kind live in a counter row updated in the same
//! transaction as the reaction (and the resource's total, which orders "most reacted"), so
//! reading them never counts rows. Comments (RE2) are threaded, edited, deleted softly and
//! hidden by moderators. Ratings (RE3) score resources and agents 1 to 5, once per rater.

pub mod comments;
pub mod entity;
pub mod error;
pub mod events;
pub mod live;
pub mod ratings;
pub mod service;

use commons_resources::Resources;

pub use entity::reaction::ReactionKind;
pub use error::Error;
pub use service::ReactionSummary;

/// The reaction services and what they share.
#[derive(Clone, Debug)]
pub struct Reactions {
    pub(crate) resources: Resources,
}

impl Reactions {
    pub fn new(resources: Resources) -> Reactions {
        Reactions { resources }
    }

    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    pub(crate) fn now(&self) -> commons_core::Timestamp {
        self.resources.orgs().identity().now()
    }
}
