//! GraphQL subscriptions (RE4), served over graphql-transport-ws at `/graphql/ws`. Each
//! subscription keeps, of what the process's live hub delivers, what its subscriber may see;
//! the rule is the service's, asked per delivery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::{Context, ID, SimpleObject, Subscription};
use commons_core::{Actor, CodedError, ErrorCode};
use commons_identity::token::API_KEY_PREFIX;
use commons_messaging::{LiveMessage, NotificationCreated};
use commons_reactions::live::{ResourceUpdate, Update};
use futures::{Stream, StreamExt};

use crate::error::{GqlResult, coded};
use crate::live::Delivery;
use crate::schema::context::{ContextExt, Services};
use crate::schema::messaging::{Message, Notification};
use crate::schema::node::{expect_id, global_id};
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
            match &delivery.prepared::<ResourceUpdate>()?.update {
                Update::CommentAdded { comment, author } => {
                    Some(Comment::with_author(comment.clone(), author.as_deref().cloned()))
                }
                Update::ReactionChanged { .. } => None,
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
            let u = delivery.prepared::<ResourceUpdate>()?;
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

    /// Messages in your conversations as they are sent, or in one of them with
    /// `conversationId`. Only while you take part: someone who leaves hears nothing more.
    /// Each message is read once per process with the people who may have it, so filtering
    /// costs no query per subscriber.
    async fn message_added(
        &self,
        ctx: &Context<'_>,
        conversation_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = Message> + use<>> {
        let only = conversation_id
            .as_ref()
            .map(|id| expect_id(id, "Conversation", "conversationId"))
            .transpose()?;
        let services = ctx.services();
        let actor = signed_in(ctx)?;
        let deliveries = signed_deliveries(ctx, &actor);
        if let Some(id) = only {
            let found = services
                .messaging
                .conversation(&services.db, &actor, id)
                .await
                .gql()?;
            if found.is_none() {
                return Err(coded(ErrorCode::NotFound, "no such conversation"));
            }
        }
        let me = actor.user_id();
        Ok(deliveries.filter_map(move |delivery| async move {
            let live = delivery.prepared::<LiveMessage>()?;
            let wanted = only.is_none_or(|id| live.message.conversation_id == id);
            let may = me.is_some_and(|me| live.recipients.contains(&me));
            (wanted && may).then(|| Message(live.message.clone()))
        }))
    }

    /// Your notifications as they arrive.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = Notification> + use<>> {
        let services = ctx.shared_services();
        let actor = signed_in(ctx)?;
        let me = actor.user_id();
        Ok(signed_deliveries(ctx, &actor).filter_map(move |delivery| {
            // Everyone else's are skipped without a query.
            let reading = delivery
                .event
                .decode::<NotificationCreated>()
                .filter(|created| Some(created.user) == me)
                .map(|created| (created, services.clone(), actor.clone()));
            async move {
                let (created, services, actor) = reading?;
                let found = services
                    .messaging
                    .notification(&services.db, &actor, created.notification)
                    .await;
                found
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "reading a live notification failed");
                        None
                    })
                    .map(Notification)
            }
        }))
    }
}

/// The subscriber, who must be signed in.
fn signed_in(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    let actor = ctx.actor()?;
    if actor.user_id().is_none() {
        return Err(coded(ErrorCode::Unauthenticated, "sign in to subscribe to this"));
    }
    Ok(actor.clone())
}

/// A WebSocket connection's sign-in, checked again as deliveries arrive (at most every
/// `GatewayConfig::session_recheck`), so that signing out, a revoked session, a revoked API key or a blocked account
/// ends the subscriptions it opened.
pub struct LiveSession {
    token: Option<String>,
    recheck: Duration,
    checked: tokio::sync::Mutex<(Instant, bool)>,
}

impl LiveSession {
    /// A connection just authenticated with `token` (none: anonymous).
    pub fn new(token: Option<String>, recheck: Duration) -> Arc<LiveSession> {
        Arc::new(LiveSession {
            token,
            recheck,
            checked: tokio::sync::Mutex::new((Instant::now(), true)),
        })
    }

    async fn still_valid(&self, services: &Services, actor: &Actor) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let mut checked = self.checked.lock().await;
        let (at, valid) = *checked;
        if !valid || at.elapsed() < self.recheck {
            return valid;
        }
        let identity = &services.identity;
        let answer = if token.starts_with(API_KEY_PREFIX) {
            identity
                .authenticate_api_key(&services.db, token)
                .await
                .map(|_| true)
        } else {
            identity.still_signed_in(&services.db, actor).await
        };
        let valid = match answer {
            Ok(valid) => valid,
            Err(e) if e.code() == ErrorCode::Internal => {
                // Not the subscriber's fault: keep them, and ask again next time.
                tracing::warn!(error = %e, "re-checking a live connection's sign-in failed");
                return true;
            }
            Err(_) => false,
        };
        *checked = (Instant::now(), valid);
        valid
    }
}

/// What the hub delivers, for as long as the connection's sign-in holds.
fn signed_deliveries(ctx: &Context<'_>, actor: &Actor) -> impl Stream<Item = Arc<Delivery>> + Send + use<> {
    let services = ctx.shared_services();
    let session = ctx.data_opt::<Arc<LiveSession>>().cloned();
    let actor = actor.clone();
    services.live.deliveries().take_while(move |_| {
        // An anonymous connection has no sign-in to check, and clones nothing per delivery.
        let checking = session
            .clone()
            .map(|session| (session, services.clone(), actor.clone()));
        async move {
            match checking {
                Some((session, services, actor)) => session.still_valid(&services, &actor).await,
                None => true,
            }
        }
    })
}

/// The deliveries about one resource that the caller may see, checked as each arrives (the
/// resource may have been hidden from them since they subscribed).
async fn watch_resource(
    ctx: &Context<'_>,
    id: &ID,
) -> async_graphql::Result<impl Stream<Item = Arc<Delivery>> + use<>> {
    let resource_id = any_resource_id(id, "resourceId")?;
    let services = ctx.shared_services();
    let actor = ctx.actor()?.clone();
    // Listen before looking, so nothing committed in between is missed.
    let deliveries = signed_deliveries(ctx, &actor);
    let visible = services
        .resources
        .resource(&services.db, &actor, resource_id)
        .await
        .gql()?;
    if visible.is_none() {
        return Err(coded(ErrorCode::NotFound, "no such resource"));
    }
    Ok(deliveries.filter_map(move |delivery| {
        // Updates about other resources are passed over before anything is cloned.
        let about_it = delivery
            .prepared::<ResourceUpdate>()
            .is_some_and(|update| update.resource.id == resource_id);
        let checking = about_it.then(|| (services.clone(), actor.clone()));
        async move {
            let (services, actor) = checking?;
            let update = delivery.prepared::<ResourceUpdate>()?;
            receives(&services, &actor, update)
                .await
                .then(|| delivery.clone())
        }
    }))
}

async fn receives(services: &Services, actor: &Actor, update: &ResourceUpdate) -> bool {
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
