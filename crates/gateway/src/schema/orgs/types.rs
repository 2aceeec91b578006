//! Organizations, memberships, departments, invites and audit events in GraphQL.

use async_graphql::connection::Connection;
use async_graphql::{ComplexObject, Context, Enum, ID, Object, SimpleObject, Union};
use commons_core::audit;
use commons_core::{AgentKind, PageRequest, Timestamp};
use commons_orgs::Permission as DomainPermission;
use commons_orgs::entity::{department, department_member, invite, membership, organization};
use commons_orgs::service::invites::ReferralStats as ReferralStatsModel;
use futures::future::BoxFuture;
use uuid::Uuid;

use super::loader::{AgentKindOf, OrgsLoader, OwnerOf, ViewerMembershipIn};
use crate::error::{GqlResult, SharedResult};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::identity::{User, load_users};
use crate::schema::node::global_id;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_orgs::Role")]
pub enum OrganizationRole {
    /// Follows the organization's public news; not a member.
    Subscriber,
    Member,
    Moderator,
    Admin,
    /// Exactly one per organization.
    Owner,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_orgs::Preset")]
pub enum DepartmentPreset {
    /// Runs the department: its members, content and reports.
    Manager,
    /// Writes and publishes the department's content.
    Creator,
    /// Reads reports and exports; writes nothing.
    Analyst,
    /// Exactly the permissions listed.
    Custom,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_orgs::OrganizationKind")]
pub enum OrganizationKind {
    Legal,
    Virtual,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_orgs::OrganizationStatus")]
pub enum OrganizationStatus {
    /// Waiting for a platform administrator's approval.
    Pending,
    Active,
    Rejected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_orgs::Plan")]
pub enum Plan {
    Free,
    Starter,
    Growth,
    Pro,
    Enterprise,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_orgs::BillingStatus")]
pub enum BillingStatus {
    Active,
    Trialing,
    /// A payment failed: the free plan's limits apply until it is paid.
    PastDue,
    Cancelled,
}

/// What a role or department preset may do (see the permission matrix in ARCHITECTURE.md).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_orgs::Permission")]
pub enum Permission {
    ManageOrganization,
    ManageBilling,
    ManageMembers,
    ManageRoles,
    ManageDepartments,
    CreateResources,
    PublishResources,
    ModerateResources,
    ViewAnalytics,
    ExportData,
    CheckIn,
    ManageSales,
    Purchase,
}

/// Whoever can own things: a person, an organization or one of its departments.
#[derive(Union, Clone)]
pub enum Owner {
    User(User),
    Organization(Organization),
    Department(Department),
}

/// The owners of `ids` that exist and are visible, in one batch per kind. Boxed, like
/// [`load_users`].
pub fn load_owners<'a>(
    ctx: &'a Context<'_>,
    ids: Vec<Uuid>,
) -> BoxFuture<'a, async_graphql::Result<Vec<Option<Owner>>>> {
    Box::pin(owners(ctx, ids))
}

async fn owners(ctx: &Context<'_>, ids: Vec<Uuid>) -> async_graphql::Result<Vec<Option<Owner>>> {
    let loader = ctx.orgs_loader();
    // People, organizations and departments share one space of ids, and most owners are
    // people who are also the page's creators: every id is asked for as a person first, in the
    // creators' batch, and only the ids that found no person have their kind read.
    let users = load_users(ctx, ids.clone()).await?;
    let rest = ids.iter().copied().filter(|id| !users.contains_key(id));
    let kinds = loader.load_many(rest.map(AgentKindOf)).await.unshared()?;
    let of_kind = |kind: AgentKind| -> Vec<Uuid> {
        ids.iter()
            .copied()
            .filter(|id| kinds.get(&AgentKindOf(*id)) == Some(&kind))
            .collect()
    };
    let (organizations, departments) = futures::try_join!(
        loader.load_many(of_kind(AgentKind::Organization)),
        loader.load_many(
            of_kind(AgentKind::Department)
                .into_iter()
                .map(super::loader::DepartmentId)
        ),
    )
    .unshared()?;
    Ok(ids
        .iter()
        .map(|id| {
            if let Some(user) = users.get(id) {
                return Some(Owner::User(user.clone()));
            }
            match kinds.get(&AgentKindOf(*id))? {
                // A person the actor may not see.
                AgentKind::User => None,
                AgentKind::Organization => organizations.get(id).cloned().map(Owner::Organization),
                AgentKind::Department => departments
                    .get(&super::loader::DepartmentId(*id))
                    .cloned()
                    .map(Owner::Department),
            }
        })
        .collect())
}

#[derive(Clone)]
pub struct Organization(pub organization::Model);

/// What the plan allows; null is unlimited.
#[derive(SimpleObject)]
pub struct PlanLimits {
    members: Option<u32>,
    departments: Option<u32>,
    resources_per_month: Option<u32>,
}

impl Organization {
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<membership::Model>> {
        ctx.orgs_loader()
            .load_one(ViewerMembershipIn(self.0.id))
            .await
            .unshared()
    }

