//! GW7 idempotency keys: one row per person and key, claimed and completed inside the
//! creating transaction (`commons_core::idempotency`). On PostgreSQL a person sees only their
//! own keys.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(pk_uuid("id"))
                    .col(uuid("actor_id"))
                    .col(string_len("key", 200))
                    .col(string_len("operation", 64))
                    .col(string_len("fingerprint", 64))
                    .col(uuid_null("result_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idempotency_keys", &["actor_id", "key"]).unique().take())
            .await?;
        manager
            .create_index(index("idempotency_keys", &["created_at"]))
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let own = "(SELECT commons_is_admin()) OR actor_id = (SELECT commons_actor())";
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY; \
                     ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY; \
                     CREATE POLICY own_read ON idempotency_keys FOR SELECT USING ({own}); \
                     CREATE POLICY own_insert ON idempotency_keys FOR INSERT WITH CHECK ({own}); \
                     CREATE POLICY own_update ON idempotency_keys FOR UPDATE USING ({own}); \
                     CREATE POLICY own_delete ON idempotency_keys FOR DELETE USING ({own});"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("idempotency_keys").take())
            .await
    }
}
