//! Password guesses per email address (issue 15, 6): the per-IP limit alone lets many
//! addresses guess one account's password.

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
                    .table("password_attempts")
                    .col(string_len("email_digest", 64).primary_key())
                    .col(integer("attempts").check(Expr::col("attempts").gte(0)))
                    .col(timestamp_with_time_zone("window_started_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("password_attempts", &["window_started_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("password_attempts").take())
            .await
    }
}
