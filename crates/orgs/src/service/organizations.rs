//! Organizations (OR1): create (pending when the platform requires approval), edit, approve
//! or reject, delete and transfer ownership (owner only), plans (OR6), and reading.

use std::collections::HashMap;

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, AgentKind, Cursor, Page, PageRequest, agent, tenant, text};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    SqlErr,
};
use uuid::Uuid;

use super::access::{self, active_writer, require_active, require_write};
use super::memberships;
use crate::entity::membership;
use crate::entity::organization::{self, OrganizationKind, OrganizationStatus};
use crate::error::Error;
use crate::permission::{Permission, Role};
use crate::plan::{BillingStatus, Plan};
use crate::{Orgs, text::normalize_slug};

#[derive(Clone, Debug)]
pub struct CreateOrganization {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub logo_url: Option<String>,
    pub kind: OrganizationKind,
}

#[derive(Clone, Debug, Default)]
pub struct UpdateOrganization {
    pub id: Uuid,
    /// `None` leaves a field as it is; for optional fields `Some("")` clears it.
    pub name: Option<String>,
    pub description: Option<String>,
    pub logo_url: Option<String>,
    pub kind: Option<OrganizationKind>,
    /// Whether members' content waits for a moderator's approval (RS6).
    pub content_requires_approval: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Clone, Debug, Default)]
pub struct OrganizationFilter {
    /// Only organizations this user is a member (or subscriber) of.
    pub member: Option<Uuid>,
    /// Admins may list pending and rejected organizations; everyone else sees active ones.
    pub status: Option<OrganizationStatus>,
}

