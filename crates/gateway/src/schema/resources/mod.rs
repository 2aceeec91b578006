//! resources in GraphQL: the `Resource` interface, its kinds, the feed and writing.

mod mutation;
mod query;
mod types;

pub use mutation::ResourcesMutation;
pub use query::ResourcesQuery;
pub use types::{Blogpost, Page, Resource};
