use async_graphql::{Context, ID, InputObject, Object};
use commons_core::ErrorCode;
use commons_identity::service::accounts::{ChangePassword, Register, UpdateProfile};
use commons_identity::service::admin::Decision;
use commons_identity::service::sessions::Login;
use commons_identity::service::visitors::Visit;
use uuid::Uuid;

use super::types::{AuthPayload, User, Visitor};
use crate::error::{GqlResult, coded};
use crate::ratelimit::IpRateLimiter;
use crate::schema::context::ContextExt;
use crate::schema::node::expect_id;

#[derive(Default)]
pub struct IdentityMutation;

#[derive(InputObject)]
pub struct VisitInput {
    /// The id from an earlier `recordVisit`, if the client kept one.
    visitor_id: Option<ID>,
    locale: Option<String>,
    referrer: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    utm_term: Option<String>,
    utm_content: Option<String>,
}

#[derive(InputObject)]
pub struct RegisterInput {
    email: String,
    username: String,
    password: String,
    /// One of the platform's account kinds (by default `person`; `organizer` waits for approval).
    account_kind: Option<String>,
    display_name: Option<String>,
    locale: Option<String>,
    /// The id `recordVisit` returned, to link the visits to the new account.
    visitor_id: Option<ID>,
    /// An invite's code: accepted in the same transaction, or no account is made.
    invite_code: Option<String>,
}

#[derive(InputObject)]
pub struct LoginInput {
    email: String,
    password: String,
}

#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// Omit a field to keep it; send an empty string to clear it.
    display_name: Option<String>,
    avatar_url: Option<String>,
    bio: Option<String>,
    locale: Option<String>,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    current_password: String,
    new_password: String,
}

#[derive(InputObject)]
pub struct AccountDecisionInput {
    user_id: ID,
    /// Required to reject; shown to the user.
    reason: Option<String>,
}

/// A visitor id as sent back by a client: the plain UUID `recordVisit` returned.
fn visitor_id(id: Option<ID>) -> async_graphql::Result<Option<Uuid>> {
    id.map(|id| {
        id.parse::<Uuid>().map_err(|_| {
            coded(
                ErrorCode::BadUserInput,
                "visitorId is not an id recordVisit returned",
            )
        })
    })
    .transpose()
}

/// Refuses the caller's IP when it has used up its sign-in attempts.
fn rate_limit(ctx: &Context<'_>) -> async_graphql::Result<()> {
    limited_by(ctx, &ctx.services().auth_limiter)
}

/// Refuses the caller's IP when it has used up what `limiter` allows.
fn limited_by(ctx: &Context<'_>, limiter: &IpRateLimiter) -> async_graphql::Result<()> {
    limiter.check(ctx.caller().client.ip).map_err(|wait| {
        use async_graphql::ErrorExtensions;
        coded(
            ErrorCode::RateLimited,
            format!("too many attempts; try again in {wait} s"),
        )
        .extend_with(|_, ext| ext.set("retryAfterSeconds", wait))
    })
}

#[Object]
impl IdentityMutation {
    /// Records an anonymous visit and returns the visitor, whose id the client keeps.
    async fn record_visit(&self, ctx: &Context<'_>, input: VisitInput) -> async_graphql::Result<Visitor> {
        let s = ctx.services();
        limited_by(ctx, &s.visit_limiter)?;
        let visit = Visit {
            visitor_id: visitor_id(input.visitor_id)?,
            locale: input.locale,
            referrer: input.referrer,
            utm_source: input.utm_source,
            utm_medium: input.utm_medium,
            utm_campaign: input.utm_campaign,
            utm_term: input.utm_term,
            utm_content: input.utm_content,
            client: ctx.caller().client.clone(),
        };
        Ok(Visitor(s.identity.record_visit(&s.db, visit).await.gql()?))
    }

    /// Creates an account and signs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> async_graphql::Result<AuthPayload> {
        rate_limit(ctx)?;
        let s = ctx.services();
        let register = Register {
            email: input.email,
            username: input.username,
            password: input.password,
            account_kind: input.account_kind,
            display_name: input.display_name,
            locale: input.locale,
            visitor_id: visitor_id(input.visitor_id)?,
            client: ctx.caller().client.clone(),
        };
        let session = match input
            .invite_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => s.orgs.register_with_invite(&s.db, register, code).await.gql()?.0,
            None => s
                .identity
                .register(&s.db, &ctx.caller().actor, register)
                .await
                .gql()?,
        };
        Ok(session.into())
    }

    /// Signs in with email and password.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> async_graphql::Result<AuthPayload> {
        rate_limit(ctx)?;
        let s = ctx.services();
        let login = Login {
            email: input.email,
            password: input.password,
            client: ctx.caller().client.clone(),
        };
        Ok(s.identity
            .login(&s.db, &ctx.caller().actor, login)
            .await
            .gql()?
            .into())
    }

    /// Trades a refresh token for a new access token and refresh token. Each refresh token
    /// works once; using one twice ends its session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<AuthPayload> {
        let s = ctx.services();
        Ok(s.identity.refresh(&s.db, &refresh_token).await.gql()?.into())
    }

    /// Ends this session.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let s = ctx.services();
        s.identity.logout(&s.db, ctx.actor()?).await.gql()?;
        Ok(true)
    }

    /// Ends every session of the signed-in user, on every device.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let s = ctx.services();
        s.identity.logout_everywhere(&s.db, ctx.actor()?).await.gql()?;
        Ok(true)
    }

    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<User> {
        let s = ctx.services();
        let update = UpdateProfile {
            display_name: input.display_name,
            avatar_url: input.avatar_url,
            bio: input.bio,
            locale: input.locale,
        };
        Ok(User::from(
            s.identity
                .update_profile(&s.db, ctx.actor()?, update)
                .await
                .gql()?,
        ))
    }

    /// Changes the password; every other session of the user ends.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<User> {
        let s = ctx.services();
        let change = ChangePassword {
            current_password: input.current_password,
            new_password: input.new_password,
        };
        Ok(User::from(
            s.identity
                .change_password(&s.db, ctx.actor()?, change)
                .await
                .gql()?,
        ))
    }

    /// Admins: blocks an account; its sessions end at once.
    async fn block_user(
        &self,
        ctx: &Context<'_>,
        input: AccountDecisionInput,
    ) -> async_graphql::Result<User> {
        decide(ctx, input, Decision::Block).await
    }

    /// Admins: lifts a block.
    async fn unblock_user(
        &self,
        ctx: &Context<'_>,
        input: AccountDecisionInput,
    ) -> async_graphql::Result<User> {
        decide(ctx, input, Decision::Unblock).await
    }

    /// Admins: approves a pending (or rejected) account.
    async fn approve_user(
        &self,
        ctx: &Context<'_>,
        input: AccountDecisionInput,
    ) -> async_graphql::Result<User> {
        decide(ctx, input, Decision::Approve).await
    }

    /// Admins: rejects a pending account, with a reason the user sees.
    async fn reject_user(
        &self,
        ctx: &Context<'_>,
        input: AccountDecisionInput,
    ) -> async_graphql::Result<User> {
        decide(ctx, input, Decision::Reject).await
    }
}

async fn decide(
    ctx: &Context<'_>,
    input: AccountDecisionInput,
    decision: Decision,
) -> async_graphql::Result<User> {
    let s = ctx.services();
    let user_id = expect_id(&input.user_id, "User", "userId")?;
    let user = s
        .identity
        .decide(&s.db, ctx.actor()?, user_id, decision, input.reason.as_deref())
        .await
        .gql()?;
    Ok(User::from(user))
}
