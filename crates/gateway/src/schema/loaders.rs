//! The caller's DataLoaders: one per domain, each acting as the caller and batching for the
//! same delay. Within a query they also remember what they loaded, so a person who is both a
//! resource's creator and its owner is read once per request, not once per field. What they
//! remember would go stale across writes, so a document with a mutation loads afresh
//! ([`forget`]), and a WebSocket connection, whose loaders serve every event for as
//! long as it stays open, never remembers.

use std::sync::Arc;

use async_graphql::Data;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::extensions::ExtensionContext;
use commons_core::Actor;

use super::context::Services;
use super::governance::GovernanceLoader;
use super::identity::UserLoader;
use super::messaging::MessagingLoader;
use super::orgs::OrgsLoader;
use super::payments::PaymentsLoader;
use super::resources::ResourcesLoader;
use super::sales::SalesLoader;

/// A loader as resolvers find it in the context.
pub type RequestLoader<T> = DataLoader<T, HashMapCache>;

/// Whether the loaders may remember what they loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// One HTTP request: remembered until a mutation is seen.
    Request,
    /// A WebSocket connection's: every event is loaded afresh.
    None,
}

/// Calls `$apply!(LoaderType)` for every loader, so the list is written once.
macro_rules! each_loader {
    ($apply:ident) => {
        $apply!(UserLoader);
        $apply!(OrgsLoader);
        $apply!(ResourcesLoader);
        $apply!(MessagingLoader);
        $apply!(SalesLoader);
        $apply!(PaymentsLoader);
        $apply!(GovernanceLoader);
    };
}

/// Puts a loader of each domain, acting as `actor`, into `data`.
pub fn insert(
    data: &mut Data,
    services: &Arc<Services>,
    actor: &Actor,
    delay: std::time::Duration,
    memory: Memory,
) {
    macro_rules! insert_one {
        ($loader:ident) => {
            let loader = DataLoader::with_cache(
                $loader {
                    services: services.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
                HashMapCache::default(),
            )
            .delay(delay);
            loader.enable_all_cache(memory == Memory::Request);
            data.insert(loader);
        };
    }
    each_loader!(insert_one);
}

/// Turns the loaders' memory off for a document that writes (see the request pipeline in
/// `extension.rs`): a mutation's answer must show what it changed, and later fields in the
/// same document must see earlier fields' writes.
pub(crate) fn forget(ctx: &ExtensionContext<'_>) {
    macro_rules! forget {
        ($loader:ident) => {
            if let Some(loader) = ctx.data_opt::<RequestLoader<$loader>>() {
                loader.enable_all_cache(false);
            }
        };
    }
    each_loader!(forget);
}
