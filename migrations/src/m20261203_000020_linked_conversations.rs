//! Group conversations whose people another crate keeps (an initiative's chat follows who
//! joined it): `linked_to` names what they follow, and messaging's own "add people" refuses
//! them, so nobody is in such a chat but by the rule that keeps it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("conversations")
                    .add_column(string_len_null("linked_to", 32))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("conversations")
                    .drop_column("linked_to")
                    .take(),
            )
            .await
    }
}
