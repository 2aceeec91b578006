//! What live subscribers hear about a resource (RE4). An outbox event is prepared once per
//! process (one read, as the system, through [`crate::events::ReactionRules`]), then offered to each subscriber, who receives it only if
//! they may see the resource. For a public published resource that check costs no query, so
//! one comment reaches a thousand subscribers for one read.

use commons_core::db::Conn;
use commons_core::outbox;
use commons_core::{Actor, Event, tenant};
use commons_identity::entity::user;
use commons_resources::entity::resource;
use sea_orm::{ActiveEnum, EntityTrait};
use uuid::Uuid;

use crate::comments::Comment;
use crate::entity::{comment, reaction::ReactionKind};
use crate::error::Error;
use crate::events::{CommentCreated, ReactionChanged};
use crate::{ReactionSummary, Reactions};

/// A change to a resource, as it reaches subscribers.
#[derive(Clone, Debug)]
pub enum Update {
    CommentAdded {
        comment: Comment,
        /// Its author, read once for every subscriber; show them through
        /// `commons_identity::service::users::shown_to`.
        author: Option<Box<user::Profile>>,
    },
    ReactionChanged {
        kind: ReactionKind,
        added: bool,
        /// The counts after the change (without anyone's own reactions).
        summary: ReactionSummary,
    },
}

/// An update with the resource it is about, read once for every subscriber.
#[derive(Clone, Debug)]
pub struct ResourceUpdate {
    pub resource: resource::Model,
    pub update: Update,
}

/// The topics [`prepare`] turns into updates.
pub const TOPICS: &[&str] = &[CommentCreated::TOPIC, ReactionChanged::TOPIC];

/// The update an outbox event carries, read once (as the system) for every subscriber of a
/// process; `None` when it is not about reactions or what it reported is gone (the comment was
/// deleted or hidden since, the resource deleted).
pub(crate) async fn prepare<C: Conn>(db: &C, event: &outbox::Model) -> Result<Option<ResourceUpdate>, Error> {
    let Some(resource_id) = event.subject_id else {
        return Ok(None);
    };
    if !TOPICS.contains(&event.topic.as_str()) {
        return Ok(None);
    }
    let tx = tenant::read(db, &Actor::System).await?;
    let prepared = prepare_in(&tx, event, resource_id).await;
    tx.commit().await?;
    prepared
}

async fn prepare_in(
    tx: &impl sea_orm::ConnectionTrait,
    event: &outbox::Model,
    resource_id: Uuid,
) -> Result<Option<ResourceUpdate>, Error> {
    let Some(resource) = resource::Entity::find_by_id(resource_id).one(tx).await? else {
        return Ok(None);
    };
    if resource.deleted_at.is_some() {
        return Ok(None);
    }
    let update = if let Some(created) = event.decode::<CommentCreated>() {
        match comment::Entity::find_by_id(created.comment).one(tx).await? {
            Some(found) if Comment::counted(&found) => Update::CommentAdded {
                author: user::Entity::find_by_id(found.author_id)
                    .into_partial_model::<user::Profile>()
                    .one(tx)
                    .await?
                    .map(Box::new),
                comment: Comment::seen(found, false),
            },
            _ => return Ok(None),
        }
    } else if let Some(changed) = event.decode::<ReactionChanged>() {
        let Ok(kind) = ReactionKind::try_from_value(&changed.kind) else {
            return Ok(None);
        };
        let summary = crate::service::summaries(tx, &Actor::System, &[resource_id])
            .await?
            .remove(&resource_id)
            .unwrap_or_default();
        Update::ReactionChanged {
            kind,
            added: changed.added,
            summary,
        }
    } else {
        return Ok(None);
    };
    Ok(Some(ResourceUpdate { resource, update }))
}

impl Reactions {
    /// Whether `actor` may receive `update`: whether they may see its resource now.
    pub async fn may_receive<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        update: &ResourceUpdate,
    ) -> Result<bool, Error> {
        Ok(self.resources.may_see(db, actor, &update.resource).await?)
    }
}
