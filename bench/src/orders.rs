//! Issue 12's "place order" (DESIGN.md section 8): each client, signed in as its own user,
//! orders one unit of its own product (so stock is never the bottleneck) and places the
//! order: `createOrder`, then `placeOrder`, two requests that count as one order. Next to
//! it, the statements the server sends for those two requests (read off PostgreSQL's
//! statement log), run directly on the database in the same transactions (begun as the
//! server begins them: `BEGIN IMMEDIATE` on SQLite).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use commons_core::db::begin_write;
use sea_orm::prelude::{DateTimeUtc, Uuid};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, QueryResult, Statement,
    Value,
};
use serde_json::json;

use crate::api::{self, Session, gql_as};
use crate::load::{Outcome, run_scenario};

const CREATE: &str =
    "mutation($p: ID!) { createOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }";
const PLACE: &str = "mutation($o: ID!) { placeOrder(orderId: $o) { id status } }";

/// Units each product starts with: more than any run sells.
const STOCK: i64 = 100_000_000;

/// One product per client, sold by `seller`; their ids, global and stored.
pub(crate) struct Products {
    pub(crate) global: Vec<String>,
    pub(crate) stored: Vec<Uuid>,
    pub(crate) seller: Uuid,
}

impl Products {
    pub(crate) async fn seed(
        http: &reqwest::Client,
        base: &str,
        seller: &Session,
        clients: usize,
        stamp: &str,
    ) -> anyhow::Result<Products> {
        let mut global = Vec::with_capacity(clients);
        for n in 0..clients {
            let input = json!({
                "title": format!("Benchmark mug {n} {stamp}"),
                "summary": "Seeded by the benchmark.",
                "visibility": "PUBLIC",
                "kind": { "product": { "priceMinor": 4500, "currency": "KZT", "stock": STOCK } },
            });
            global.push(api::publish(http, base, seller, input).await?);
        }
        let stored = global
            .iter()
            .map(|id| stored_id(id))
            .collect::<anyhow::Result<_>>()?;
        Ok(Products {
            global,
            stored,
            seller: seller.user_id,
        })
    }
}

/// The uuid inside a global id (`base64("Product:<uuid>")`).
fn stored_id(global: &str) -> anyhow::Result<Uuid> {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global.trim_end_matches('='))
        .context("a global id is base64")?;
    let text = String::from_utf8(decoded)?;
    let (_, id) = text.split_once(':').context("a global id is Type:uuid")?;
    Ok(id.parse()?)
}

/// Client `i` orders and places one unit of product `i`, as `sessions[i]`.
pub(crate) async fn over_http(
    base: &str,
    sessions: &[Session],
    products: &Products,
    duration: Duration,
) -> Outcome {
    let http = reqwest::Client::new();
    run_scenario(sessions.len(), duration, |i| {
        let (http, base, token, product) = (
            http.clone(),
            base.to_owned(),
            sessions[i].token.clone(),
            products.global[i].clone(),
        );
        async move {
            let created = gql_as(&http, &base, Some(&token), CREATE, json!({ "p": product })).await?;
            let order = api::data(&created, "createOrder")?["id"].clone();
            let placed = gql_as(&http, &base, Some(&token), PLACE, json!({ "o": order })).await?;
            Ok(placed["errors"].is_null() && placed["data"]["placeOrder"]["status"] == "PLACED")
        }
    })
    .await
}

/// The same two requests' statements for client `i`: each request looks its session up, then
/// writes in one transaction that first names the actor for row level security (PostgreSQL).
pub(crate) async fn direct_sql(
    db: &DatabaseConnection,
    sessions: &[Session],
    products: &Products,
    duration: Duration,
) -> Outcome {
    let sessions = Arc::new(sessions.to_vec());
    let (products, seller) = (Arc::new(products.stored.clone()), products.seller);
    run_scenario(sessions.len(), duration, |i| {
        let (db, sessions, products) = (db.clone(), sessions.clone(), products.clone());
        async move {
            let (me, session, product) = (sessions[i].user_id, sessions[i].session_id, products[i]);
            let order = create_order(&db, me, session, product, seller).await?;
            place_order(&db, me, session, product, seller, order).await?;
            Ok(true)
        }
    })
    .await
}

pub(crate) async fn create_order(
    db: &DatabaseConnection,
    me: Uuid,
    session: Uuid,
    product: Uuid,
    seller: Uuid,
) -> Result<Uuid, DbErr> {
    let now = chrono::Utc::now();
    let (order, line) = (Uuid::now_v7(), Uuid::now_v7());
    let tx = begin_request(db, me, session).await?;
    read_product(&tx, product).await?;
    run(
        &tx,
        "SELECT id, kind, created_at FROM agents WHERE id IN ($1)",
        [seller.into()],
    )
    .await?;
    run(
        &tx,
        "INSERT INTO orders (id, seller_id, seller_org_id, seller_department_id, customer_id, \
         customer_org_id, creator_id, status, currency, total_minor, note, created_at, updated_at, \
         placed_at) VALUES ($1, $2, NULL, NULL, $3, NULL, $3, 'draft', 'KZT', 4500, NULL, $4, $4, NULL) \
         RETURNING *",
        [order.into(), seller.into(), me.into(), at(now)],
    )
    .await?;
    run(
        &tx,
        "INSERT INTO order_lines (id, order_id, product_id, title, quantity, unit_price_minor, \
         total_minor, reserved) VALUES ($1, $2, $3, 'Benchmark mug', 1, 4500, 4500, $4)",
        [line.into(), order.into(), product.into(), false.into()],
    )
    .await?;
    record_change(&tx, order, me, None, "draft", now).await?;
    tx.commit().await?;
    Ok(order)
}

