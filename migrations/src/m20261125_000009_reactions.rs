//! RE1 reactions: one row per person, resource and kind, and a counter row per resource and
//! kind kept in the reacting transaction (never counted on read).

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, fk, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &[&str] = &["like", "love", "laugh", "wow", "sad", "angry"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("reactions")
                    .col(uuid("resource_id"))
                    .col(uuid("user_id"))
                    .col(string_len("kind", 16).check(one_of("kind", KINDS)))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("resource_id").col("user_id").col("kind"))
                    .foreign_key(&mut fk("reactions", "resource_id", "resources"))
                    .foreign_key(&mut fk("reactions", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("reactions", &["user_id", "resource_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("reaction_counts")
                    .col(uuid("resource_id"))
                    .col(string_len("kind", 16).check(one_of("kind", KINDS)))
                    .col(big_integer("count").check(Expr::col("count").gte(0)))
                    .primary_key(Index::create().col("resource_id").col("kind"))
                    .foreign_key(&mut fk("reaction_counts", "resource_id", "resources"))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["reaction_counts", "reactions"]).await
    }
}
