//! Agents: who can own things. Users, organizations and departments each have a row in
//! `agents`, and their own row shares that id. Every owner/seller/customer column is a
//! foreign key to `agents.id`, so a new agent kind touches no other table.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use crate::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AgentKind {
    #[sea_orm(string_value = "user")]
    User,
    #[sea_orm(string_value = "organization")]
    Organization,
    #[sea_orm(string_value = "department")]
    Department,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: AgentKind,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Inserts the agent row that a new user, organization or department will share its id with.
pub async fn create(db: &impl ConnectionTrait, kind: AgentKind, now: Timestamp) -> Result<Uuid, DbErr> {
    let id = crate::id::new();
    ActiveModel {
        id: Set(id),
        kind: Set(kind),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// The kind of each of `ids` that exists, in one query. Kinds are public: they say only which
/// table an owner lives in.
pub async fn kinds(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, AgentKind>, DbErr> {
    Ok(Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.kind))
        .collect())
}
