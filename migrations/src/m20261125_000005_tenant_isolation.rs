//! OR7 tenant isolation on PostgreSQL: the application role `commons_app` and row level
//! security on every organization-scoped table (those with an `org_id` column). SQLite has
//! neither; there the services' own checks are the only wall.
//!
//! Each transaction says who is acting through `set_config('commons.actor_id', …, true)` and
//! `commons.is_admin` (see `commons_core::tenant`). A row is visible to platform admins, to
//! members (role above subscriber) of its organization, and, per table, to the person it is
//! about. Writes are checked by the services; the policies admit any insert, and updates and
//! deletes only of visible rows.
//!
//! Migrations must run as a role that bypasses row level security (the database owner as a
//! superuser, or a role with BYPASSRLS): `commons_actor_orgs()` is `SECURITY DEFINER` so the
//! policies can read memberships without recursing into their own policy.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const APP_ROLE: &str = "commons_app";

/// Each organization-scoped table and who besides members and admins may see a row: the
/// person it is about, and for account events (sign-ins, API keys: no organization) the
/// admins of an organization the person is a member of.
const SCOPED: &[(&str, &str)] = &[
    ("memberships", "OR user_id = (SELECT commons_actor())"),
    ("departments", ""),
    ("organization_usage", ""),
    ("department_members", "OR user_id = (SELECT commons_actor())"),
    ("invites", "OR inviter_id = (SELECT commons_actor())"),
    (
        "audit_events",
        "OR actor_id = (SELECT commons_actor()) \
         OR (org_id IS NULL AND actor_id = ANY((SELECT commons_managed_users())::uuid[]))",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        // Roles belong to the cluster, not the database: another database may have made it.
        db.execute_unprepared(&format!(
            "DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE FUNCTION commons_actor() RETURNS uuid LANGUAGE sql STABLE AS \
             $$ SELECT NULLIF(current_setting('commons.actor_id', true), '')::uuid $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE FUNCTION commons_is_admin() RETURNS boolean LANGUAGE sql STABLE AS \
             $$ SELECT coalesce(current_setting('commons.is_admin', true), '') = 'on' $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE FUNCTION commons_actor_orgs() RETURNS uuid[] LANGUAGE sql STABLE \
             SECURITY DEFINER SET search_path FROM CURRENT AS \
             $$ SELECT coalesce(array_agg(org_id), '{}') FROM memberships \
                WHERE user_id = commons_actor() AND role <> 'subscriber' $$",
        )
        .await?;
        // The members of organizations the actor administers (admin or owner).
        db.execute_unprepared(
            "CREATE FUNCTION commons_managed_users() RETURNS uuid[] LANGUAGE sql STABLE \
             SECURITY DEFINER SET search_path FROM CURRENT AS \
             $$ SELECT coalesce(array_agg(DISTINCT m.user_id), '{}') FROM memberships m \
                JOIN memberships me ON me.org_id = m.org_id \
                WHERE me.user_id = commons_actor() AND me.role IN ('admin', 'owner') \
                AND m.role <> 'subscriber' $$",
        )
        .await?;
        for (table, own) in SCOPED {
            let own = if own.is_empty() {
                String::new()
            } else {
                format!(" {own}")
            };
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; \
                 ALTER TABLE {table} FORCE ROW LEVEL SECURITY; \
                 CREATE POLICY tenant_read ON {table} FOR SELECT USING ( \
                   (SELECT commons_is_admin()) OR org_id = ANY((SELECT commons_actor_orgs())::uuid[]){own}); \
                 CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK (true); \
                 CREATE POLICY tenant_update ON {table} FOR UPDATE USING ( \
                   (SELECT commons_is_admin()) OR org_id = ANY((SELECT commons_actor_orgs())::uuid[]){own}); \
                 CREATE POLICY tenant_delete ON {table} FOR DELETE USING ( \
                   (SELECT commons_is_admin()) OR org_id = ANY((SELECT commons_actor_orgs())::uuid[]){own});"
            ))
            .await?;
        }
        grant_app_role(db).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (table, _) in SCOPED {
            db.execute_unprepared(&format!(
                "DROP POLICY IF EXISTS tenant_read ON {table}; DROP POLICY IF EXISTS tenant_insert ON {table}; \
                 DROP POLICY IF EXISTS tenant_update ON {table}; DROP POLICY IF EXISTS tenant_delete ON {table}; \
                 ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
            ))
            .await?;
        }
        db.execute_unprepared(
            "DROP FUNCTION IF EXISTS commons_managed_users(); DROP FUNCTION IF EXISTS commons_actor_orgs(); \
             DROP FUNCTION IF EXISTS commons_is_admin(); \
             DROP FUNCTION IF EXISTS commons_actor();",
        )
        .await?;
        Ok(())
    }
}

/// Lets `commons_app` use every table of this schema, now and those later migrations create,
/// and lets the migrating role switch to it (`SET ROLE`), which is how `serve` connects.
pub async fn grant_app_role(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "GRANT USAGE ON SCHEMA public TO {APP_ROLE}; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}; \
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}; \
         GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {APP_ROLE}; \
         GRANT {APP_ROLE} TO CURRENT_USER;"
    ))
    .await?;
    Ok(())
}
