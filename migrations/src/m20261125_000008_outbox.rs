//! The transactional outbox (DESIGN.md section 3): events services append in their own
//! transaction, and which handler has handled which event (so redeliveries change nothing).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outbox_events")
                    .col(pk_uuid("id"))
                    .col(string_len("topic", 64))
                    .col(uuid_null("subject_id"))
                    .col(uuid_null("org_id"))
                    .col(uuid_null("actor_id"))
                    .col(json("payload"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        // Dispatchers read by creation time; subscribers' backfills by subject.
        manager
            .create_index(index("outbox_events", &["created_at", "id"]))
            .await?;
        manager
            .create_index(index("outbox_events", &["subject_id", "id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("outbox_handled")
                    .col(string_len("handler", 64))
                    .col(uuid("event_id"))
                    .col(timestamp_with_time_zone("handled_at"))
                    .primary_key(Index::create().col("handler").col("event_id"))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["outbox_handled", "outbox_events"]).await
    }
}