pub(crate) async fn place_order(
    db: &DatabaseConnection,
    me: Uuid,
    session: Uuid,
    product: Uuid,
    seller: Uuid,
    order: Uuid,
) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let tx = begin_request(db, me, session).await?;
    run(&tx, "SELECT * FROM orders WHERE id = $1", [order.into()]).await?;
    run(
        &tx,
        "UPDATE orders SET status = 'placed', updated_at = $1, placed_at = $1 \
         WHERE id = $2 AND status = 'draft'",
        [at(now), order.into()],
    )
    .await?;
    run(
        &tx,
        "SELECT * FROM order_lines WHERE order_id = $1",
        [order.into()],
    )
    .await?;
    read_product(&tx, product).await?;
    run(
        &tx,
        "UPDATE products SET stock = stock - 1 WHERE resource_id = $1 AND stock >= 1",
        [product.into()],
    )
    .await?;
    run(
        &tx,
        "UPDATE order_lines SET reserved = $1 WHERE order_id = $2",
        [true.into(), order.into()],
    )
    .await?;
    // The seller's customer list is written as the system, as the service does.
    act_as(&tx, None).await?;
    run(
        &tx,
        "INSERT INTO seller_customers (id, seller_id, seller_org_id, customer_id, currency, \
         order_count, spent_minor, last_order_at) VALUES ($1, $2, NULL, $3, 'KZT', 1, 4500, $4) \
         ON CONFLICT (seller_id, customer_id, currency) DO UPDATE SET \
         order_count = seller_customers.order_count + 1, \
         spent_minor = seller_customers.spent_minor + 4500, last_order_at = $4",
        [Uuid::now_v7().into(), seller.into(), me.into(), at(now)],
    )
    .await?;
    act_as(&tx, Some(me)).await?;
    record_change(&tx, order, me, Some("draft"), "placed", now).await?;
    let payload =
        json!({ "order": order, "from": "draft", "to": "placed", "seller": seller, "customer": me });
    run(
        &tx,
        "INSERT INTO outbox_events (id, topic, subject_id, org_id, actor_id, payload, created_at) \
         VALUES ($1, 'order.status_changed', $2, NULL, $3, $4, $5)",
        [
            Uuid::now_v7().into(),
            order.into(),
            me.into(),
            payload.into(),
            at(now),
        ],
    )
    .await?;
    if tx.get_database_backend() == DatabaseBackend::Postgres {
        run(&tx, "NOTIFY commons_outbox", []).await?;
    }
    tx.commit().await
}

/// A product as the service reads it: the resource, then its kind row.
async fn read_product(tx: &DatabaseTransaction, product: Uuid) -> Result<(), DbErr> {
    run(tx, "SELECT * FROM resources WHERE id = $1", [product.into()]).await?;
    run(
        tx,
        "SELECT * FROM products WHERE resource_id IN ($1)",
        [product.into()],
    )
    .await?;
    Ok(())
}

/// How every signed-in write request starts: the session behind the token, then a write
/// transaction that names the actor and reads the actor's account.
pub(crate) async fn begin_request(
    db: &DatabaseConnection,
    me: Uuid,
    session: Uuid,
) -> Result<DatabaseTransaction, DbErr> {
    run(
        db,
        "SELECT * FROM sessions LEFT JOIN users ON users.id = sessions.user_id WHERE sessions.id = $1",
        [session.into()],
    )
    .await?;
    let tx = begin_write(db).await?;
    act_as(&tx, Some(me)).await?;
    run(&tx, "SELECT * FROM users WHERE id = $1", [me.into()]).await?;
    Ok(tx)
}

/// Names the actor for row level security (`None`: the system); PostgreSQL only.
pub(crate) async fn act_as(db: &impl ConnectionTrait, actor: Option<Uuid>) -> Result<(), DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let (id, admin) = match actor {
        Some(id) => (id.to_string(), "off"),
        None => (String::new(), "on"),
    };
    run(
        db,
        "SELECT set_config('commons.actor_id', $1, true), set_config('commons.is_admin', $2, true)",
        [id.into(), admin.into()],
    )
    .await
    .map(drop)
}

pub(crate) async fn record_change(
    db: &impl ConnectionTrait,
    order: Uuid,
    me: Uuid,
    from: Option<&str>,
    to: &str,
    now: DateTimeUtc,
) -> Result<(), DbErr> {
    run(
        db,
        "INSERT INTO order_changes (id, order_id, actor_id, from_status, to_status, note, at) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6) RETURNING *",
        [
            Uuid::now_v7().into(),
            order.into(),
            me.into(),
            from.map(str::to_owned).into(),
            to.into(),
            at(now),
        ],
    )
    .await
    .map(drop)
}

pub(crate) fn at(now: DateTimeUtc) -> Value {
    now.into()
}

/// Runs `sql` with numbered parameters (`$1` …, first used in order: SQLite binds `$N` by
/// first appearance, PostgreSQL by number).
pub(crate) async fn run<const N: usize>(
    db: &impl ConnectionTrait,
    sql: &str,
    values: [Value; N],
) -> Result<Vec<QueryResult>, DbErr> {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    db.query_all_raw(statement).await
}
