use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

use crate::permission::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// 128 random bits, base64url. Kept readable so the inviter can share the link again from
    /// the pending list; it grants only what the invite says.
    #[sea_orm(unique)]
    pub code: String,
    pub inviter_id: Uuid,
    pub org_id: Option<Uuid>,
    /// The role the invitee gets in `org_id`.
    pub role: Option<Role>,
    /// Only this (normalised) email may accept.
    pub email: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub revoked_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
