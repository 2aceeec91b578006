//! Sales records are kept: orders, their lines and bookings refuse (`RESTRICT`) the deletion
//! of the agents, people and resources they name, so deleting a shop with orders is refused
//! instead of erasing them.
//!
//! SA1–SA3 orders: a seller (any agent) and a customer (a user or an organization), lines that
//! snapshot each product's title and price, and the history of every status change. Stock is
//! the products table's own `stock` (its CHECK keeps it at zero or above); placing an order
//! takes from it with a conditional update in the placing transaction.
//!
//! `seller_customers` keeps, per seller, customer and currency, the orders placed, the amount
//! spent (net of cancellations and refunds) and the last order, moved by the transaction that
//! moves the order: SA5's list reads it without counting orders.
//!
//! On PostgreSQL an order is visible (row level security) to platform admins, the person
//! selling or buying, whoever created it, and members of the selling or buying organization;
//! its lines and history follow their order.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, fk, fk_restrict, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATUSES: [&str; 7] = [
    "draft",
    "placed",
    "confirmed",
    "fulfilled",
    "completed",
    "cancelled",
    "refunded",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("orders")
                    .col(pk_uuid("id"))
                    .col(uuid("seller_id"))
                    // The selling organization (also for a department's sale), for isolation.
                    .col(uuid_null("seller_org_id"))
                    .col(uuid_null("seller_department_id"))
                    .col(uuid("customer_id"))
                    // Set when the customer is an organization.
                    .col(uuid_null("customer_org_id"))
                    .col(uuid("creator_id"))
                    .col(string_len("status", 16).check(one_of("status", &STATUSES)))
                    .col(string_len("currency", 3))
                    .col(big_integer("total_minor").check(Expr::col("total_minor").gte(0)))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("placed_at"))
                    .foreign_key(&mut fk_restrict("orders", "seller_id", "agents"))
                    .foreign_key(&mut fk_restrict("orders", "customer_id", "agents"))
                    .foreign_key(&mut fk_restrict("orders", "creator_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("orders", &["seller_id", "id"]))
            .await?;
        manager
            .create_index(index("orders", &["customer_id", "id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("order_lines")
                    .col(pk_uuid("id"))
                    .col(uuid("order_id"))
                    .col(uuid("product_id"))
                    .col(text("title"))
                    .col(integer("quantity").check(Expr::col("quantity").gt(0)))
                    .col(big_integer("unit_price_minor").check(Expr::col("unit_price_minor").gte(0)))
                    .col(big_integer("total_minor").check(Expr::col("total_minor").gte(0)))
                    // Whether placing took this line's quantity from a counted stock (so
                    // ending the order gives back exactly that).
                    .col(boolean("reserved").default(false))
                    .foreign_key(&mut fk("order_lines", "order_id", "orders"))
                    .foreign_key(&mut fk_restrict("order_lines", "product_id", "resources"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("order_lines", &["order_id", "product_id"]).unique().take())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("order_changes")
                    .col(pk_uuid("id"))
                    .col(uuid("order_id"))
                    .col(uuid("actor_id"))
                    .col(string_len_null("from_status", 16))
                    .col(string_len("to_status", 16).check(one_of("to_status", &STATUSES)))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk("order_changes", "order_id", "orders"))
                    .foreign_key(&mut fk_restrict("order_changes", "actor_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("order_changes", &["order_id", "id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("seller_customers")
                    .col(pk_uuid("id"))
                    .col(uuid("seller_id"))
                    .col(uuid_null("seller_org_id"))
                    .col(uuid("customer_id"))
                    .col(string_len("currency", 3))
                    .col(integer("order_count").check(Expr::col("order_count").gte(0)))
                    .col(big_integer("spent_minor").check(Expr::col("spent_minor").gte(0)))
                    .col(timestamp_with_time_zone("last_order_at"))
                    .foreign_key(&mut fk_restrict("seller_customers", "seller_id", "agents"))
                    .foreign_key(&mut fk_restrict("seller_customers", "customer_id", "agents"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("seller_customers", &["seller_id", "customer_id", "currency"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(index("seller_customers", &["seller_id", "spent_minor", "id"]))
            .await?;
        manager
            .create_index(index("seller_customers", &["seller_id", "last_order_at", "id"]))
            .await?;
        bookings(manager).await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            isolate(manager.get_connection()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("spots")
                    .drop_column("requires_booking_approval")
                    .take(),
            )
            .await?;
        drop_tables(
            manager,
            &[
                "booking_slots",
                "bookings",
                "seller_customers",
                "order_changes",
                "order_lines",
                "orders",
            ],
        )
        .await
    }
}

const BOOKING_STATUSES: [&str; 4] = ["requested", "confirmed", "declined", "cancelled"];

/// SA4: bookings of a spot's time, and the quarter hours each holds while it stands (unique per
/// spot and start: the same time is never held twice). A spot may ask for approval first.
async fn bookings(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table("spots")
                .add_column(boolean("requires_booking_approval").default(false))
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("bookings")
                .col(pk_uuid("id"))
                .col(uuid("spot_id"))
                .col(uuid("seller_id"))
                .col(uuid_null("seller_org_id"))
                .col(uuid_null("seller_department_id"))
                .col(uuid("customer_id"))
                .col(uuid_null("customer_org_id"))
                .col(uuid("creator_id"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string_len("status", 16).check(one_of("status", &BOOKING_STATUSES)))
                .col(text_null("note"))
                .col(text_null("reason"))
                .col(uuid_null("decided_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::col("ends_at").gt(Expr::col("starts_at")))
                .foreign_key(&mut fk_restrict("bookings", "spot_id", "resources"))
                .foreign_key(&mut fk_restrict("bookings", "seller_id", "agents"))
                .foreign_key(&mut fk_restrict("bookings", "customer_id", "agents"))
                .foreign_key(&mut fk_restrict("bookings", "creator_id", "users"))
                .take(),
        )
        .await?;
    for columns in [
        &["spot_id", "starts_at"][..],
        &["seller_id", "id"],
        &["customer_id", "id"],
    ] {
        manager.create_index(index("bookings", columns)).await?;
    }
    manager
        .create_table(
            Table::create()
                .table("booking_slots")
                .col(pk_uuid("id"))
                .col(uuid("booking_id"))
                .col(uuid("spot_id"))
                .col(timestamp_with_time_zone("starts_at"))
                .foreign_key(&mut fk("booking_slots", "booking_id", "bookings"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("booking_slots", &["spot_id", "starts_at"]).unique().take())
        .await?;
    manager
        .create_index(index("booking_slots", &["booking_id"]))
        .await
}

/// Row level security: an order for its two sides and its creator; lines and history for
/// whoever sees their order (the subquery is itself filtered by the orders policy).
async fn isolate(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let order_seen = "(SELECT commons_is_admin()) \
        OR seller_id = (SELECT commons_actor()) OR customer_id = (SELECT commons_actor()) \
        OR creator_id = (SELECT commons_actor()) \
        OR seller_org_id = ANY((SELECT commons_actor_orgs())::uuid[]) \
        OR customer_org_id = ANY((SELECT commons_actor_orgs())::uuid[])";
    let through_order = "EXISTS (SELECT 1 FROM orders o WHERE o.id = order_id)";
    let sellers_own = "(SELECT commons_is_admin()) OR seller_id = (SELECT commons_actor()) \
        OR seller_org_id = ANY((SELECT commons_actor_orgs())::uuid[])";
    for (table, seen) in [
        ("orders", order_seen),
        ("seller_customers", sellers_own),
        ("bookings", order_seen),
        ("order_lines", through_order),
        ("order_changes", through_order),
    ] {
        crate::util::row_policies(db, table, seen).await?;
    }
    Ok(())
}