    /// Members (and platform admins) see what is not public.
    async fn viewer_is_member(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        if ctx.caller().actor.is_admin() {
            return Ok(true);
        }
        Ok(self.viewer(ctx).await?.is_some_and(|m| m.role.is_member()))
    }
}

#[Object]
impl Organization {
    pub async fn id(&self) -> ID {
        global_id("Organization", self.0.id)
    }

    /// The address: `/o/{slug}`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn logo_url(&self) -> Option<&str> {
        self.0.logo_url.as_deref()
    }

    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }

    async fn status(&self) -> OrganizationStatus {
        self.0.status.into()
    }

    /// Why the organization was rejected. Visible to its members and platform admins.
    async fn status_reason(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(if self.viewer_is_member(ctx).await? {
            self.0.status_reason.as_deref()
        } else {
            None
        })
    }

    async fn plan(&self) -> Plan {
        self.0.plan.into()
    }

    /// Visible to members and platform admins.
    async fn billing_status(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BillingStatus>> {
        Ok(if self.viewer_is_member(ctx).await? {
            Some(self.0.billing_status.into())
        } else {
            None
        })
    }

    /// The limits in force (the free plan's while a payment is overdue).
    async fn limits(&self) -> PlanLimits {
        let limits = self.0.plan.effective_limits(self.0.billing_status);
        PlanLimits {
            members: limits.members,
            departments: limits.departments,
            resources_per_month: limits.resources_per_month,
        }
    }

    /// Members of role member and above.
    async fn member_count(&self) -> i32 {
        self.0.member_count
    }

    async fn subscriber_count(&self) -> i32 {
        self.0.subscriber_count
    }

    async fn department_count(&self) -> i32 {
        self.0.department_count
    }

    /// Members' content waits for a moderator's approval before it is published.
    async fn content_requires_approval(&self) -> bool {
        self.0.content_requires_approval
    }

    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(owner) = ctx.orgs_loader().load_one(OwnerOf(self.0.id)).await.unshared()? else {
            return Ok(None);
        };
        Ok(load_users(ctx, vec![owner]).await?.remove(&owner))
    }

    /// Your membership; null when you are neither member nor subscriber.
    async fn viewer_membership(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Membership>> {
        Ok(self.viewer(ctx).await?.map(Membership))
    }

    /// Members and subscribers, oldest first. Members only.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Membership>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .orgs
            .members(&s.db, ctx.actor()?, self.0.id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Membership))
    }

    /// Members only.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn departments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Department>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .orgs
            .departments(&s.db, ctx.actor()?, self.0.id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Department))
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

#[derive(Clone)]
pub struct Membership(pub membership::Model);

#[Object]
impl Membership {
    pub async fn id(&self) -> ID {
        global_id("Membership", self.0.id)
    }

    async fn role(&self) -> OrganizationRole {
        self.0.role.into()
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.user_id])
            .await?
            .remove(&self.0.user_id))
    }

    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        ctx.orgs_loader().load_one(self.0.org_id).await.unshared()
    }

    async fn joined_at(&self) -> Timestamp {
        self.0.created_at
    }

    async fn last_active_at(&self) -> Timestamp {
        self.0.last_active_at
    }
}

#[derive(Clone)]
pub struct Department(pub department::Model);

