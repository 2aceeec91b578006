use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Which push service a device token belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PushPlatform {
    #[sea_orm(string_value = "apns")]
    Apns,
    #[sea_orm(string_value = "fcm")]
    Fcm,
    #[sea_orm(string_value = "web_push")]
    WebPush,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub platform: PushPlatform,
    pub token: String,
    /// Hex SHA-256 of the token, unique: a device belongs to whoever registered it last.
    pub token_hash: String,
    /// When it was (last) registered.
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
