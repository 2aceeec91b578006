//! Commons messaging: conversations (MS1) and notifications (MS2).
//!
//! Conversations are private (two people, one conversation per pair, held by a unique key on
//! the ordered pair) or groups (titled, optionally tied to a department whose organization's
//! members alone may join). Participants read and write messages, each with an optional
//! attachment of their own upload; a read marker per participant only moves forward, and
//! unread counts are the others' messages after it.
//!
//! Notifications come from the transactional outbox. Messaging delivers; it does not decide:
//! who hears of an event, in which words, is answered by the crate that owns the event (its
//! `commons_core::audience::EventRules`, gathered in a `Registry` when the server starts).
//! [`Messaging::notify_all`] is the handler, handling a batch of events in one transaction and
//! recording each once (`outbox::handle_once`), so a replay or a second process changes
//! nothing; [`Messaging::notify_pending`] catches up on what no process handled. Per-topic
//! settings turn the inbox and push off; push goes through a [`DeliveryProvider`] after commit.

pub mod conversations;
pub mod delivery;
pub mod devices;
pub mod entity;
pub mod error;
pub mod events;
pub mod linked;
pub mod messages;
pub mod notifications;
pub mod settings;

use std::sync::Arc;

use commons_core::audience::Registry;
use commons_identity::Identity;

pub use conversations::{Conversation, NewConversation, Participant};
pub use delivery::{DeliveryError, DeliveryProvider, LogProvider};
pub use devices::PushToken;
pub use entity::conversation::ConversationKind;
pub use entity::participant::ParticipantRole;
pub use entity::push_token::PushPlatform;
pub use error::Error;
pub use events::{MessageCreated, MessagingRules, NotificationCreated};
pub use messages::{LiveMessage, Message};
pub use notifications::Notification;
pub use settings::NotificationSetting;

/// The messaging services and what they share.
#[derive(Clone, Debug)]
pub struct Messaging {
    pub(crate) identity: Identity,
    /// Every crate's rules: who hears of which event, and which topics have settings.
    pub(crate) rules: Arc<Registry>,
    pub(crate) provider: Arc<dyn DeliveryProvider>,
}

impl Messaging {
    /// The services, telling people what `rules` decide and pushing through the
    /// [`LogProvider`] until told otherwise.
    pub fn new(identity: Identity, rules: Arc<Registry>) -> Messaging {
        Messaging {
            identity,
            rules,
            provider: Arc::new(LogProvider),
        }
    }

    /// The same services pushing through `provider`.
    pub fn with_provider(mut self, provider: Arc<dyn DeliveryProvider>) -> Messaging {
        self.provider = provider;
        self
    }

    /// The rules these deliver for.
    pub fn rules(&self) -> &Registry {
        &self.rules
    }

    pub(crate) fn now(&self) -> commons_core::Timestamp {
        self.identity.now()
    }
}
