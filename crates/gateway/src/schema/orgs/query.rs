use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use commons_core::{PageRequest, Timestamp};
use commons_orgs::service::audit_log::AuditFilter as DomainAuditFilter;
use commons_orgs::service::organizations::OrganizationFilter;

use super::types::{
    AuditEvent, Invite, Membership, Organization, OrganizationStatus, Permission, ReferralStats,
};
use crate::error::GqlResult;
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::node::expect_id;

#[derive(Default)]
pub struct OrgsQuery;

#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// An exact action (`member.role_changed`) or a prefix ending in `.` (`member.`).
    action: Option<String>,
    actor_id: Option<ID>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    /// Also the current members' sign-ins, sign-outs and API key changes.
    #[graphql(default)]
    include_account_events: bool,
}

#[Object]
impl OrgsQuery {
    /// An organization by its address; null when there is none you may see.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Option<Organization>> {
        let s = ctx.services();
        Ok(s.orgs
            .organization_by_slug(&s.db, ctx.actor()?, &slug)
            .await
            .gql()?
            .map(Organization))
    }

    /// Organizations, newest first. `status` other than ACTIVE (the approval queue) is for
    /// platform admins.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<OrganizationStatus>,
    ) -> async_graphql::Result<Connection<String, Organization>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let filter = OrganizationFilter {
            member: None,
            status: status.map(Into::into),
        };
        let found = s
            .orgs
            .organizations(&s.db, ctx.actor()?, filter, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Organization))
    }

    /// Your memberships and subscriptions, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Membership>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s.orgs.my_memberships(&s.db, ctx.actor()?, &page).await.gql()?;
        Ok(connection(&page, found, Membership))
    }

    /// Invites still usable: yours, or with `organizationId` the organization's (for those who
    /// manage its members). Newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn pending_invites(
        &self,
        ctx: &Context<'_>,
        organization_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Invite>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let org_id = organization_id
            .map(|id| expect_id(&id, "Organization", "organizationId"))
            .transpose()?;
        let found = s
            .orgs
            .pending_invites(&s.db, ctx.actor()?, org_id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Invite))
    }

    /// What your role in the organization (and your preset in `departmentId`) lets you do.
    async fn my_permissions(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        department_id: Option<ID>,
    ) -> async_graphql::Result<Vec<Permission>> {
        let s = ctx.services();
        let org_id = expect_id(&organization_id, "Organization", "organizationId")?;
        let department_id = department_id
            .map(|id| expect_id(&id, "Department", "departmentId"))
            .transpose()?;
        let granted = s
            .orgs
            .permissions(&s.db, ctx.actor()?, org_id, department_id)
            .await
            .gql()?;
        Ok(granted.into_iter().map(Into::into).collect())
    }

    /// Your own account events (sign-ins, sign-outs, API keys, bots), newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn account_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEvent>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .identity
            .account_events(&s.db, ctx.actor()?, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, AuditEvent::from))
    }

    /// What your invites brought.
    async fn referral_stats(&self, ctx: &Context<'_>) -> async_graphql::Result<ReferralStats> {
        let s = ctx.services();
        Ok(s.orgs.referral_stats(&s.db, ctx.actor()?).await.gql()?.into())
    }

    /// The organization's audit log, newest first. Its owner and admins only.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditFilter>,
    ) -> async_graphql::Result<Connection<String, AuditEvent>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let org_id = expect_id(&organization_id, "Organization", "organizationId")?;
        let filter = filter.unwrap_or_default();
        let filter = DomainAuditFilter {
            action: filter.action,
            actor_id: filter
                .actor_id
                .map(|id| expect_id(&id, "User", "filter.actorId"))
                .transpose()?,
            since: filter.since,
            until: filter.until,
            include_account_events: filter.include_account_events,
        };
        let found = s
            .orgs
            .audit_log(&s.db, ctx.actor()?, org_id, filter, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, AuditEvent::from))
    }
}
