//! core: the `agents` table that users, organizations and departments share ids with.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("agents")
                    .col(pk_uuid("id"))
                    .col(
                        string_len("kind", 16).check(one_of("kind", &["user", "organization", "department"])),
                    )
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("agents").take()).await
    }
}
