use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

use crate::permission::{DepartmentGrant, Permission, Preset};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "department_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub department_id: Uuid,
    /// The department's organization, for tenant isolation.
    pub org_id: Uuid,
    pub user_id: Uuid,
    pub preset: Preset,
    /// For the custom preset: permission names, comma-separated.
    pub permissions: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Model {
    pub fn grant(&self) -> DepartmentGrant {
        DepartmentGrant {
            preset: self.preset,
            custom: self
                .permissions
                .split(',')
                .filter_map(Permission::parse)
                .collect(),
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
