//! One entity per table: the shared `resources` row, its tags, and one table per kind.

pub mod blogpost;
pub mod page;
pub mod resource;
pub mod resource_tag;
