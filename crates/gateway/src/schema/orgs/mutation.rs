use async_graphql::{Context, ID, InputObject, Object};
use commons_core::Timestamp;
use commons_orgs::service::departments::{AddDepartmentMember, CreateDepartment, UpdateDepartment};
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::memberships::ChangeRole;
use commons_orgs::service::organizations::{CreateOrganization, Decision, UpdateOrganization};

use super::types::{
    BillingStatus, Department, DepartmentMember, DepartmentPreset, Invite, Membership, Organization,
    OrganizationKind, OrganizationRole, Permission, Plan,
};
use crate::error::GqlResult;
use crate::schema::context::ContextExt;
use crate::schema::idempotency;
use crate::schema::node::expect_id;
use crate::schema::orgs::{Owner, load_owners};

#[derive(Default)]
pub struct OrgsMutation;

#[derive(InputObject)]
pub struct CreateOrganizationInput {
    name: String,
    /// The address: 3 to 64 of a–z, 0–9 and -.
    slug: String,
    description: Option<String>,
    logo_url: Option<String>,
    #[graphql(default_with = "OrganizationKind::Virtual")]
    kind: OrganizationKind,
}

#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    organization_id: ID,
    /// Omit a field to keep it; send an empty string to clear an optional one.
    name: Option<String>,
    description: Option<String>,
    logo_url: Option<String>,
    kind: Option<OrganizationKind>,
    /// Members' content waits for a moderator's approval before it is published.
    content_requires_approval: Option<bool>,
}

#[derive(InputObject)]
pub struct OrganizationDecisionInput {
    organization_id: ID,
    /// Required to reject; shown to the organization.
    reason: Option<String>,
}

#[derive(InputObject)]
pub struct SetOrganizationPlanInput {
    organization_id: ID,
    plan: Plan,
    #[graphql(default_with = "BillingStatus::Active")]
    billing_status: BillingStatus,
}

#[derive(InputObject)]
pub struct ChangeMemberRoleInput {
    membership_id: ID,
    role: OrganizationRole,
}

#[derive(InputObject)]
pub struct TransferOwnershipInput {
    organization_id: ID,
    /// A member (not a subscriber) of the organization.
    new_owner_id: ID,
}

#[derive(InputObject)]
pub struct CreateDepartmentInput {
    organization_id: ID,
    name: String,
    description: Option<String>,
    /// IANA name such as `Europe/Saratov`; UTC when omitted.
    timezone: Option<String>,
    #[graphql(default)]
    requires_approval: bool,
}

#[derive(InputObject)]
pub struct UpdateDepartmentInput {
    department_id: ID,
    name: Option<String>,
    description: Option<String>,
    timezone: Option<String>,
    requires_approval: Option<bool>,
}

#[derive(InputObject)]
pub struct AddDepartmentMemberInput {
    department_id: ID,
    user_id: ID,
    preset: DepartmentPreset,
    /// With the CUSTOM preset only: what it grants.
    #[graphql(default)]
    permissions: Vec<Permission>,
}

#[derive(InputObject)]
pub struct CreateInviteInput {
    /// Invite into this organization; omit for a plain referral to the platform.
    organization_id: Option<ID>,
    /// The role the invitee gets; MEMBER when omitted.
    role: Option<OrganizationRole>,
    #[graphql(default)]
    department_ids: Vec<ID>,
    /// Only this email may accept.
    email: Option<String>,
    expires_at: Option<Timestamp>,
    max_uses: Option<i32>,
}

fn org_id(id: &ID, field: &str) -> async_graphql::Result<uuid::Uuid> {
    expect_id(id, "Organization", field)
}

