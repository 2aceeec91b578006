//! Domain events as types. Each domain crate declares the events it writes in one module of
//! its own (`events.rs`): a serde struct per topic, the topic a constant on it. Services append
//! them with [`crate::outbox::append`]; only the crate that owns an event parses its payload
//! back ([`crate::outbox::Model::decode`]), so no crate reads another's payload by key, and a
//! field renamed in one crate cannot silently break another at run time.

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// An event a crate appends to the outbox.
pub trait Event: Serialize + DeserializeOwned + Send + Sync {
    /// Dotted, past tense, unique across crates: `comment.created`, `event.registered`.
    const TOPIC: &'static str;

    /// What the event is about (a resource, a conversation, a person), for subscribers and
    /// notifications to filter on.
    fn subject(&self) -> Option<Uuid>;

    /// The organization it happened in, if any.
    fn org(&self) -> Option<Uuid> {
        None
    }
}
