//! Waitlist order by arrival at the event's lock (issue 15, 8). Each registration request
//! takes the event's next `request_number` in the same UPDATE that locks the event row, so
//! numbers are unique per event and follow the order in which requests were decided; the
//! waitlist is ordered by them. Before, it was ordered by a time read before the lock was
//! taken, so positions repeated under load and an earlier asker could wait behind a later one.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .add_column(big_integer("requests_made").default(0))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("event_registrations")
                    .add_column(big_integer("request_number").default(0))
                    .take(),
            )
            .await?;
        // Registrations made before keep the order they had: by time asked, then id.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE event_registrations SET request_number = numbered.n \
             FROM (SELECT id, row_number() OVER (PARTITION BY event_id ORDER BY requested_at, id) AS n \
                   FROM event_registrations) AS numbered \
             WHERE numbered.id = event_registrations.id",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE events SET requests_made = COALESCE((SELECT MAX(request_number) \
             FROM event_registrations WHERE event_registrations.event_id = events.resource_id), 0)",
        )
        .await?;
        manager
            .create_index(
                index("event_registrations", &["event_id", "request_number"])
                    .unique()
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_event_registrations_event_id_request_number")
                    .table("event_registrations")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("event_registrations")
                    .drop_column("request_number")
                    .take(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("events").drop_column("requests_made").take())
            .await
    }
}