#[Object]
impl OrgsMutation {
    /// Creates an organization you own. Where the platform requires approval it waits as
    /// PENDING until an administrator decides.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Organization> {
        let s = ctx.services();
        let create = CreateOrganization {
            name: input.name,
            slug: input.slug,
            description: input.description,
            logo_url: input.logo_url,
            kind: input.kind.into(),
        };
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| match load_owners(ctx, vec![id]).await?.pop().flatten() {
                Some(Owner::Organization(org)) => Ok(Some(org)),
                _ => Ok(None),
            },
            async |db| {
                Ok(Organization(
                    s.orgs.create_organization(db, ctx.actor()?, create).await.gql()?,
                ))
            },
            |created| created.0.id,
        )
        .await
    }

    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> async_graphql::Result<Organization> {
        let s = ctx.services();
        let update = UpdateOrganization {
            id: org_id(&input.organization_id, "organizationId")?,
            name: input.name,
            description: input.description,
            logo_url: input.logo_url,
            kind: input.kind.map(Into::into),
            content_requires_approval: input.content_requires_approval,
        };
        Ok(Organization(
            s.orgs
                .update_organization(&s.db, ctx.actor()?, update)
                .await
                .gql()?,
        ))
    }

    /// Platform admins approve a pending organization.
    async fn approve_organization(
        &self,
        ctx: &Context<'_>,
        input: OrganizationDecisionInput,
    ) -> async_graphql::Result<Organization> {
        decide(ctx, input, Decision::Approve).await
    }

    /// Platform admins reject a pending organization, with a reason.
    async fn reject_organization(
        &self,
        ctx: &Context<'_>,
        input: OrganizationDecisionInput,
    ) -> async_graphql::Result<Organization> {
        decide(ctx, input, Decision::Reject).await
    }

    /// Deletes the organization with its memberships, departments and invites. Owner only.
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = org_id(&organization_id, "organizationId")?;
        s.orgs.delete_organization(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(true)
    }

    /// Platform admins set an organization's plan and billing status.
    async fn set_organization_plan(
        &self,
        ctx: &Context<'_>,
        input: SetOrganizationPlanInput,
    ) -> async_graphql::Result<Organization> {
        let s = ctx.services();
        let id = org_id(&input.organization_id, "organizationId")?;
        Ok(Organization(
            s.orgs
                .set_plan(
                    &s.db,
                    ctx.actor()?,
                    id,
                    input.plan.into(),
                    input.billing_status.into(),
                )
                .await
                .gql()?,
        ))
    }

    /// Makes another member the owner; you stay on as admin. Owner only.
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        input: TransferOwnershipInput,
    ) -> async_graphql::Result<Organization> {
        let s = ctx.services();
        let id = org_id(&input.organization_id, "organizationId")?;
        let new_owner = expect_id(&input.new_owner_id, "User", "newOwnerId")?;
        Ok(Organization(
            s.orgs
                .transfer_ownership(&s.db, ctx.actor()?, id, new_owner)
                .await
                .gql()?,
        ))
    }

    /// Follows an organization's public news.
    async fn subscribe_to_organization(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> async_graphql::Result<Membership> {
        let s = ctx.services();
        let id = org_id(&organization_id, "organizationId")?;
        Ok(Membership(s.orgs.subscribe(&s.db, ctx.actor()?, id).await.gql()?))
    }

    /// Leaves an organization and its departments. The owner transfers ownership first.
    async fn leave_organization(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = org_id(&organization_id, "organizationId")?;
        s.orgs.leave(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(true)
    }

    /// Changes a member's role, up to one below your own.
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        input: ChangeMemberRoleInput,
    ) -> async_graphql::Result<Membership> {
        let s = ctx.services();
        let change = ChangeRole {
            membership_id: expect_id(&input.membership_id, "Membership", "membershipId")?,
            role: input.role.into(),
        };
        Ok(Membership(
            s.orgs
                .change_member_role(&s.db, ctx.actor()?, change)
                .await
                .gql()?,
        ))
    }

    /// Removes someone you outrank from the organization.
    async fn remove_member(&self, ctx: &Context<'_>, membership_id: ID) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = expect_id(&membership_id, "Membership", "membershipId")?;
        s.orgs.remove_member(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(true)
    }

    async fn create_department(
        &self,
        ctx: &Context<'_>,
        input: CreateDepartmentInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Department> {
        let s = ctx.services();
        let create = CreateDepartment {
            org_id: org_id(&input.organization_id, "organizationId")?,
            name: input.name,
            description: input.description,
            timezone: input.timezone,
            requires_approval: input.requires_approval,
        };
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| match load_owners(ctx, vec![id]).await?.pop().flatten() {
                Some(Owner::Department(department)) => Ok(Some(department)),
                _ => Ok(None),
            },
            async |db| {
                Ok(Department(
                    s.orgs.create_department(db, ctx.actor()?, create).await.gql()?,
                ))
            },
            |created| created.0.id,
        )
        .await
    }

    async fn update_department(
        &self,
        ctx: &Context<'_>,
        input: UpdateDepartmentInput,
    ) -> async_graphql::Result<Department> {
        let s = ctx.services();
        let update = UpdateDepartment {
            id: expect_id(&input.department_id, "Department", "departmentId")?,
            name: input.name,
            description: input.description,
            timezone: input.timezone,
            requires_approval: input.requires_approval,
        };
        Ok(Department(
            s.orgs
                .update_department(&s.db, ctx.actor()?, update)
                .await
                .gql()?,
        ))
    }

    /// Adds a member of the organization to a department with a preset or custom permissions.
    async fn add_department_member(
        &self,
        ctx: &Context<'_>,
        input: AddDepartmentMemberInput,
    ) -> async_graphql::Result<DepartmentMember> {
        let s = ctx.services();
        let add = AddDepartmentMember {
            department_id: expect_id(&input.department_id, "Department", "departmentId")?,
            user_id: expect_id(&input.user_id, "User", "userId")?,
            preset: input.preset.into(),
            permissions: input
                .permissions
                .into_iter()
                .map(|p| commons_orgs::Permission::from(p).name().to_owned())
                .collect(),
        };
        Ok(DepartmentMember(
            s.orgs
                .add_department_member(&s.db, ctx.actor()?, add)
                .await
                .gql()?,
        ))
    }

    /// Takes someone out of a department (or yourself).
    async fn remove_department_member(
        &self,
        ctx: &Context<'_>,
        department_member_id: ID,
    ) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = expect_id(&department_member_id, "DepartmentMember", "departmentMemberId")?;
        s.orgs
            .remove_department_member(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        Ok(true)
    }

    /// Deletes a department and its memberships.
    async fn delete_department(&self, ctx: &Context<'_>, department_id: ID) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = expect_id(&department_id, "Department", "departmentId")?;
        s.orgs.delete_department(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(true)
    }

    /// Joins a department with its code (and its organization, as a member, if need be).
    async fn join_department(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<DepartmentMember> {
        let s = ctx.services();
        Ok(DepartmentMember(
            s.orgs.join_department(&s.db, ctx.actor()?, &code).await.gql()?,
        ))
    }

    /// Creates an invite to share. Into an organization it needs the manage_members
    /// permission and gives at most a role below your own.
    async fn create_invite(
        &self,
        ctx: &Context<'_>,
        input: CreateInviteInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Invite> {
        let s = ctx.services();
        let create = CreateInvite {
            org_id: input
                .organization_id
                .map(|id| org_id(&id, "organizationId"))
                .transpose()?,
            role: input.role.map(Into::into),
            department_ids: input
                .department_ids
                .iter()
                .map(|id| expect_id(id, "Department", "departmentIds"))
                .collect::<async_graphql::Result<_>>()?,
            email: input.email,
            expires_at: input.expires_at,
            max_uses: input.max_uses,
        };
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| Ok(Some(Invite(s.orgs.invite(&s.db, ctx.actor()?, id).await.gql()?))),
            async |db| {
                Ok(Invite(
                    s.orgs.create_invite(db, ctx.actor()?, create).await.gql()?,
                ))
            },
            |invite| invite.0.id,
        )
        .await
    }

    /// Revokes an invite you made (or one of an organization whose members you manage).
    async fn revoke_invite(&self, ctx: &Context<'_>, invite_id: ID) -> async_graphql::Result<Invite> {
        let s = ctx.services();
        let id = expect_id(&invite_id, "Invite", "inviteId")?;
        Ok(Invite(s.orgs.revoke_invite(&s.db, ctx.actor()?, id).await.gql()?))
    }

    /// Accepts an invite as the signed-in user (new accounts pass `inviteCode` to `register`).
    async fn accept_invite(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Invite> {
        let s = ctx.services();
        Ok(Invite(
            s.orgs
                .accept_invite(&s.db, ctx.actor()?, &code)
                .await
                .gql()?
                .invite,
        ))
    }
}

async fn decide(
    ctx: &Context<'_>,
    input: OrganizationDecisionInput,
    decision: Decision,
) -> async_graphql::Result<Organization> {
    let s = ctx.services();
    let id = org_id(&input.organization_id, "organizationId")?;
    Ok(Organization(
        s.orgs
            .decide_organization(&s.db, ctx.actor()?, id, decision, input.reason.as_deref())
            .await
            .gql()?,
    ))
}
