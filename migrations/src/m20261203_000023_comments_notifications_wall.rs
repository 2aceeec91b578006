//! Row level security for comments and notifications (issue 15, 7): a comment is there for
//! whoever sees its resource (the `resources` policy decides), a notification for the person
//! it tells alone. The outbox handler writes notifications as the system.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::util::{drop_row_policies, row_policies};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        row_policies(
            db,
            "comments",
            "EXISTS (SELECT 1 FROM resources r WHERE r.id = resource_id)",
        )
        .await?;
        row_policies(
            db,
            "notifications",
            "user_id = (SELECT commons_actor()) OR (SELECT commons_is_admin())",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        for table in ["comments", "notifications"] {
            drop_row_policies(manager.get_connection(), table).await?;
        }
        Ok(())
    }
}
