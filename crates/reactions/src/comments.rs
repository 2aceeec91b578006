//! Comments (RE2): threaded under a resource the author may see; editing marks them edited;
//! deleting is soft (the thread keeps its shape, the text goes); moderators where the resource
//! is owned (a person's resource: its owner) hide them with a reason. The resource's
//! `comment_count` counts the shown ones and moves in the same transaction.

use commons_core::db::Conn;
use commons_core::outbox;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant, text};
use commons_orgs::Permission;
use commons_orgs::service::access::active_writer;
use commons_resources::entity::resource;
use commons_resources::service::writing::live;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Reactions;
use crate::entity::comment;
use crate::error::Error;
use crate::events::CommentCreated;
use crate::service::bump;

const MAX_BODY: usize = 10_000;

/// A comment as its reader may see it: no text once deleted, nor once hidden (except for the
/// moderators who may undo that).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub author_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub body: Option<String>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub deleted: bool,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
}

impl Comment {
    pub(crate) fn seen(model: comment::Model, moderator: bool) -> Comment {
        let deleted = model.deleted_at.is_some();
        let hidden = model.hidden_at.is_some();
        let shown = !deleted && (!hidden || moderator);
        Comment {
            id: model.id,
            resource_id: model.resource_id,
            author_id: model.author_id,
            parent_id: model.parent_id,
            body: shown.then_some(model.body),
            created_at: model.created_at,
            edited_at: model.edited_at,
            deleted,
            hidden,
            hidden_reason: if moderator { model.hidden_reason } else { None },
        }
    }

    pub(crate) fn counted(model: &comment::Model) -> bool {
        model.deleted_at.is_none() && model.hidden_at.is_none()
    }
}

