//! Payments (PA1–PA4): payments of orders and contributions, their refunds, the provider
//! events already applied, and a double-entry ledger.
//!
//! The ledger is accounts (an agent's, optionally earmarked for one resource, per currency;
//! and the platform's `clearing` and `fees` accounts per currency), entries (one movement:
//! a payment, a refund, a payout) and their lines, whose signed amounts sum to zero per
//! entry. An account's `balance_minor` is the sum of its lines, kept by the posting
//! transaction; an agent's account never goes below zero (`CHECK`, on both databases). On
//! PostgreSQL a deferred constraint trigger also refuses, at commit, any transaction that
//! leaves an entry unbalanced, and lines can be neither changed nor deleted by the
//! application role: the ledger only grows.
//!
//! Billing (PA6): an organization's subscription to a plan (one per organization) and its
//! invoices, unique per subscription, kind and period start, so that two processes billing
//! at once make one invoice; an invoice is paid by a payment of kind `invoice`, whose money
//! goes to the platform.
//!
//! Payments, refunds and entries keep the agents and orders they name (`RESTRICT`).

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261125_000005_tenant_isolation::APP_ROLE;
use crate::util::{drop_tables, fk, fk_restrict, index, one_of, row_policies};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ACCOUNT_KINDS: [&str; 3] = ["agent", "clearing", "fees"];
const PAYMENT_KINDS: [&str; 3] = ["order", "contribution", "invoice"];
const PLANS: [&str; 5] = ["free", "starter", "growth", "pro", "enterprise"];
const SUBSCRIPTION_STATUSES: [&str; 4] = ["incomplete", "active", "past_due", "cancelled"];
const INVOICE_KINDS: [&str; 3] = ["initial", "renewal", "proration"];
const INVOICE_STATUSES: [&str; 4] = ["open", "paid", "failed", "void"];
const PAYMENT_STATUSES: [&str; 5] = [
    "requires_payment",
    "processing",
    "succeeded",
    "failed",
    "cancelled",
];
const REFUND_STATUSES: [&str; 3] = ["pending", "succeeded", "failed"];
const ENTRY_KINDS: [&str; 4] = ["payment", "refund", "payout", "reversal"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        accounts(manager).await?;
        billing(manager).await?;
        payments(manager).await?;
        entries(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table("provider_events")
                    .col(pk_uuid("id"))
                    .col(string_len("provider", 32))
                    // The provider's own id of the event (Stripe's `evt_…`).
                    .col(string_len("event_id", 255))
                    .col(string_len("event_type", 64))
                    .col(uuid_null("payment_id"))
                    .col(timestamp_with_time_zone("received_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("provider_events", &["provider", "event_id"])
                    .unique()
                    .take(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            postgres(manager.get_connection()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_lines; \
                     DROP FUNCTION IF EXISTS commons_ledger_entry_balanced();",
                )
                .await?;
        }
        drop_tables(
            manager,
            &[
                "provider_events",
                "ledger_lines",
                "ledger_entries",
                "refunds",
                "payments",
                "invoices",
                "subscriptions",
                "ledger_accounts",
            ],
        )
        .await
    }
}

async fn accounts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("ledger_accounts")
                .col(pk_uuid("id"))
                // `agent:<agent>:<resource or ->:<currency>` or `clearing:<currency>`: one
                // account per meaning, unique without relying on how NULLs compare.
                .col(string_len("account_key", 128).unique_key())
                .col(string_len("kind", 16).check(one_of("kind", &ACCOUNT_KINDS)))
                .col(uuid_null("agent_id"))
                // The agent's organization (its own id, or a department's), for isolation.
                .col(uuid_null("org_id"))
                // Money earmarked for one resource (an initiative's fund).
                .col(uuid_null("resource_id"))
                .col(string_len("currency", 3))
                .col(big_integer("balance_minor").default(0))
                // Whether people may contribute to it, and the goal they are asked to reach.
                .col(boolean("accepts_contributions").default(false))
                .col(big_integer_null("goal_minor"))
                .col(timestamp_with_time_zone("created_at"))
                .check(
                    Expr::col("kind")
                        .ne("agent")
                        .or(Expr::col("balance_minor").gte(0)),
                )
                .check(
                    Expr::col("kind")
                        .eq("agent")
                        .eq(Expr::col("agent_id").is_not_null()),
                )
                .check(
                    Expr::col("goal_minor")
                        .is_null()
                        .or(Expr::col("goal_minor").gt(0)),
                )
                .foreign_key(&mut fk_restrict("ledger_accounts", "agent_id", "agents"))
                .foreign_key(&mut fk_restrict("ledger_accounts", "resource_id", "resources"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("ledger_accounts", &["agent_id", "id"]))
        .await?;
    manager
        .create_index(index("ledger_accounts", &["resource_id"]))
        .await
}

async fn billing(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("subscriptions")
                .col(pk_uuid("id"))
                .col(uuid("org_id").unique_key())
                .col(string_len("plan", 16).check(one_of("plan", &PLANS)))
                .col(string_len("status", 16).check(one_of("status", &SUBSCRIPTION_STATUSES)))
                .col(string_len("currency", 3))
                // The plan's monthly price when the period began.
                .col(big_integer("price_minor").check(Expr::col("price_minor").gte(0)))
                .col(timestamp_with_time_zone("period_start"))
                .col(timestamp_with_time_zone("period_end"))
                // Who subscribed: renewals are charged in their name.
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::col("period_end").gt(Expr::col("period_start")))
                .foreign_key(&mut fk_restrict("subscriptions", "created_by", "users"))
                .foreign_key(&mut fk_restrict("subscriptions", "org_id", "organizations"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("subscriptions", &["status", "period_end"]))
        .await?;
    manager
        .create_table(
            Table::create()
                .table("invoices")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("subscription_id"))
                .col(string_len("kind", 16).check(one_of("kind", &INVOICE_KINDS)))
                .col(string_len("plan", 16).check(one_of("plan", &PLANS)))
                .col(big_integer("amount_minor").check(Expr::col("amount_minor").gt(0)))
                .col(string_len("currency", 3))
                .col(timestamp_with_time_zone("period_start"))
                .col(timestamp_with_time_zone("period_end"))
                .col(string_len("status", 16).check(one_of("status", &INVOICE_STATUSES)))
                .col(text_null("failure_reason"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk_restrict("invoices", "org_id", "organizations"))
                .foreign_key(&mut fk_restrict("invoices", "subscription_id", "subscriptions"))
                .take(),
        )
        .await?;
    manager
        .create_index(
            index("invoices", &["subscription_id", "kind", "period_start"])
                .unique()
                .take(),
        )
        .await?;
    manager.create_index(index("invoices", &["org_id", "id"])).await
}

async fn payments(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("payments")
                .col(pk_uuid("id"))
                .col(string_len("kind", 16).check(one_of("kind", &PAYMENT_KINDS)))
                .col(uuid_null("order_id"))
                .col(uuid_null("invoice_id"))
                // Who pays (a user, or an organization through one of its people) and who
                // is paid, with their organizations for isolation.
                .col(uuid("payer_id"))
                .col(uuid_null("payer_org_id"))
                // None for an invoice: the platform is paid.
                .col(uuid_null("payee_id"))
                .col(uuid_null("payee_org_id"))
                // The payee's ledger account the money goes to.
                .col(uuid("account_id"))
                .col(uuid_null("resource_id"))
                .col(uuid("creator_id"))
                .col(big_integer("amount_minor").check(Expr::col("amount_minor").gt(0)))
                .col(big_integer("fee_minor").check(Expr::col("fee_minor").gte(0)))
                .col(big_integer("refunded_minor").default(0))
                .col(string_len("currency", 3))
                .col(string_len("status", 24).check(one_of("status", &PAYMENT_STATUSES)))
                .col(string_len("provider", 32))
                .col(string_len_null("provider_ref", 255))
                // What the payer's browser confirms the charge with (Stripe's client secret),
                // shown to the payer alone.
                .col(text_null("client_secret"))
                .col(text_null("failure_reason"))
                // A contribution whose giver is shown to no one but the payee's side.
                .col(boolean("anonymous").default(false))
                .col(text_null("message"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("settled_at"))
                .check(Expr::col("fee_minor").lte(Expr::col("amount_minor")))
                // Never more refunded than was paid, whatever runs at once.
                .check(
                    Expr::col("refunded_minor")
                        .gte(0)
                        .and(Expr::col("refunded_minor").lte(Expr::col("amount_minor"))),
                )
                .foreign_key(&mut fk_restrict("payments", "order_id", "orders"))
                .foreign_key(&mut fk_restrict("payments", "invoice_id", "invoices"))
                .foreign_key(&mut fk_restrict("payments", "payer_id", "agents"))
                .foreign_key(&mut fk_restrict("payments", "payee_id", "agents"))
                .foreign_key(&mut fk_restrict("payments", "account_id", "ledger_accounts"))
                .foreign_key(&mut fk_restrict("payments", "creator_id", "users"))
                .take(),
        )
        .await?;
    for columns in [
        &["payer_id", "id"][..],
        &["payee_id", "id"],
        &["account_id", "id"],
        &["resource_id", "id"],
    ] {
        manager.create_index(index("payments", columns)).await?;
    }
    manager
        .create_index(index("payments", &["provider", "provider_ref"]).unique().take())
        .await?;
    // An order has at most one payment that is not over (failed or cancelled): two payers
    // at once meet here, on both databases (partial indexes exist in both).
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX ix_payments_open_order ON payments (order_id) \
             WHERE status IN ('requires_payment', 'processing', 'succeeded')",
        )
        .await?;
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX ix_payments_open_invoice ON payments (invoice_id) \
             WHERE status IN ('requires_payment', 'processing', 'succeeded')",
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("refunds")
                .col(pk_uuid("id"))
                .col(uuid("payment_id"))
                .col(big_integer("amount_minor").check(Expr::col("amount_minor").gt(0)))
                .col(string_len("status", 16).check(one_of("status", &REFUND_STATUSES)))
                .col(text_null("reason"))
                .col(string_len_null("provider_ref", 255))
                .col(text_null("failure_reason"))
                .col(uuid("creator_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk_restrict("refunds", "payment_id", "payments"))
                .foreign_key(&mut fk_restrict("refunds", "creator_id", "users"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("refunds", &["payment_id", "id"]))
        .await
}

async fn entries(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("ledger_entries")
                .col(pk_uuid("id"))
                .col(string_len("kind", 16).check(one_of("kind", &ENTRY_KINDS)))
                .col(string_len("currency", 3))
                .col(uuid_null("payment_id"))
                .col(uuid_null("refund_id"))
                .col(text_null("description"))
                // A payout's receipt (an upload of the person paying out).
                .col(uuid_null("receipt_media_id"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk_restrict("ledger_entries", "payment_id", "payments"))
                .foreign_key(&mut fk_restrict("ledger_entries", "refund_id", "refunds"))
                .foreign_key(&mut fk_restrict("ledger_entries", "receipt_media_id", "media"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("ledger_entries", &["payment_id"]))
        .await?;
    manager
        .create_index(index("ledger_entries", &["refund_id"]))
        .await?;
    manager
        .create_index(index("ledger_entries", &["receipt_media_id"]))
        .await?;
    manager
        .create_table(
            Table::create()
                .table("ledger_lines")
                .col(pk_uuid("id"))
                .col(uuid("entry_id"))
                .col(uuid("account_id"))
                .col(big_integer("amount_minor").check(Expr::col("amount_minor").ne(0)))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("ledger_lines", "entry_id", "ledger_entries"))
                .foreign_key(&mut fk_restrict("ledger_lines", "account_id", "ledger_accounts"))
                .take(),
        )
        .await?;
    manager.create_index(index("ledger_lines", &["entry_id"])).await?;
    manager
        .create_index(index("ledger_lines", &["account_id", "id"]))
        .await
}

/// PostgreSQL: the balanced-entry trigger, the append-only ledger, and row level security.
async fn postgres(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    // Deferred to commit, so the lines of an entry may be inserted one by one; checked once
    // per line, which for entries of two or three lines costs a lookup by indexed entry.
    db.execute_unprepared(
        "CREATE FUNCTION commons_ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$ \
         DECLARE total numeric; currencies int; \
         BEGIN \
           SELECT sum(l.amount_minor), count(DISTINCT a.currency) INTO total, currencies \
             FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id \
             WHERE l.entry_id = NEW.entry_id; \
           IF total <> 0 OR currencies <> 1 THEN \
             RAISE EXCEPTION 'ledger entry % is not balanced in one currency', NEW.entry_id \
               USING ERRCODE = 'check_violation'; \
           END IF; \
           RETURN NULL; \
         END $$; \
         CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_lines \
           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commons_ledger_entry_balanced();",
    )
    .await?;
    db.execute_unprepared(&format!(
        "REVOKE UPDATE, DELETE ON ledger_lines, ledger_entries FROM {APP_ROLE};"
    ))
    .await?;
    // The trigger reads lines and accounts whatever the actor may see.
    db.execute_unprepared(
        "ALTER FUNCTION commons_ledger_entry_balanced() SECURITY DEFINER; \
         ALTER FUNCTION commons_ledger_entry_balanced() SET search_path = public;",
    )
    .await?;
    let actor_orgs = "ANY((SELECT commons_actor_orgs())::uuid[])";
    let payment_seen = format!(
        "(SELECT commons_is_admin()) OR payer_id = (SELECT commons_actor()) \
         OR payee_id = (SELECT commons_actor()) OR creator_id = (SELECT commons_actor()) \
         OR payer_org_id = {actor_orgs} OR payee_org_id = {actor_orgs}"
    );
    let account_seen = format!(
        "(SELECT commons_is_admin()) OR agent_id = (SELECT commons_actor()) OR org_id = {actor_orgs}"
    );
    let through_payment = "EXISTS (SELECT 1 FROM payments p WHERE p.id = payment_id)".to_owned();
    let through_account = "EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = account_id)".to_owned();
    let through_entry_lines = "(SELECT commons_is_admin()) \
        OR EXISTS (SELECT 1 FROM ledger_lines l WHERE l.entry_id = ledger_entries.id)"
        .to_owned();
    let admin_only = "(SELECT commons_is_admin())".to_owned();
    let org_seen = format!("(SELECT commons_is_admin()) OR org_id = {actor_orgs}");
    for (table, seen) in [
        ("payments", payment_seen),
        ("refunds", through_payment),
        ("ledger_accounts", account_seen),
        ("ledger_lines", through_account),
        ("ledger_entries", through_entry_lines),
        ("provider_events", admin_only.clone()),
        ("subscriptions", org_seen.clone()),
        ("invoices", org_seen),
    ] {
        row_policies(db, table, &seen).await?;
    }
    Ok(())
}
