//! GraphQL subscriptions (RE4), served over graphql-transport-ws at `/graphql/ws`. Each
//! subscription keeps, of what the process's live hub delivers, what its subscriber may see;
//! the rule is the service's, asked per delivery.

use std::sync::Arc;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use commons_core::{Actor, ErrorCode};
use commons_reactions::live::Update;
use futures::{Stream, StreamExt};

use crate::error::{GqlResult, coded};
use crate::live::Delivery;
use crate::schema::context::{ContextExt, Services};
use crate::schema::node::global_id;
use crate::schema::reactions::{Comment, ReactionCount, ReactionKind};
use crate::schema::resources::any_resource_id;

/// A reaction given or taken back, with the resource's counts after it.
#[derive(SimpleObject)]
pub struct ReactionChange {
    resource_id: ID,
    kind: ReactionKind,
    /// Given (true) or taken back (false).
    added: bool,
    counts: Vec<ReactionCount>,
    total: i64,
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Comments added to a resource, as they are added: only while you may see it. Subscribing
    /// to a resource you may not see is `NOT_FOUND`, as reading it is.
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        resource_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Comment> + use<>> {
        let updates = watch_resource(ctx, &resource_id).await?;
        Ok(updates.filter_map(|delivery| async move {
            match &*delivery {
                Delivery::Resource(u) => match &u.update {
                    Update::CommentAdded(comment) => Some(Comment(comment.clone())),
                    Update::ReactionChanged { .. } => None,
                },
                Delivery::Event(_) => None,
            }
        }))
    }

    /// Reactions given or taken back on a resource, as they happen: only while you may see it.
    async fn reaction_changed(
        &self,
        ctx: &Context<'_>,
        resource_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = ReactionChange> + use<>> {
        let updates = watch_resource(ctx, &resource_id).await?;
        Ok(updates.filter_map(|delivery| async move {
            let Delivery::Resource(u) = &*delivery else {
                return None;
            };
            let Update::ReactionChanged { kind, added, summary } = &u.update else {
                return None;
            };
            Some(ReactionChange {
                resource_id: global_id(&type_name(&u.resource.kind), u.resource.id),
                kind: (*kind).into(),
                added: *added,
                counts: summary
                    .counts
                    .iter()
                    .map(|(kind, count)| ReactionCount {
                        kind: (*kind).into(),
                        count: *count,
                    })
                    .collect(),
                total: summary.total,
            })
        }))
    }
}

/// The deliveries about one resource that the caller may see, checked as each arrives (the
/// resource may have been hidden from them since they subscribed).
async fn watch_resource(
    ctx: &Context<'_>,
    id: &ID,
) -> async_graphql::Result<impl Stream<Item = Arc<Delivery>> + use<>> {
    let resource_id = any_resource_id(id, "resourceId")?;
    let services = ctx.services().clone();
    let actor = ctx.actor()?.clone();
    // Listen before looking, so nothing committed in between is missed.
    let deliveries = services.live.deliveries();
    let visible = services
        .resources
        .resource(&services.db, &actor, resource_id)
        .await
        .gql()?;
    if visible.is_none() {
        return Err(coded(ErrorCode::NotFound, "no such resource"));
    }
    Ok(deliveries.filter_map(move |delivery| {
        let services = services.clone();
        let actor = actor.clone();
        async move {
            let Delivery::Resource(update) = &*delivery else {
                return None;
            };
            if update.resource.id != resource_id {
                return None;
            }
            receives(&services, &actor, update).await.then_some(delivery)
        }
    }))
}

async fn receives(
    services: &Services,
    actor: &Actor,
    update: &commons_reactions::live::ResourceUpdate,
) -> bool {
    match services.reactions.may_receive(&services.db, actor, update).await {
        Ok(may) => may,
        Err(e) => {
            // Not delivering is the safe side of a failed check.
            tracing::warn!(error = %e, "checking a live subscriber's access failed");
            false
        }
    }
}

/// The GraphQL type of a resource kind (`blogpost` → `Blogpost`).
fn type_name(kind: &str) -> String {
    let mut chars = kind.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
