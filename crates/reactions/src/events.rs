//! The events reactions and comments write, who hears of them, and what live subscribers get.

use commons_core::audience::{Audience, EventRules, Notice, NotifiedTopic, Prepared, RuleError};
use commons_core::text::quoted;
use commons_core::{Actor, Event, PlatformRole, outbox};
use commons_identity::service::users::name_of;
use commons_resources::entity::resource;
use commons_resources::service::reading::may_see;
use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::comments::Comment;
use crate::entity::comment;
use crate::live;

/// A comment was added to a resource (answering another, with `parent`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentCreated {
    pub resource: Uuid,
    pub comment: Uuid,
    pub author: Uuid,
    pub parent: Option<Uuid>,
    pub org: Option<Uuid>,
}

impl Event for CommentCreated {
    const TOPIC: &'static str = "comment.created";
    fn subject(&self) -> Option<Uuid> {
        Some(self.resource)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A reaction was given (`added`) or taken back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionChanged {
    pub resource: Uuid,
    pub user: Uuid,
    /// A `ReactionKind` value: `like`, `heart`, …
    pub kind: String,
    pub added: bool,
    pub org: Option<Uuid>,
}

impl Event for ReactionChanged {
    const TOPIC: &'static str = "reaction.changed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.resource)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// Who hears of comments and reactions, and what live subscribers receive (registered with
/// the server's rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct ReactionRules;

#[async_trait::async_trait]
impl EventRules for ReactionRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[
            NotifiedTopic::pushed(CommentCreated::TOPIC),
            // Many, and rarely urgent: the inbox only, unless the person asks.
            NotifiedTopic::quiet(ReactionChanged::TOPIC),
        ];
        NOTIFIED
    }

    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
        let Some(target) = resource_of(tx, event.subject_id).await? else {
            return Ok(Audience::nobody());
        };
        let title = quoted(&target.title);
        let audience = if let Some(created) = event.decode::<CommentCreated>() {
            Audience::of(commented(tx, &created, &target, &title).await?)
        } else if let Some(changed) = event.decode::<ReactionChanged>() {
            if !changed.added {
                return Ok(Audience::nobody());
            }
            let who = name_of(tx, Some(changed.user)).await?;
            let summary = format!("{who} reacted with {} to {title}", changed.kind);
            // Toggling on and off tells the creator once, until read.
            Audience::of(vec![Notice::new(target.creator_id, summary)]).once_until_read()
        } else {
            return Ok(Audience::nobody());
        };
        // People besides the resource's staff hear of it (a reply's author): each must still
        // see the resource, or they would learn of what they may no longer read.
        let mut seeing = Vec::with_capacity(audience.notices.len());
        for notice in audience.notices {
            if may_see(tx, &person(notice.user_id), &target).await? {
                seeing.push(notice);
            }
        }
        Ok(Audience {
            notices: seeing,
            ..audience
        })
    }

    fn live(&self) -> &'static [&'static str] {
        live::TOPICS
    }

    async fn prepare_live(
        &self,
        db: &DatabaseConnection,
        event: &outbox::Model,
    ) -> Result<Option<Prepared>, RuleError> {
        let prepared = live::prepare(db, event).await?;
        Ok(prepared.map(|update| std::sync::Arc::new(update) as Prepared))
    }
}

/// The resource's creator; and the author of the comment answered, told so in other words.
async fn commented(
    tx: &DatabaseTransaction,
    created: &CommentCreated,
    target: &resource::Model,
    title: &str,
) -> Result<Vec<Notice>, RuleError> {
    // A comment deleted or hidden before it was handled (catching up) is news to nobody.
    let shown = comment::Entity::find_by_id(created.comment)
        .one(tx)
        .await?
        .is_some_and(|c| Comment::counted(&c));
    if !shown {
        return Ok(Vec::new());
    }
    let who = name_of(tx, Some(created.author)).await?;
    let mut told = Vec::new();
    if let Some(parent) = created.parent
        && let Some(parent) = comment::Entity::find_by_id(parent).one(tx).await?
    {
        told.push(Notice::new(
            parent.author_id,
            format!("{who} replied to your comment on {title}"),
        ));
    }
    told.push(Notice::new(
        target.creator_id,
        format!("{who} commented on {title}"),
    ));
    Ok(told)
}

async fn resource_of(
    tx: &DatabaseTransaction,
    id: Option<Uuid>,
) -> Result<Option<resource::Model>, sea_orm::DbErr> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(resource::Entity::find_by_id(id)
        .one(tx)
        .await?
        .filter(|r| r.deleted_at.is_none()))
}

/// A person as the visibility rule sees them (their platform role does not widen what they are
/// told: an admin hears only of what concerns them, like anyone).
fn person(id: Uuid) -> Actor {
    Actor::User {
        id,
        platform_role: PlatformRole::User,
        scopes: None,
        session: None,
    }
}
