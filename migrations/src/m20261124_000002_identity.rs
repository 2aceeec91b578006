//! identity: visitors (ID1), users (ID2, ID5, ID6), sessions and refresh tokens (ID3).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("email", 254))
                    .col(string_len_uniq("username", 32))
                    .col(string_len("password_hash", 255))
                    .col(string_len_null("display_name", 100))
                    .col(string_len_null("avatar_url", 2048))
                    .col(text_null("bio"))
                    .col(string_len_null("locale", 35))
                    .col(string_len("account_kind", 32))
                    .col(string_len("platform_role", 16).check(one_of("platform_role", &["user", "admin"])))
                    .col(
                        string_len("status", 16)
                            .check(one_of("status", &["pending", "active", "rejected", "blocked"])),
                    )
                    .col(text_null("status_reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone("password_changed_at"))
                    .foreign_key(&mut fk("users", "id", "agents"))
                    .take(),
            )
            .await?;
        // Admins list users by status, newest first (UUID v7 ids sort by creation).
        manager.create_index(index("users", &["status", "id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("visitors")
                    .col(pk_uuid("id"))
                    .col(string_len_null("user_agent", 512))
                    .col(string_len_null("ip_prefix", 64))
                    .col(string_len_null("locale", 35))
                    .col(string_len_null("referrer", 2048))
                    .col(string_len_null("utm_source", 255))
                    .col(string_len_null("utm_medium", 255))
                    .col(string_len_null("utm_campaign", 255))
                    .col(string_len_null("utm_term", 255))
                    .col(string_len_null("utm_content", 255))
                    .col(timestamp_with_time_zone("first_seen_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(big_integer("visit_count").check(Expr::col("visit_count").gte(1)))
                    .col(uuid_null("user_id"))
                    .foreign_key(
                        &mut fk("visitors", "user_id", "users")
                            .on_delete(ForeignKeyAction::SetNull)
                            .take(),
                    )
                    .take(),
            )
            .await?;
        manager.create_index(index("visitors", &["user_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len_null("user_agent", 512))
                    .col(string_len_null("ip_prefix", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(string_len_null("revoked_reason", 32))
                    .foreign_key(&mut fk("sessions", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("sessions", &["user_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("refresh_tokens")
                    .col(pk_uuid("id"))
                    .col(uuid("session_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk("refresh_tokens", "session_id", "sessions"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("refresh_tokens", &["session_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["refresh_tokens", "sessions", "visitors", "users"] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
