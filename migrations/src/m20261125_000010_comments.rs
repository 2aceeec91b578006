//! RE2 comments: threaded (a parent in the same resource), edited, deleted softly (the thread
//! keeps its shape) and hidden by moderators. `resources.comment_count` counts the shown ones,
//! kept in the commenting transaction.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("comments")
                    .col(pk_uuid("id"))
                    .col(uuid("resource_id"))
                    .col(uuid("author_id"))
                    .col(uuid_null("parent_id"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("edited_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .col(timestamp_with_time_zone_null("hidden_at"))
                    .col(uuid_null("hidden_by"))
                    .col(string_len_null("hidden_reason", 500))
                    .foreign_key(&mut fk("comments", "resource_id", "resources"))
                    .foreign_key(&mut fk("comments", "author_id", "users"))
                    .foreign_key(&mut fk("comments", "parent_id", "comments"))
                    .foreign_key(&mut fk("comments", "hidden_by", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("comments", &["resource_id", "id"]))
            .await?;
        manager
            .create_index(index("comments", &["author_id", "id"]))
            .await?;
        manager.create_index(index("comments", &["parent_id"])).await?;
        manager.create_index(index("comments", &["hidden_by"])).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("resources")
                    .add_column(big_integer("comment_count").default(0).take())
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("comments").take()).await
    }
}
