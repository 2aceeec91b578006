use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use commons_core::Timestamp;
use commons_identity::entity::{user, visitor};
use commons_identity::service::sessions::AuthSession;
use commons_identity::service::users::may_see_private_fields;

use crate::schema::context::ContextExt;
use crate::schema::node::global_id;

/// A person (or, later, a bot) with an account.
#[derive(Clone)]
pub struct User {
    pub model: user::Profile,
    /// Shown to the user it is: set where the caller has just signed in as this user (the
    /// request itself was anonymous).
    pub as_self: bool,
}

impl From<user::Profile> for User {
    fn from(model: user::Profile) -> Self {
        User {
            model,
            as_self: false,
        }
    }
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        User::from(user::Profile::from(model))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_identity::UserStatus")]
pub enum UserStatus {
    /// Waiting for an administrator to approve the account.
    Pending,
    Active,
    /// Not approved; `statusReason` says why.
    Rejected,
    /// Blocked by an administrator: cannot sign in.
    Blocked,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_identity::PlatformRole")]
pub enum PlatformRole {
    User,
    Admin,
}

impl User {
    /// Private fields are shown to the user and to admins only; null for everyone else.
    fn private<T>(&self, ctx: &Context<'_>, value: T) -> Option<T> {
        let actor = &ctx.caller().actor;
        (self.as_self || may_see_private_fields(actor, self.model.id)).then_some(value)
    }
}

#[Object]
impl User {
    pub async fn id(&self) -> ID {
        global_id("User", self.model.id)
    }

    async fn username(&self) -> &str {
        &self.model.username
    }

    async fn display_name(&self) -> Option<&str> {
        self.model.display_name.as_deref()
    }

    async fn avatar_url(&self) -> Option<&str> {
        self.model.avatar_url.as_deref()
    }

    async fn bio(&self) -> Option<&str> {
        self.model.bio.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.model.created_at
    }

    /// Bots are marked for everyone: people should know when they deal with one.
    async fn is_bot(&self) -> bool {
        self.model.account_kind == commons_identity::service::api_keys::BOT_KIND
    }

    /// Visible to the user and to admins.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, self.model.email.as_str())
    }

    /// Visible to the user and to admins.
    async fn locale(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, self.model.locale.as_deref()).flatten()
    }

    /// Visible to the user and to admins.
    async fn account_kind(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, self.model.account_kind.as_str())
    }

    /// Visible to the user and to admins.
    async fn status(&self, ctx: &Context<'_>) -> Option<UserStatus> {
        self.private(ctx, self.model.status.into())
    }

    /// Why the account was rejected or blocked. Visible to the user and to admins.
    async fn status_reason(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, self.model.status_reason.as_deref()).flatten()
    }

    /// Visible to the user and to admins.
    async fn platform_role(&self, ctx: &Context<'_>) -> Option<PlatformRole> {
        self.private(ctx, self.model.platform_role.into())
    }
}

/// An anonymous visitor. Keep `id` and send it back as `visitorId` on later visits and at
/// registration.
pub struct Visitor(pub visitor::Model);

#[Object]
impl Visitor {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn visit_count(&self) -> i64 {
        self.0.visit_count
    }

    async fn first_seen_at(&self) -> Timestamp {
        self.0.first_seen_at
    }

    async fn last_seen_at(&self) -> Timestamp {
        self.0.last_seen_at
    }
}

/// A signed-in session: a short-lived access token to send as `Authorization: Bearer`, and a
/// refresh token to trade for a new pair (each refresh token works once).
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub access_token_expires_at: Timestamp,
    pub refresh_token: String,
    pub refresh_token_expires_at: Timestamp,
    pub user: User,
}

impl From<AuthSession> for AuthPayload {
    fn from(s: AuthSession) -> Self {
        AuthPayload {
            access_token: s.access_token,
            access_token_expires_at: s.access_expires_at,
            refresh_token: s.refresh_token,
            refresh_token_expires_at: s.refresh_expires_at,
            user: User {
                model: s.user.into(),
                as_self: true,
            },
        }
    }
}
