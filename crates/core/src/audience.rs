//! Who hears of an event, answered by the crate that owns it.
//!
//! Each domain crate that writes events implements [`EventRules`] once: the topics people are
//! notified of, who they are and in which words ([`EventRules::audience`]), and what live
//! subscribers receive ([`EventRules::prepare_live`]). The server registers every crate's rules
//! in one [`Registry`] at start; messaging delivers what the rules decide (inbox, settings,
//! push) and the gateway's live hub hands prepared payloads to subscriptions. So messaging
//! depends on no domain it delivers for, and a new topic touches only the crate that owns it
//! (and, for a new crate, the one line that registers its rules).

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use uuid::Uuid;

use crate::outbox;

/// What a rule may fail with: the owning crate's own error, boxed.
pub type RuleError = Box<dyn std::error::Error + Send + Sync>;

/// A topic people are notified of, each with its own setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotifiedTopic {
    pub topic: &'static str,
    /// Whether it is pushed to devices for someone who never changed the setting (reactions
    /// are many and rarely urgent; most topics are pushed).
    pub push_by_default: bool,
}

impl NotifiedTopic {
    /// A topic pushed by default.
    pub const fn pushed(topic: &'static str) -> NotifiedTopic {
        NotifiedTopic {
            topic,
            push_by_default: true,
        }
    }

    /// A topic only in the inbox by default.
    pub const fn quiet(topic: &'static str) -> NotifiedTopic {
        NotifiedTopic {
            topic,
            push_by_default: false,
        }
    }
}

/// One person to tell, and the sentence to tell them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub user_id: Uuid,
    /// A short sentence: `ann commented on “Spring cleanup”`.
    pub summary: String,
}

impl Notice {
    pub fn new(user_id: Uuid, summary: impl Into<String>) -> Notice {
        Notice {
            user_id,
            summary: summary.into(),
        }
    }
}

/// Whom an event concerns, as its owning crate decides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audience {
    /// The people to tell. The rule has already left out those who may no longer see what
    /// the event is about; duplicates are told once.
    pub notices: Vec<Notice>,
    /// Whether the one who acted hears of it too. Nobody is told of their own action, except
    /// where the notice is its confirmation (a registration, with the seat or the waitlist).
    pub tells_actor: bool,
    /// Tell each person once until they read it: someone toggling a reaction on and off tells
    /// the creator once, not every time.
    pub once_until_read: bool,
}

impl Audience {
    /// Nobody: the subject is gone, or the event concerns no one's inbox.
    pub fn nobody() -> Audience {
        Audience::default()
    }

    pub fn of(notices: Vec<Notice>) -> Audience {
        Audience {
            notices,
            ..Audience::default()
        }
    }

    /// Each of `people`, told the same sentence.
    pub fn each(people: impl IntoIterator<Item = Uuid>, summary: impl Into<String>) -> Audience {
        let summary = summary.into();
        Audience::of(
            people
                .into_iter()
                .map(|id| Notice::new(id, summary.clone()))
                .collect(),
        )
    }

    pub fn telling_actor(mut self) -> Audience {
        self.tells_actor = true;
        self
    }

    pub fn once_until_read(mut self) -> Audience {
        self.once_until_read = true;
        self
    }
}

/// A live payload, prepared once per process for every subscriber; subscriptions downcast it
/// to the owning crate's type.
pub type Prepared = Arc<dyn Any + Send + Sync>;

/// One crate's answers about the events it owns.
#[async_trait::async_trait]
pub trait EventRules: Send + Sync + fmt::Debug {
    /// The topics people are notified of, in the order their settings list them.
    fn notified(&self) -> &'static [NotifiedTopic] {
        &[]
    }

    /// Whom `event` (one of [`EventRules::notified`]) concerns, in which words. Runs as the
    /// system inside the notifier's transaction `tx`, and is forgiving: an event whose subject
    /// is gone tells nobody.
    async fn audience(
        &self,
        _tx: &DatabaseTransaction,
        _event: &outbox::Model,
    ) -> Result<Audience, RuleError> {
        Ok(Audience::nobody())
    }

    /// The topics live subscribers receive prepared.
    fn live(&self) -> &'static [&'static str] {
        &[]
    }

    /// `event` (one of [`EventRules::live`]) as live subscribers receive it, read once per
    /// process; `None` when what it reported is gone.
    async fn prepare_live(
        &self,
        _db: &DatabaseConnection,
        _event: &outbox::Model,
    ) -> Result<Option<Prepared>, RuleError> {
        Ok(None)
    }
}