impl Reactions {
    /// Comments on a resource the actor may see, answering `parent_id` when given (a comment
    /// of the same resource that is still shown).
    pub async fn add_comment<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        resource_id: Uuid,
        parent_id: Option<Uuid>,
        body: &str,
    ) -> Result<Comment, Error> {
        let body = text::required("body", body, MAX_BODY)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let author = active_writer(&tx, actor).await?;
        let target = live(&tx, actor, resource_id).await?;
        if let Some(parent) = parent_id {
            let fits = comment::Entity::find_by_id(parent)
                .one(&tx)
                .await?
                .is_some_and(|p| p.resource_id == resource_id && Comment::counted(&p));
            if !fits {
                return Err(Error::Invalid {
                    field: "parentId",
                    message: "answer a comment of the same resource that is still shown".into(),
                });
            }
        }
        let saved = comment::ActiveModel {
            id: Set(commons_core::id::new()),
            resource_id: Set(resource_id),
            author_id: Set(author),
            parent_id: Set(parent_id),
            body: Set(body),
            created_at: Set(now),
            edited_at: Set(None),
            deleted_at: Set(None),
            hidden_at: Set(None),
            hidden_by: Set(None),
            hidden_reason: Set(None),
        }
        .insert(&tx)
        .await?;
        bump(&tx, actor, resource_id, resource::Column::CommentCount, 1).await?;
        let event = CommentCreated {
            resource: resource_id,
            comment: saved.id,
            author,
            parent: parent_id,
            org: target.org_id,
        };
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        Ok(Comment::seen(saved, false))
    }

    /// Changes a comment's text; its author only, while it is shown.
    pub async fn edit_comment<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        body: &str,
    ) -> Result<Comment, Error> {
        let body = text::required("body", body, MAX_BODY)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let author = active_writer(&tx, actor).await?;
        let (current, _) = self.visible_comment(&tx, actor, id).await?;
        if current.author_id != author {
            return Err(Error::NotAllowed("only its author edits a comment"));
        }
        if !Comment::counted(&current) {
            return Err(Error::Gone("a deleted or hidden comment cannot be edited"));
        }
        let mut model: comment::ActiveModel = current.into();
        model.body = Set(body);
        model.edited_at = Set(Some(now));
        let edited = model.update(&tx).await?;
        tx.commit().await?;
        Ok(Comment::seen(edited, false))
    }

    /// Deletes a comment softly: its answers stay in place. Its author may.
    pub async fn delete_comment<C: Conn>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<Comment, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let author = active_writer(&tx, actor).await?;
        let (current, _) = self.visible_comment(&tx, actor, id).await?;
        if current.author_id != author {
            return Err(Error::NotAllowed(
                "only its author deletes a comment; moderators hide it",
            ));
        }
        if current.deleted_at.is_some() {
            tx.commit().await?;
            return Ok(Comment::seen(current, false));
        }
        let was_counted = Comment::counted(&current);
        let mut model: comment::ActiveModel = current.into();
        model.deleted_at = Set(Some(now));
        let deleted = model.update(&tx).await?;
        if was_counted {
            bump(
                &tx,
                actor,
                deleted.resource_id,
                resource::Column::CommentCount,
                -1,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Comment::seen(deleted, false))
    }

    /// Hides a comment with the reason, for `moderate_resources` where the resource is owned.
    pub async fn hide_comment<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<Comment, Error> {
        let reason = text::required("reason", reason, 500)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let moderator = active_writer(&tx, actor).await?;
        let (current, target) = self.visible_comment(&tx, actor, id).await?;
        if target.org_id.is_some() {
            self.resources
                .authorize_on(&tx, actor, &target, Permission::ModerateResources)
                .await?;
        } else if !self.resources.moderates(&tx, actor, &target).await? {
            return Err(Error::NotAllowed(
                "only the resource's owner hides comments on it",
            ));
        }
        let was_counted = Comment::counted(&current);
        let mut model: comment::ActiveModel = current.into();
        model.hidden_at = Set(Some(now));
        model.hidden_by = Set(Some(moderator));
        model.hidden_reason = Set(Some(reason));
        let hidden = model.update(&tx).await?;
        if was_counted {
            bump(&tx, actor, hidden.resource_id, resource::Column::CommentCount, -1).await?;
        }
        tx.commit().await?;
        Ok(Comment::seen(hidden, true))
    }

    /// A resource's comments, oldest first, each with its parent (clients build the tree).
    pub async fn comments<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        resource_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Comment>, Error> {
        let tx = tenant::read(db, actor).await?;
        let target = live(&tx, actor, resource_id).await?;
        let moderator = self.resources.moderates(&tx, actor, &target).await?;
        let found = page::fetch(
            &tx,
            comment::Entity::find().filter(comment::Column::ResourceId.eq(resource_id)),
            Keyset::oldest_first(comment::Column::Id),
            page,
            |c| Cursor::by_id(c.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found.map(|c| Comment::seen(c, moderator)))
    }

    /// One comment, as [`Reactions::comments`] shows it; `None` when it or its resource is
    /// gone or hidden from the actor.
    pub async fn comment<C: Conn>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<Option<Comment>, Error> {
        let tx = tenant::read(db, actor).await?;
        let (found, target) = match self.visible_comment(&tx, actor, id).await {
            Ok(found) => found,
            Err(Error::CommentNotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let moderator = self.resources.moderates(&tx, actor, &target).await?;
        tx.commit().await?;
        Ok(Some(Comment::seen(found, moderator)))
    }

    /// The comments of `ids` on resources the actor may see, as [`Reactions::comments`] shows
    /// them: one query for the comments, then one visibility check per resource they are on.
    pub async fn comments_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<Comment>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = comment::Entity::find()
            .filter(comment::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        // Per resource: whether the actor moderates it, or none when it is hidden from them.
        let mut seen_as = commons_core::AskOnce::default();
        let mut shown = Vec::with_capacity(rows.len());
        for row in rows {
            let moderator = seen_as
                .get(row.resource_id, async |resource| {
                    match live(&tx, actor, resource).await {
                        Ok(target) => Ok(Some(self.resources.moderates(&tx, actor, &target).await?)),
                        Err(commons_resources::Error::NotFound) => Ok(None),
                        Err(e) => Err(Error::from(e)),
                    }
                })
                .await?;
            if let Some(moderator) = moderator {
                shown.push(Comment::seen(row, moderator));
            }
        }
        tx.commit().await?;
        Ok(shown)
    }

    /// A comment on a resource the actor may see, with that resource.
    async fn visible_comment(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(comment::Model, resource::Model), Error> {
        let found = comment::Entity::find_by_id(id)
            .one(tx)
            .await?
            .ok_or(Error::CommentNotFound)?;
        let target = live(tx, actor, found.resource_id)
            .await
            .map_err(|_| Error::CommentNotFound)?;
        Ok((found, target))
    }
}
