use sea_orm::entity::prelude::*;

/// A department an invite's acceptor joins (with the creator preset).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invite_departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub invite_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