/// Every crate's rules, by topic; built once when the server starts.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    notified: Vec<NotifiedTopic>,
    audiences: HashMap<&'static str, Arc<dyn EventRules>>,
    live: HashMap<&'static str, Arc<dyn EventRules>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a crate's rules.
    ///
    /// # Panics
    /// When a topic is already registered: two crates claiming one topic is a wiring mistake
    /// that must not reach a running server (as a duplicate route in a router).
    pub fn with(mut self, rules: impl EventRules + 'static) -> Registry {
        let rules: Arc<dyn EventRules> = Arc::new(rules);
        for topic in rules.notified() {
            let taken = self.audiences.insert(topic.topic, rules.clone());
            assert!(taken.is_none(), "two rules claim the topic {}", topic.topic);
            self.notified.push(*topic);
        }
        for topic in rules.live() {
            let taken = self.live.insert(topic, rules.clone());
            assert!(taken.is_none(), "two live rules claim the topic {topic}");
        }
        self
    }

    /// Every topic people are notified of, in registration order.
    pub fn notified(&self) -> &[NotifiedTopic] {
        &self.notified
    }

    /// `topic`'s settings entry, if people are notified of it.
    pub fn notified_topic(&self, topic: &str) -> Option<&NotifiedTopic> {
        self.notified.iter().find(|t| t.topic == topic)
    }

    /// Whether anyone's inbox hears of `topic`: the notifier skips the rest before any
    /// transaction.
    pub fn notifies(&self, topic: &str) -> bool {
        self.audiences.contains_key(topic)
    }

    /// Whom `event` concerns; nobody when no rule claims its topic.
    pub async fn audience(
        &self,
        tx: &DatabaseTransaction,
        event: &outbox::Model,
    ) -> Result<Audience, RuleError> {
        match self.audiences.get(event.topic.as_str()) {
            Some(rules) => rules.audience(tx, event).await,
            None => Ok(Audience::nobody()),
        }
    }

    /// Whether live subscribers receive `topic` prepared.
    pub fn is_live(&self, topic: &str) -> bool {
        self.live.contains_key(topic)
    }

    /// `event` prepared for live subscribers; `None` when no rule prepares its topic or what it
    /// reported is gone.
    pub async fn prepare_live(
        &self,
        db: &DatabaseConnection,
        event: &outbox::Model,
    ) -> Result<Option<Prepared>, RuleError> {
        match self.live.get(event.topic.as_str()) {
            Some(rules) => rules.prepare_live(db, event).await,
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Greetings;

    impl EventRules for Greetings {
        fn notified(&self) -> &'static [NotifiedTopic] {
            const NOTIFIED: &[NotifiedTopic] = &[
                NotifiedTopic::pushed("greeting.sent"),
                NotifiedTopic::quiet("wave.sent"),
            ];
            NOTIFIED
        }
    }

    #[test]
    fn topics_keep_their_registration_order_and_defaults() {
        let registry = Registry::new().with(Greetings);
        let topics: Vec<_> = registry.notified().iter().map(|t| t.topic).collect();
        assert_eq!(topics, ["greeting.sent", "wave.sent"]);
        assert!(registry.notifies("wave.sent"));
        assert!(!registry.notifies("comment.created"));
        assert_eq!(
            registry.notified_topic("wave.sent").map(|t| t.push_by_default),
            Some(false)
        );
    }

    #[test]
    #[should_panic(expected = "two rules claim the topic greeting.sent")]
    fn a_topic_claimed_twice_is_refused_at_start() {
        let _ = Registry::new().with(Greetings).with(Greetings);
    }
}
