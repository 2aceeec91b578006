//! RE3 ratings: one per rater and target (a resource or an agent), a score of 1 to 5 and
//! optional criteria. Averages and the distribution are read with one grouped query on the
//! target's index.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn one_to_five(column: &'static str) -> SimpleExpr {
    Expr::col(column).between(1, 5)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("ratings")
                    .col(pk_uuid("id"))
                    .col(uuid("rater_id"))
                    // A resource's or an agent's id; the service checks which and that it exists.
                    .col(uuid("target_id"))
                    .col(small_integer("score").check(one_to_five("score")))
                    .col(small_integer_null("quality").check(one_to_five("quality")))
                    .col(small_integer_null("punctuality").check(one_to_five("punctuality")))
                    .col(small_integer_null("communication").check(one_to_five("communication")))
                    .col(text_null("comment"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("ratings", "rater_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("ratings", &["rater_id", "target_id"]).unique().take())
            .await?;
        manager
            .create_index(index("ratings", &["target_id", "score"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("ratings").take()).await
    }
}
