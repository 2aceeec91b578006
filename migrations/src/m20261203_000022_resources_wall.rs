//! Row level security as a real second wall for resources (issue 15, 7): with no actor, or
//! as anyone but its owner or creator, a person's draft, archived or non-public resource is
//! not there, as the services already decide; and the kind tables (and tags) follow their
//! resource, so a query past the services cannot read a hidden resource's fields either.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::util::{drop_row_policies, row_policies};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows belong to one resource (`resource_id`).
const OF_A_RESOURCE: [&str; 8] = [
    "blogposts",
    "pages",
    "events",
    "photos",
    "products",
    "spots",
    "initiatives",
    "resource_tags",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "DROP POLICY tenant_read ON resources; \
             CREATE POLICY tenant_read ON resources FOR SELECT USING ( \
               (SELECT commons_is_admin()) \
               OR (visibility = 'public' AND status = 'published' AND deleted_at IS NULL) \
               OR (org_id IS NULL AND (SELECT commons_actor()) IN (owner_id, creator_id)) \
               OR org_id = ANY((SELECT commons_actor_orgs())::uuid[]));",
        )
        .await?;
        for table in OF_A_RESOURCE {
            row_policies(
                db,
                table,
                "EXISTS (SELECT 1 FROM resources r WHERE r.id = resource_id)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in OF_A_RESOURCE {
            drop_row_policies(db, table).await?;
        }
        db.execute_unprepared(
            "DROP POLICY tenant_read ON resources; \
             CREATE POLICY tenant_read ON resources FOR SELECT USING ( \
               (SELECT commons_is_admin()) OR org_id IS NULL \
               OR (visibility = 'public' AND status = 'published' AND deleted_at IS NULL) \
               OR org_id = ANY((SELECT commons_actor_orgs())::uuid[]));",
        )
        .await?;
        Ok(())
    }
}
