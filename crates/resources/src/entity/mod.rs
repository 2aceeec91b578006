//! One entity per table: the shared `resources` row, its tags, one table per kind, and event
//! registrations.

pub mod blogpost;
pub mod event;
pub mod event_registration;
pub mod initiative;
pub mod page;
pub mod photo;
pub mod product;
pub mod resource;
pub mod resource_tag;
pub mod spot;

/// Uploads are the platform's table (core), used here for photos and served by this crate.
pub use commons_core::media;
