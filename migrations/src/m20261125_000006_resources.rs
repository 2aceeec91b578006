//! resources: the one table every kind shares (RS1), tags, and the first kinds' own tables
//! (RS2: blogposts and pages). A new kind adds its own table in its own migration; `kind` is
//! checked by the code that knows the kinds, not by a CHECK that would need changing.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, fk, fk_set_null, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("resources")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 16))
                    .col(uuid("creator_id"))
                    .col(uuid("owner_id"))
                    .col(uuid_null("org_id"))
                    .col(uuid_null("department_id"))
                    .col(string_len("title", 200))
                    .col(string_len("slug", 100))
                    .col(text_null("summary"))
                    .col(string_len("visibility", 16).check(one_of(
                        "visibility",
                        &["public", "members", "department", "private"],
                    )))
                    .col(
                        string_len("status", 16).check(one_of("status", &["draft", "published", "archived"])),
                    )
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .foreign_key(&mut fk("resources", "creator_id", "users"))
                    .foreign_key(&mut fk("resources", "owner_id", "agents"))
                    .foreign_key(&mut fk("resources", "org_id", "organizations"))
                    .foreign_key(&mut fk("resources", "department_id", "departments"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("resources", &["owner_id", "slug"]).unique().take())
            .await?;
        // The feed (published, newest first) and the lists by owner, creator, organization
        // and kind each have the index their keyset order needs.
        manager
            .create_index(index("resources", &["status", "id"]))
            .await?;
        manager
            .create_index(index("resources", &["owner_id", "id"]))
            .await?;
        manager
            .create_index(index("resources", &["creator_id", "id"]))
            .await?;
        manager
            .create_index(index("resources", &["org_id", "id"]))
            .await?;
        manager
            .create_index(index("resources", &["department_id"]))
            .await?;
        manager.create_index(index("resources", &["kind", "id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("resource_tags")
                    .col(uuid("resource_id"))
                    .col(string_len("tag", 50))
                    .primary_key(Index::create().col("resource_id").col("tag"))
                    .foreign_key(&mut fk("resource_tags", "resource_id", "resources"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("resource_tags", &["tag", "resource_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("blogposts")
                    .col(pk_uuid("resource_id"))
                    .col(text("body"))
                    .col(string_len_null("cover_url", 2048))
                    .foreign_key(&mut fk("blogposts", "resource_id", "resources"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("pages")
                    .col(pk_uuid("resource_id"))
                    .col(string_len("path", 200))
                    .col(text("body"))
                    .col(uuid_null("parent_id"))
                    .foreign_key(&mut fk("pages", "resource_id", "resources"))
                    .foreign_key(&mut fk_set_null("pages", "parent_id", "resources"))
                    .take(),
            )
            .await?;
        manager.create_index(index("pages", &["parent_id"])).await?;

        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // Published public resources are for everyone; the rest of an organization's
            // resources for its members; resources without an organization are walled by the
            // service alone (their owner is a person).
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE resources ENABLE ROW LEVEL SECURITY; \
                     ALTER TABLE resources FORCE ROW LEVEL SECURITY; \
                     CREATE POLICY tenant_read ON resources FOR SELECT USING ( \
                       (SELECT commons_is_admin()) OR org_id IS NULL \
                       OR (visibility = 'public' AND status = 'published' AND deleted_at IS NULL) \
                       OR org_id = ANY((SELECT commons_actor_orgs())::uuid[])); \
                     CREATE POLICY tenant_insert ON resources FOR INSERT WITH CHECK (true); \
                     CREATE POLICY tenant_update ON resources FOR UPDATE USING ( \
                       (SELECT commons_is_admin()) OR org_id IS NULL \
                       OR org_id = ANY((SELECT commons_actor_orgs())::uuid[])); \
                     CREATE POLICY tenant_delete ON resources FOR DELETE USING ( \
                       (SELECT commons_is_admin()) OR org_id IS NULL \
                       OR org_id = ANY((SELECT commons_actor_orgs())::uuid[]));",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["pages", "blogposts", "resource_tags", "resources"]).await
    }
}
