//! The remaining kinds (RS2: events, photos, products, spots), event registrations (RS5),
//! moderation of content (RS6), a location on resources for distance search (RS4) and the
//! reaction total the "most reacted" order sorts by, and uploaded media (RS7).

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, fk, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite adds one column per `ALTER TABLE`.
async fn add_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).take())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A place on the map, for any kind that has one (spots always, events when in person).
        // Distance search narrows by a bounding box on this index, then measures exactly.
        add_column(manager, "resources", double_null("latitude")).await?;
        add_column(manager, "resources", double_null("longitude")).await?;
        manager
            .create_index(index("resources", &["latitude", "longitude"]))
            .await?;
        // Kept by the reactions crate in the reacting transaction, so "most reacted first" is
        // an index scan, not a count.
        add_column(
            manager,
            "resources",
            big_integer("reaction_count").default(0).take(),
        )
        .await?;
        manager
            .create_index(index("resources", &["status", "reaction_count", "id"]))
            .await?;
        // RS6: submitted → approved / rejected (with a reason), where approval is required.
        add_column(
            manager,
            "resources",
            string_len_null("review", 16)
                .check(one_of("review", &["submitted", "approved", "rejected"]))
                .take(),
        )
        .await?;
        add_column(manager, "resources", text_null("review_reason")).await?;
        add_column(manager, "resources", uuid_null("reviewed_by")).await?;
        add_column(manager, "resources", timestamp_with_time_zone_null("reviewed_at")).await?;
        manager
            .create_index(index("resources", &["org_id", "review", "id"]))
            .await?;
        add_column(
            manager,
            "organizations",
            boolean("content_requires_approval").default(false).take(),
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(pk_uuid("resource_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(string_len("timezone", 64))
                    .col(string_len_null("place", 500))
                    .col(string_len_null("online_url", 2048))
                    .col(integer_null("capacity").check(Expr::col("capacity").gt(0)))
                    .col(timestamp_with_time_zone_null("registration_opens_at"))
                    .col(timestamp_with_time_zone_null("registration_closes_at"))
                    .col(boolean("participants_visible"))
                    // Seats taken; held to the capacity by the registering transaction, which
                    // locks this row first.
                    .col(
                        integer("registered_count")
                            .default(0)
                            .check(Expr::col("registered_count").gte(0)),
                    )
                    .check(Expr::col("ends_at").gte(Expr::col("starts_at")))
                    .foreign_key(&mut fk("events", "resource_id", "resources"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("event_registrations")
                    .col(pk_uuid("id"))
                    .col(uuid("event_id"))
                    .col(uuid("user_id"))
                    // The event's organization, for row level security.
                    .col(uuid_null("org_id"))
                    .col(
                        string_len("status", 16)
                            .check(one_of("status", &["registered", "waitlisted", "cancelled"])),
                    )
                    .col(string_len("ticket_code", 32).unique_key())
                    // When this person (last) asked for a seat: the waitlist's order.
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .col(timestamp_with_time_zone_null("checked_in_at"))
                    .col(uuid_null("checked_in_by"))
                    .foreign_key(&mut fk("event_registrations", "event_id", "resources"))
                    .foreign_key(&mut fk("event_registrations", "user_id", "users"))
                    .foreign_key(&mut fk("event_registrations", "org_id", "organizations"))
                    .foreign_key(&mut fk("event_registrations", "checked_in_by", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("event_registrations", &["event_id", "user_id"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "event_registrations",
                &["event_id", "status", "requested_at"],
            ))
            .await?;
        manager
            .create_index(index("event_registrations", &["user_id", "id"]))
            .await?;
        manager
            .create_index(index("event_registrations", &["org_id"]))
            .await?;
        manager
            .create_index(index("event_registrations", &["checked_in_by"]))
            .await?;

        // RS7: uploaded files. The bytes live in the media store (a folder or a bucket) under
        // the id; this row records what they were found to be.
        manager
            .create_table(
                Table::create()
                    .table("media")
                    .col(pk_uuid("id"))
                    .col(uuid("uploader_id"))
                    .col(string_len("content_type", 100))
                    .col(big_integer("size_bytes").check(Expr::col("size_bytes").gt(0)))
                    .col(integer_null("width"))
                    .col(integer_null("height"))
                    .col(string_len("sha256", 64))
                    .col(string_len_null("filename", 255))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("media", "uploader_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("media", &["uploader_id", "id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("photos")
                    .col(pk_uuid("resource_id"))
                    .col(string_len("url", 2048))
                    // Set when the photo was uploaded here (RS7).
                    .col(uuid_null("media_id"))
                    .col(string_len_null("caption", 2000))
                    .col(string_len_null("content_type", 100))
                    .col(big_integer_null("size_bytes"))
                    .col(integer_null("width"))
                    .col(integer_null("height"))
                    .foreign_key(&mut fk("photos", "resource_id", "resources"))
                    .foreign_key(&mut fk("photos", "media_id", "media"))
                    .take(),
            )
            .await?;
        manager.create_index(index("photos", &["media_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("products")
                    .col(pk_uuid("resource_id"))
                    .col(big_integer("price_minor").check(Expr::col("price_minor").gte(0)))
                    .col(string_len("currency", 3))
                    .col(string_len_null("sku", 64))
                    // Null: not counted (services, digital goods).
                    .col(integer_null("stock").check(Expr::col("stock").gte(0)))
                    .col(boolean("active"))
                    .foreign_key(&mut fk("products", "resource_id", "resources"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("spots")
                    .col(pk_uuid("resource_id"))
                    .col(string_len_null("address", 500))
                    .col(string_len_null("hours", 500))
                    .foreign_key(&mut fk("spots", "resource_id", "resources"))
                    .take(),
            )
            .await?;

        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // A registration is for its person, the organization's members (who organize) and
            // admins; a person's own event's registrations are walled by the service.
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE event_registrations ENABLE ROW LEVEL SECURITY; \
                     ALTER TABLE event_registrations FORCE ROW LEVEL SECURITY; \
                     CREATE POLICY tenant_read ON event_registrations FOR SELECT USING ( \
                       (SELECT commons_is_admin()) OR org_id IS NULL \
                       OR user_id = (SELECT commons_actor()) \
                       OR org_id = ANY((SELECT commons_actor_orgs())::uuid[])); \
                     CREATE POLICY tenant_insert ON event_registrations FOR INSERT WITH CHECK (true); \
                     CREATE POLICY tenant_update ON event_registrations FOR UPDATE USING ( \
                       (SELECT commons_is_admin()) OR org_id IS NULL \
                       OR user_id = (SELECT commons_actor()) \
                       OR org_id = ANY((SELECT commons_actor_orgs())::uuid[]));",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "spots",
                "products",
                "photos",
                "media",
                "event_registrations",
                "events",
            ],
        )
        .await
    }
}
