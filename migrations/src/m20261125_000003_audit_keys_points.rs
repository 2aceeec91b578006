//! core: the audit log (OR5). identity: bots and API keys (ID7), points (ID4 bonuses, GV4).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Append-only. `org_id` and the ids in it carry no foreign keys on purpose: the log
        // outlives what it describes (a deleted organization's history stays readable by admins).
        // Account events (sign-in, API keys) have no organization.
        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .col(pk_uuid("id"))
                    .col(uuid_null("org_id"))
                    .col(uuid_null("actor_id"))
                    .col(string_len("action", 64))
                    .col(string_len_null("target_type", 32))
                    .col(uuid_null("target_id"))
                    .col(json_null("metadata"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("audit_events", &["org_id", "id"]))
            .await?;
        manager
            .create_index(index("audit_events", &["actor_id", "id"]))
            .await?;

        // A bot is a user of account kind `bot` that a person owns and acts through API keys.
        manager
            .create_table(
                Table::create()
                    .table("bots")
                    .col(pk_uuid("user_id"))
                    .col(uuid("owner_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("bots", "user_id", "users"))
                    .foreign_key(&mut fk("bots", "owner_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("bots", &["owner_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(uuid("created_by"))
                    .col(string_len("name", 100))
                    .col(string_len("prefix", 16))
                    .col(string_len_uniq("secret_hash", 64))
                    .col(string_len("scopes", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("api_keys", "user_id", "users"))
                    .foreign_key(&mut fk("api_keys", "created_by", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("api_keys", &["user_id", "id"]))
            .await?;
        manager.create_index(index("api_keys", &["created_by"])).await?;

        // Points are a ledger of awards; one award per (user, reason, source), so a replayed
        // acceptance or approval cannot pay twice.
        manager
            .create_table(
                Table::create()
                    .table("point_awards")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(big_integer("amount"))
                    .col(string_len("reason", 32))
                    .col(uuid("source_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("point_awards", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("point_awards", &["user_id", "reason", "source_id"])
                    .unique()
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["point_awards", "api_keys", "bots", "audit_events"] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
