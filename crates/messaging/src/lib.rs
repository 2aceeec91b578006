//! Commons messaging: conversations (MS1) and notifications (MS2).
//!
//! Conversations are private (two people, one conversation per pair, held by a unique key on
//! the ordered pair) or groups (titled, optionally tied to a department whose organization's
//! members alone may join). Participants read and write messages, each with an optional
//! attachment of their own upload; a read marker per participant only moves forward, and
//! unread counts are the others' messages after it.
//!
//! Notifications come from the transactional outbox: [`Messaging::notify`] is the handler,
//! recording each event once (`outbox::handle_once`) in the transaction that writes the
//! inbox, so a replay or a second process changes nothing; [`Messaging::notify_pending`]
//! catches up on what no process handled. Per-topic settings turn the inbox and push off;
//! push goes through a [`DeliveryProvider`] after commit.

pub mod conversations;
pub mod delivery;
pub mod devices;
pub mod entity;
pub mod error;
pub mod messages;
pub mod notifications;
mod notify;
pub mod settings;

use std::sync::Arc;

use commons_resources::Resources;

pub use conversations::{Conversation, NewConversation, Participant};
pub use delivery::{DeliveryError, DeliveryProvider, LogProvider};
pub use devices::PushToken;
pub use entity::conversation::ConversationKind;
pub use entity::participant::ParticipantRole;
pub use entity::push_token::PushPlatform;
pub use error::Error;
pub use messages::{LiveMessage, Message};
pub use notifications::Notification;
pub use settings::NotificationSetting;

/// The topics people are notified of, each with its own setting.
pub const TOPICS: &[&str] = &[
    "comment.created",
    "reaction.changed",
    "event.registered",
    "event.seat_granted",
    "resource.approved",
    "resource.rejected",
    "invite.created",
    "invite.accepted",
    "member.role_changed",
    "message.created",
];

/// The messaging services and what they share.
#[derive(Clone, Debug)]
pub struct Messaging {
    pub(crate) resources: Resources,
    pub(crate) provider: Arc<dyn DeliveryProvider>,
}

impl Messaging {
    /// The services, pushing through the [`LogProvider`] until told otherwise.
    pub fn new(resources: Resources) -> Messaging {
        Messaging {
            resources,
            provider: Arc::new(LogProvider),
        }
    }

    /// The same services pushing through `provider`.
    pub fn with_provider(mut self, provider: Arc<dyn DeliveryProvider>) -> Messaging {
        self.provider = provider;
        self
    }

    /// The resource services (and through them organizations and identity) these build on.
    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    pub(crate) fn now(&self) -> commons_core::Timestamp {
        self.resources.orgs().identity().now()
    }
}
