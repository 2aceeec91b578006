//! MS1 conversations and MS2 notifications: private and group conversations with their
//! participants (each with a read marker), messages, the notification inbox, per-topic
//! settings and push tokens.
//!
//! None of these tables has an `org_id`: a conversation tied to a department carries only its
//! `department_id`, and the messaging services enforce who sees what (participants only; a
//! notification only for its recipient), so there is no row level security to add here.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, fk, fk_set_null, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &[&str] = &["private", "group"];
const ROLES: &[&str] = &["owner", "member"];
const PLATFORMS: &[&str] = &["apns", "fcm", "web_push"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A private conversation has its pair key, a group none: the pair key's unique index is
        // what makes starting the same private conversation twice (even at once) find one row.
        let pair_matches_kind = Condition::any()
            .add(
                Condition::all()
                    .add(Expr::col("kind").eq("private"))
                    .add(Expr::col("pair_key").is_not_null()),
            )
            .add(
                Condition::all()
                    .add(Expr::col("kind").eq("group"))
                    .add(Expr::col("pair_key").is_null()),
            );
        manager
            .create_table(
                Table::create()
                    .table("conversations")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 16).check(one_of("kind", KINDS)))
                    .col(string_len_null("title", 200))
                    .col(uuid_null("department_id"))
                    // `low:high` of the two people's ids, for private conversations.
                    .col(string_len_null("pair_key", 80))
                    // No foreign key: a group outlives the account of whoever started it.
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_message_at"))
                    // The list's sort key: the last message's time, or the creation time.
                    .col(timestamp_with_time_zone("activity_at"))
                    .check(Expr::from(pair_matches_kind))
                    // A department's group chats go with it: left without it, they would
                    // lose the rule that only its organization's members take part.
                    .foreign_key(&mut fk("conversations", "department_id", "departments"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("conversations", &["pair_key"]).unique().take())
            .await?;
        manager
            .create_index(index("conversations", &["department_id"]))
            .await?;
        manager
            .create_index(index("conversations", &["activity_at", "id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("conversation_participants")
                    .col(uuid("conversation_id"))
                    .col(uuid("user_id"))
                    .col(string_len("role", 16).check(one_of("role", ROLES)))
                    .col(timestamp_with_time_zone("joined_at"))
                    // A position in the conversation's (time-ordered) message ids, not a
                    // reference: it only ever moves forward.
                    .col(uuid_null("last_read_message_id"))
                    .primary_key(Index::create().col("conversation_id").col("user_id"))
                    .foreign_key(&mut fk(
                        "conversation_participants",
                        "conversation_id",
                        "conversations",
                    ))
                    .foreign_key(&mut fk("conversation_participants", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("conversation_participants", &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("messages")
                    .col(pk_uuid("id"))
                    .col(uuid("conversation_id"))
                    .col(uuid("author_id"))
                    .col(text("body"))
                    .col(uuid_null("attachment_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("messages", "conversation_id", "conversations"))
                    .foreign_key(&mut fk("messages", "author_id", "users"))
                    .foreign_key(&mut fk_set_null("messages", "attachment_id", "media"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("messages", &["conversation_id", "id"]))
            .await?;
        manager.create_index(index("messages", &["author_id"])).await?;
        manager
            .create_index(index("messages", &["attachment_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    // The outbox event it came from; no foreign key, the outbox may be pruned.
                    .col(uuid("event_id"))
                    .col(string_len("topic", 64))
                    .col(uuid_null("subject_id"))
                    .col(uuid_null("actor_id"))
                    .col(string_len("summary", 500))
                    .col(json("payload"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .foreign_key(&mut fk("notifications", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("notifications", &["user_id", "id"]))
            .await?;
        // One notification per event and person, whatever happens to the handler's own record.
        manager
            .create_index(index("notifications", &["event_id", "user_id"]).unique().take())
            .await?;
        // The unread badge and the unread list read only unread rows.
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_unread")
                    .table("notifications")
                    .col("user_id")
                    .col("id")
                    .and_where(Expr::col("read_at").is_null())
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("notification_settings")
                    .col(uuid("user_id"))
                    .col(string_len("topic", 64))
                    .col(boolean("inbox"))
                    .col(boolean("push"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("user_id").col("topic"))
                    .foreign_key(&mut fk("notification_settings", "user_id", "users"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("push_tokens")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("platform", 16).check(one_of("platform", PLATFORMS)))
                    .col(text("token"))
                    // Hex SHA-256 of the token: tokens run to kilobytes, longer than a
                    // PostgreSQL index entry may be, so uniqueness is held on the hash.
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("push_tokens", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("push_tokens", &["token_hash"]).unique().take())
            .await?;
        manager.create_index(index("push_tokens", &["user_id"])).await?;
        // Events from before notifications existed are history, not news: mark them handled so
        // the first catch-up does not turn them into a flood of stale alerts.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO outbox_handled (handler, event_id, handled_at) \
                 SELECT 'notifications', id, created_at FROM outbox_events",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "push_tokens",
                "notification_settings",
                "notifications",
                "messages",
                "conversation_participants",
                "conversations",
            ],
        )
        .await
    }
}