impl Orgs {
    /// Creates an organization owned by the actor. Where the platform requires approval it
    /// waits as `PENDING` (its owner sees it; nobody else does) until an admin decides.
    pub async fn create_organization<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateOrganization,
    ) -> Result<organization::Model, Error> {
        let name = text::required("name", &input.name, 120)?;
        let slug = normalize_slug(&input.slug)?;
        let description = text::optional("description", input.description.as_deref(), 5000)?;
        let logo_url = text::optional_url("logoUrl", input.logo_url.as_deref())?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let creator = active_writer(&tx, actor).await?;
        if organization::Entity::find()
            .filter(organization::Column::Slug.eq(&slug))
            .one(&tx)
            .await?
            .is_some()
        {
            return Err(Error::SlugTaken);
        }
        let status = if self.settings.creation_requires_approval && !actor.is_admin() {
            OrganizationStatus::Pending
        } else {
            OrganizationStatus::Active
        };
        let id = agent::create(&tx, AgentKind::Organization, now).await?;
        let inserted = organization::ActiveModel {
            id: Set(id),
            slug: Set(slug),
            name: Set(name),
            description: Set(description),
            logo_url: Set(logo_url),
            kind: Set(input.kind),
            status: Set(status),
            status_reason: Set(None),
            plan: Set(Plan::Free),
            billing_status: Set(BillingStatus::Active),
            member_count: Set(0),
            subscriber_count: Set(0),
            department_count: Set(0),
            content_requires_approval: Set(false),
            created_by: Set(Some(creator)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&tx)
        .await;
        let org = match inserted {
            Ok(org) => org,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::SlugTaken);
            }
            Err(e) => return Err(e.into()),
        };
        memberships::insert(&tx, &org, creator, Role::Owner, now).await?;
        let action = if status == OrganizationStatus::Pending {
            "organization.requested"
        } else {
            "organization.created"
        };
        audit::record(
            &tx,
            actor,
            Entry::new(action).org(id).target("organization", id),
            now,
        )
        .await?;
        let org = reload(&tx, id).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn update_organization<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: UpdateOrganization,
    ) -> Result<organization::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let access = self
            .authorize_in(&tx, actor, input.id, None, Permission::ManageOrganization)
            .await?;
        let mut model: organization::ActiveModel = access.organization.into();
        if let Some(name) = &input.name {
            model.name = Set(text::required("name", name, 120)?);
        }
        if input.description.is_some() {
            model.description = Set(text::optional("description", input.description.as_deref(), 5000)?);
        }
        if input.logo_url.is_some() {
            model.logo_url = Set(text::optional_url("logoUrl", input.logo_url.as_deref())?);
        }
        if let Some(kind) = input.kind {
            model.kind = Set(kind);
        }
        if let Some(requires) = input.content_requires_approval {
            model.content_requires_approval = Set(requires);
        }
        model.updated_at = Set(now);
        let org = model.update(&tx).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("organization.updated")
                .org(org.id)
                .target("organization", org.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// A platform admin approves or rejects (with a reason) a pending organization.
    pub async fn decide_organization<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<organization::Model, Error> {
        if !actor.is_admin() {
            return Err(Error::AdminOnly);
        }
        require_write(actor)?;
        let reason = text::optional("reason", reason, 1000)?;
        if decision == Decision::Reject && reason.is_none() {
            return Err(Error::invalid("reason", "say why the organization is rejected"));
        }
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let org = reload(&tx, org_id).await?;
        let (to, action) = match decision {
            Decision::Approve => (OrganizationStatus::Active, "approved"),
            Decision::Reject => (OrganizationStatus::Rejected, "rejected"),
        };
        if org.status != OrganizationStatus::Pending {
            return Err(Error::WrongStatus {
                current: status_name(org.status),
                action,
            });
        }
        let mut model: organization::ActiveModel = org.into();
        model.status = Set(to);
        model.status_reason = Set(reason);
        model.updated_at = Set(now);
        let org = model.update(&tx).await?;
        let event = match decision {
            Decision::Approve => "organization.approved",
            Decision::Reject => "organization.rejected",
        };
        audit::record(
            &tx,
            actor,
            Entry::new(event).org(org.id).target("organization", org.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Deletes the organization with its memberships, departments and invites. Owner only.
    /// Its audit log stays, readable by platform admins.
    pub async fn delete_organization<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
    ) -> Result<(), Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        active_writer(&tx, actor).await?;
        let access = access::access_in(&tx, actor, org_id, None).await?;
        if !access.is_owner() {
            return Err(Error::OwnerOnly("delete the organization"));
        }
        audit::record(
            &tx,
            actor,
            Entry::new("organization.deleted")
                .org(org_id)
                .target("organization", org_id)
                .metadata(serde_json::json!({ "slug": access.organization.slug })),
            now,
        )
        .await?;
        // Departments are agents too; their agent rows go first, then the organization's,
        // whose deletion cascades to everything that belongs to it.
        let departments: Vec<Uuid> = crate::entity::department::Entity::find()
            .filter(crate::entity::department::Column::OrgId.eq(org_id))
            .all(&tx)
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect();
        agent::Entity::delete_many()
            .filter(agent::Column::Id.is_in(departments))
            .exec(&tx)
            .await
            .map_err(|e| crate::error::kept_records(e, "the organization"))?;
        agent::Entity::delete_by_id(org_id)
            .exec(&tx)
            .await
            .map_err(|e| crate::error::kept_records(e, "the organization"))?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes another member the owner; the old owner stays on as admin. Owner only.
    pub async fn transfer_ownership<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        new_owner: Uuid,
    ) -> Result<organization::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        active_writer(&tx, actor).await?;
        let access = access::access_in(&tx, actor, org_id, None).await?;
        let Some(current) = access.membership.filter(|m| m.role == Role::Owner) else {
            return Err(Error::OwnerOnly("transfer ownership"));
        };
        require_active(&access.organization)?;
        let target = membership::Entity::find()
            .filter(membership::Column::OrgId.eq(org_id))
            .filter(membership::Column::UserId.eq(new_owner))
            .one(&tx)
            .await?
            .ok_or_else(|| Error::invalid("newOwnerId", "the new owner must already be a member"))?;
        if target.id == current.id {
            return Err(Error::invalid("newOwnerId", "you are already the owner"));
        }
        if !target.role.is_member() {
            return Err(Error::invalid(
                "newOwnerId",
                "the new owner must be a member, not a subscriber",
            ));
        }
        // The old owner steps down first: the one-owner index never sees two.
        memberships::set_role(&tx, actor, &current, Role::Admin, now).await?;
        memberships::set_role(&tx, actor, &target, Role::Owner, now).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("organization.ownership_transferred")
                .org(org_id)
                .target("user", new_owner)
                .metadata(serde_json::json!({ "from": current.user_id, "to": new_owner })),
            now,
        )
        .await?;
        let org = reload(&tx, org_id).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Sets the plan and billing status. Platform admins only until billing (PA6) does it.
    pub async fn set_plan<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        plan: Plan,
        billing_status: BillingStatus,
    ) -> Result<organization::Model, Error> {
        if !actor.is_admin() {
            return Err(Error::AdminOnly);
        }
        require_write(actor)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let org = reload(&tx, org_id).await?;
        let mut model: organization::ActiveModel = org.into();
        model.plan = Set(plan);
        model.billing_status = Set(billing_status);
        model.updated_at = Set(now);
        let org = model.update(&tx).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("organization.plan_changed")
                .org(org_id)
                .target("organization", org_id)
                .metadata(serde_json::json!({ "plan": plan.name() })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// An organization by its address. Pending and rejected ones only for their members and
    /// platform admins.
    pub async fn organization_by_slug<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        slug: &str,
    ) -> Result<Option<organization::Model>, Error> {
        let slug = slug.trim().to_lowercase();
        let tx = tenant::read(db, actor).await?;
        let Some(org) = organization::Entity::find()
            .filter(organization::Column::Slug.eq(slug))
            .one(&tx)
            .await?
        else {
            return Ok(None);
        };
        let visible = match access::access_in(&tx, actor, org.id, None).await {
            Ok(_) => Some(org),
            Err(Error::OrganizationNotFound) => None,
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(visible)
    }

    /// Organizations by id, in one query (DataLoaders). Organizations that are not active
    /// appear only to platform admins and to the person who created them.
    pub async fn organizations_by_ids(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, organization::Model>, Error> {
        let mut query =
            organization::Entity::find().filter(organization::Column::Id.is_in(ids.iter().copied()));
        if !actor.is_admin() {
            query = query.filter(visible_to(actor));
        }
        Ok(query.all(db).await?.into_iter().map(|o| (o.id, o)).collect())
    }

    /// Organizations, newest first.
    pub async fn organizations<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        filter: OrganizationFilter,
        page: &PageRequest,
    ) -> Result<Page<organization::Model>, Error> {
        let mut query = organization::Entity::find();
        match filter.status {
            Some(status) if actor.is_admin() => query = query.filter(organization::Column::Status.eq(status)),
            Some(status) if status != OrganizationStatus::Active => return Err(Error::AdminOnly),
            _ if actor.is_admin() => {}
            _ => query = query.filter(visible_to(actor)),
        }
        if let Some(member) = filter.member {
            query = query.filter(
                organization::Column::Id.in_subquery(
                    Query::select()
                        .column(membership::Column::OrgId)
                        .from(membership::Entity)
                        .and_where(membership::Column::UserId.eq(member))
                        .to_owned(),
                ),
            );
        }
        let order = Keyset::newest_first(organization::Column::Id);
        let tx = tenant::read(db, actor).await?;
        let page = page::fetch(&tx, query, order, page, |o| Cursor::by_id(o.id)).await?;
        tx.commit().await?;
        Ok(page)
    }
}

/// Active organizations, and those the actor created (to follow their request).
fn visible_to(actor: &Actor) -> Condition {
    let mut condition = Condition::any().add(organization::Column::Status.eq(OrganizationStatus::Active));
    if let Some(id) = actor.user_id() {
        condition = condition.add(organization::Column::CreatedBy.eq(id));
    }
    condition
}

pub(crate) async fn reload(db: &impl ConnectionTrait, org_id: Uuid) -> Result<organization::Model, Error> {
    organization::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or(Error::OrganizationNotFound)
}

fn status_name(status: OrganizationStatus) -> &'static str {
    match status {
        OrganizationStatus::Pending => "pending",
        OrganizationStatus::Active => "active",
        OrganizationStatus::Rejected => "rejected",
    }
}
