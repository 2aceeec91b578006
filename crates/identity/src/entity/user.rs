use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Whether an account may act (ID6). Pending and rejected accounts may sign in to see their
/// state; blocked accounts may not sign in and their tokens stop working at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum UserStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "blocked")]
    Blocked,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PlatformRole {
    #[sea_orm(string_value = "user")]
    User,
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl From<PlatformRole> for commons_core::PlatformRole {
    fn from(role: PlatformRole) -> Self {
        match role {
            PlatformRole::User => commons_core::PlatformRole::User,
            PlatformRole::Admin => commons_core::PlatformRole::Admin,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Normalised: trimmed and lower-cased.
    #[sea_orm(unique)]
    pub email: String,
    /// Normalised: lower-cased.
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    pub locale: Option<String>,
    pub account_kind: String,
    pub platform_role: PlatformRole,
    pub status: UserStatus,
    pub status_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub password_changed_at: Timestamp,
}

/// A user as the platform shows them: every column but the password hash, which only signing
/// in and changing the password read. The reads behind GraphQL's `User` return this, so the
/// hash is neither read to print a username nor held anywhere a resolver could show it.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Profile {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    pub locale: Option<String>,
    pub account_kind: String,
    pub platform_role: PlatformRole,
    pub status: UserStatus,
    pub status_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub password_changed_at: Timestamp,
}

// Read by position where feeds read people (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Profile {
    id,
    email,
    username,
    display_name: Option,
    avatar_url: Option,
    bio: Option,
    locale: Option,
    account_kind,
    platform_role,
    status,
    status_reason: Option,
    created_at,
    updated_at,
    password_changed_at,
});

impl From<Model> for Profile {
    fn from(user: Model) -> Self {
        Profile {
            id: user.id,
            email: user.email,
            username: user.username,
            display_name: user.display_name,
            avatar_url: user.avatar_url,
            bio: user.bio,
            locale: user.locale,
            account_kind: user.account_kind,
            platform_role: user.platform_role,
            status: user.status,
            status_reason: user.status_reason,
            created_at: user.created_at,
            updated_at: user.updated_at,
            password_changed_at: user.password_changed_at,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
