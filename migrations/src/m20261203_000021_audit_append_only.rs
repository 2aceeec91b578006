//! The audit log is append-only in the database (issue 15, 7): the application role may add
//! entries and read them, never change or delete one, so an entry stands even against a
//! query that slips past the services. (Like the ledger's lines and entries.)

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::m20261125_000005_tenant_isolation::APP_ROLE;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(&format!("REVOKE UPDATE, DELETE ON audit_events FROM {APP_ROLE};"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(&format!("GRANT UPDATE, DELETE ON audit_events TO {APP_ROLE};"))
            .await?;
        Ok(())
    }
}
