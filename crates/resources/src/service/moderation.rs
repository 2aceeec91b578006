//! Moderation (RS6). Where a department (`requires_approval`) or its organization
//! (`content_requires_approval`) reviews content, what its creators make goes draft →
//! submitted → approved (and so published) or rejected with a reason, by those who hold
//! `moderate_resources` there. Moderators publish directly; nobody else does there.

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, tenant, text};
use commons_core::{Event, outbox};
use commons_orgs::Permission;
use commons_orgs::entity::{department, department_member, organization};
use commons_orgs::service::access;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Scope;
use super::reading::with_details;
use super::writing::{Full, edit_permission, live, scope_of};
use crate::Resources;
use crate::entity::resource::{self, Review, Status};
use crate::error::Error;
use crate::events::{ResourceApproved, ResourceRejected};

impl Resources {
    /// Asks the moderators to publish a draft, where content is reviewed. Its creator may.
    pub async fn submit_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<resource::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let current = live(&tx, actor, id).await?;
        let scope = scope_of(&current);
        self.authorize(&tx, actor, scope, edit_permission(actor, &current))
            .await?;
        if !requires_approval(&tx, actor, scope).await? {
            return Err(Error::Review("content here is not reviewed: publish it instead"));
        }
        if current.status != Status::Draft {
            return Err(Error::Review("only a draft can be submitted for review"));
        }
        if current.review == Some(Review::Submitted) {
            tx.commit().await?;
            return Ok(current);
        }
        let mut model: resource::ActiveModel = current.into();
        model.review = Set(Some(Review::Submitted));
        model.review_reason = Set(None);
        model.reviewed_by = Set(None);
        model.reviewed_at = Set(None);
        model.updated_at = Set(now);
        let submitted = model.update(&tx).await?;
        let entry = Entry::new("resource.submitted")
            .target("resource", id)
            .in_org(submitted.org_id);
        audit::record(&tx, actor, entry, now).await?;
        tx.commit().await?;
        Ok(submitted)
    }

    /// Approves a submitted resource, which publishes it.
    pub async fn approve_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<resource::Model, Error> {
        self.decide(db, actor, id, Review::Approved, None).await
    }

    /// Sends a submitted resource back to its creator with the reason, as a draft.
    pub async fn reject_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<resource::Model, Error> {
        let reason = text::required("reason", reason, 1000)?;
        self.decide(db, actor, id, Review::Rejected, Some(reason)).await
    }

    async fn decide<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        decision: Review,
        reason: Option<String>,
    ) -> Result<resource::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let current = live(&tx, actor, id).await?;
        self.authorize(&tx, actor, scope_of(&current), Permission::ModerateResources)
            .await?;
        if current.review != Some(Review::Submitted) {
            return Err(Error::Review("only submitted content awaits a decision"));
        }
        let moderator = actor.user_id();
        let mut model: resource::ActiveModel = current.clone().into();
        model.review = Set(Some(decision));
        model.review_reason = Set(reason.clone());
        model.reviewed_by = Set(moderator);
        model.reviewed_at = Set(Some(now));
        model.updated_at = Set(now);
        if decision == Review::Approved {
            model.status = Set(Status::Published);
            if current.published_at.is_none() {
                model.published_at = Set(Some(now));
            }
        }
        let decided = model.update(&tx).await?;
        let action = match decision {
            Review::Approved => ResourceApproved::TOPIC,
            _ => ResourceRejected::TOPIC,
        };
        let entry = Entry::new(action)
            .target("resource", id)
            .in_org(decided.org_id)
            .metadata(serde_json::json!({ "reason": reason }));
        audit::record(&tx, actor, entry, now).await?;
        // The creator hears the decision.
        if decision == Review::Approved {
            let event = ResourceApproved {
                resource: id,
                creator: decided.creator_id,
                org: decided.org_id,
            };
            outbox::append(&tx, actor, &event, now).await?;
        } else {
            let event = ResourceRejected {
                resource: id,
                creator: decided.creator_id,
                reason,
                org: decided.org_id,
            };
            outbox::append(&tx, actor, &event, now).await?;
        }
        tx.commit().await?;
        Ok(decided)
    }

    /// What waits for the actor's decision in an organization, oldest first: everything
    /// submitted there for its moderators, or, for a department's managers, what was
    /// submitted in the departments they moderate.
    pub async fn review_queue<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Full>, Error> {
        let user_id = actor.user_id().ok_or(Error::NotSignedIn)?;
        let tx = tenant::read(db, actor).await?;
        let access = access::access_in(&tx, actor, org_id, None).await?;
        let mut query = resource::Entity::find()
            .filter(resource::Column::OrgId.eq(org_id))
            .filter(resource::Column::Review.eq(Review::Submitted))
            .filter(resource::Column::DeletedAt.is_null());
        if !access.allows(Permission::ModerateResources) {
            let role = access.role();
            let moderated: Vec<Uuid> = department_member::Entity::find()
                .filter(department_member::Column::OrgId.eq(org_id))
                .filter(department_member::Column::UserId.eq(user_id))
                .all(&tx)
                .await?
                .into_iter()
                .filter(|d| {
                    commons_orgs::permission::allows(role, Some(&d.grant()), Permission::ModerateResources)
                })
                .map(|d| d.department_id)
                .collect();
            if moderated.is_empty() {
                return Err(commons_orgs::Error::Forbidden(Permission::ModerateResources).into());
            }
            query = query.filter(resource::Column::DepartmentId.is_in(moderated));
        }
        let found = page::fetch(
            &tx,
            query,
            Keyset::oldest_first(resource::Column::Id),
            page,
            |r| Cursor::by_id(r.id),
        )
        .await?;
        let found = with_details(&tx, found).await?;
        tx.commit().await?;
        Ok(found)
    }
}

/// Whether content owned in `scope` waits for a moderator: its department or its organization
/// says so. Read as the system: the setting is policy, not data the actor must be shown.
pub(crate) async fn requires_approval(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    scope: Scope,
) -> Result<bool, Error> {
    let Scope::Organization {
        org_id,
        department_id,
    } = scope
    else {
        return Ok(false);
    };
    tenant::act_as(tx, &Actor::System).await?;
    let by_org = organization::Entity::find_by_id(org_id)
        .one(tx)
        .await?
        .is_some_and(|o| o.content_requires_approval);
    let by_department = match department_id {
        Some(id) => department::Entity::find_by_id(id)
            .one(tx)
            .await?
            .is_some_and(|d| d.requires_approval),
        None => false,
    };
    tenant::act_as(tx, actor).await?;
    Ok(by_org || by_department)
}