#[Object]
impl Department {
    pub async fn id(&self) -> ID {
        global_id("Department", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// IANA time zone name.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }

    /// Content made here waits for a moderator's approval.
    async fn requires_approval(&self) -> bool {
        self.0.requires_approval
    }

    async fn member_count(&self) -> i32 {
        self.0.member_count
    }

    /// The code people join with (`joinDepartment`). Visible to the organization's admins.
    async fn join_code(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        if ctx.caller().actor.is_admin() {
            return Ok(Some(&self.0.join_code));
        }
        let viewer = ctx
            .orgs_loader()
            .load_one(ViewerMembershipIn(self.0.org_id))
            .await
            .unshared()?;
        Ok(viewer
            .filter(|m| commons_orgs::permission::role_allows(m.role, DomainPermission::ManageDepartments))
            .map(|_| self.0.join_code.as_str()))
    }

    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        ctx.orgs_loader().load_one(self.0.org_id).await.unshared()
    }

    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, DepartmentMember>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .orgs
            .department_members(&s.db, ctx.actor()?, self.0.id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, DepartmentMember))
    }
}

pub struct DepartmentMember(pub department_member::Model);

#[Object]
impl DepartmentMember {
    pub async fn id(&self) -> ID {
        global_id("DepartmentMember", self.0.id)
    }

    async fn preset(&self) -> DepartmentPreset {
        self.0.preset.into()
    }

    /// What the preset (or the custom set) grants in this department.
    async fn permissions(&self) -> Vec<Permission> {
        let grant = self.0.grant();
        DomainPermission::ALL
            .into_iter()
            .filter(|p| grant.allows(*p))
            .map(Into::into)
            .collect()
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.user_id])
            .await?
            .remove(&self.0.user_id))
    }

    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Department>> {
        ctx.orgs_loader()
            .load_one(super::loader::DepartmentId(self.0.department_id))
            .await
            .unshared()
    }
}

/// An invite. Share `code` (as a link or QR code); it works until it expires, is revoked or
/// is used up.
pub struct Invite(pub invite::Model);

#[Object]
impl Invite {
    pub async fn id(&self) -> ID {
        global_id("Invite", self.0.id)
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn inviter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.inviter_id])
            .await?
            .remove(&self.0.inviter_id))
    }

    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        match self.0.org_id {
            Some(id) => ctx.orgs_loader().load_one(id).await.unshared(),
            None => Ok(None),
        }
    }

    async fn role(&self) -> Option<OrganizationRole> {
        self.0.role.map(Into::into)
    }

    /// Only this email may accept.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    async fn expires_at(&self) -> Option<Timestamp> {
        self.0.expires_at
    }

    async fn max_uses(&self) -> Option<i32> {
        self.0.max_uses
    }

    async fn uses(&self) -> i32 {
        self.0.uses
    }

    async fn revoked_at(&self) -> Option<Timestamp> {
        self.0.revoked_at
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

/// What your invites brought.
#[derive(SimpleObject)]
pub struct ReferralStats {
    pub invites_sent: u64,
    /// By new and existing accounts.
    pub accepted: u64,
    /// Accounts created with your invites.
    pub signups: u64,
    pub bonus_earned: i64,
}

impl From<ReferralStatsModel> for ReferralStats {
    fn from(s: ReferralStatsModel) -> Self {
        ReferralStats {
            invites_sent: s.invites_sent,
            accepted: s.accepted,
            signups: s.signups,
            bonus_earned: s.bonus_earned,
        }
    }
}

/// One entry of an organization's audit log.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuditEvent {
    #[graphql(skip)]
    pub model: audit::Model,
    /// Dotted, past tense: `member.role_changed`.
    pub action: String,
    pub target_type: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub created_at: Timestamp,
}

impl From<audit::Model> for AuditEvent {
    fn from(model: audit::Model) -> Self {
        AuditEvent {
            action: model.action.clone(),
            target_type: model.target_type.clone(),
            metadata: model.metadata.clone(),
            created_at: model.created_at,
            model,
        }
    }
}

#[ComplexObject]
impl AuditEvent {
    pub async fn id(&self) -> ID {
        global_id("AuditEvent", self.model.id)
    }

    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.model.actor_id {
            Some(id) => Ok(load_users(ctx, vec![id]).await?.remove(&id)),
            None => Ok(None),
        }
    }

    /// The person, organization or department acted on, when it was one of those.
    async fn target(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        match self.model.target_id {
            Some(id) => Ok(load_owners(ctx, vec![id]).await?.pop().flatten()),
            None => Ok(None),
        }
    }
}

trait OrgsLoaderExt {
    fn orgs_loader(&self) -> &crate::schema::loaders::RequestLoader<OrgsLoader>;
}

impl OrgsLoaderExt for Context<'_> {
    fn orgs_loader(&self) -> &crate::schema::loaders::RequestLoader<OrgsLoader> {
        self.data_unchecked()
    }
}
