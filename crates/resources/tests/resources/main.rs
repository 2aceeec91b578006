//! The resource services' tests, in one binary: each test binary links the whole dependency
//! tree, so one per crate keeps CI fast and its disk small.

mod events;
mod listing;
mod media;
mod moderation;
mod outbox;
mod resources;
