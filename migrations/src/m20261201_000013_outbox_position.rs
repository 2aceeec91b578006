//! Outbox readers find new events by a position the database orders, not by a window of
//! creation time that trusted every host's clock (see `commons_core::outbox::Reader`).
//!
//! SQLite: `position INTEGER PRIMARY KEY AUTOINCREMENT`. One writer at a time makes it commit
//! order, and AUTOINCREMENT never hands out a number again, even after pruning emptied the
//! table. SQLite cannot add such a column, so the table is rebuilt (nothing references it).
//!
//! PostgreSQL: `position` from an identity column orders events within a transaction, and
//! `txid` (`xid8`, the appending transaction) orders transactions; readers take events below
//! `pg_snapshot_xmin(pg_current_snapshot())`, where every transaction has ended.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: the rebuild's statements must run on one connection
    /// (another in the pool may not yet see the old table dropped), and all or none of them.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE outbox_events ADD COLUMN position BIGINT GENERATED ALWAYS AS IDENTITY; \
                 ALTER TABLE outbox_events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id(); \
                 CREATE INDEX ix_outbox_events_txid_position ON outbox_events (txid, position);",
            )
            .await?;
            return Ok(());
        }
        // One statement per call: SQLite runs only the first of several.
        for statement in [
            "CREATE TABLE outbox_events_positioned ( \
                 position INTEGER PRIMARY KEY AUTOINCREMENT, \
                 id uuid_text NOT NULL UNIQUE, \
                 topic varchar(64) NOT NULL, \
                 subject_id uuid_text NULL, \
                 org_id uuid_text NULL, \
                 actor_id uuid_text NULL, \
                 payload json_text NOT NULL, \
                 created_at timestamp_with_timezone_text NOT NULL)",
            "INSERT INTO outbox_events_positioned \
                 (id, topic, subject_id, org_id, actor_id, payload, created_at) \
                 SELECT id, topic, subject_id, org_id, actor_id, payload, created_at \
                 FROM outbox_events ORDER BY created_at, id",
            "DROP TABLE outbox_events",
            "ALTER TABLE outbox_events_positioned RENAME TO outbox_events",
        ] {
            db.execute_unprepared(statement).await?;
        }
        // The rebuilt table needs the indexes the first migration gave the old one: pruning
        // reads by creation time, subscribers' backfills by subject.
        manager
            .create_index(index("outbox_events", &["created_at", "id"]))
            .await?;
        manager
            .create_index(index("outbox_events", &["subject_id", "id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP INDEX ix_outbox_events_txid_position; \
                     ALTER TABLE outbox_events DROP COLUMN txid; \
                     ALTER TABLE outbox_events DROP COLUMN position;",
                )
                .await?;
        }
        // SQLite keeps the rebuilt table: its position column is harmless to older code.
        Ok(())
    }
}
