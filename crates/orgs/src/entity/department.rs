use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "departments")]
pub struct Model {
    /// Shares its id with the department's row in `agents`: departments own resources.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// IANA name, such as `Asia/Almaty`.
    pub timezone: String,
    /// Content created in the department waits for a moderator's approval (RS6).
    pub requires_approval: bool,
    /// Whoever has it may join (and becomes a member of the organization).
    #[sea_orm(unique)]
    pub join_code: String,
    pub member_count: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
