//! Issue 13's "pay order" (DESIGN.md section 8): each client, signed in as its own user,
//! orders one unit of its own product, places the order and pays it through the built-in
//! test provider (which answers at once): `createOrder`, `placeOrder`, `payOrder`, three
//! requests that count as one checkout. Next to it, the statements the server sends for those
//! requests (read off the connection's statement log), run directly on the database in the
//! same transactions. The provider call itself is in-process and costs nothing here: what is
//! measured is the server's own work around it.

use std::sync::Arc;
use std::time::Duration;

use commons_core::db::begin_write;
use sea_orm::prelude::Uuid;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr};
use serde_json::json;

use crate::api::{self, Session, gql_as};
use crate::load::{Outcome, run_scenario};
use crate::orders::{Products, act_as, at, begin_request, create_order, place_order, record_change, run};

const CREATE: &str =
    "mutation($p: ID!) { createOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }";
const PLACE: &str = "mutation($o: ID!) { placeOrder(orderId: $o) { id status } }";
const PAY: &str =
    "mutation($o: ID!, $k: String!) { payOrder(orderId: $o, idempotencyKey: $k) { id status } }";

/// The products' price (orders::Products seeds them at it).
const PRICE: i64 = 4500;

/// Client `i` orders, places and pays one unit of product `i`, as `sessions[i]`.
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
            gql_as(&http, &base, Some(&token), PLACE, json!({ "o": order })).await?;
            let key = Uuid::now_v7().to_string();
            let paid = gql_as(&http, &base, Some(&token), PAY, json!({ "o": order, "k": key })).await?;
            Ok(paid["errors"].is_null() && paid["data"]["payOrder"]["status"] == "SUCCEEDED")
        }
    })
    .await
}

/// The same three requests' statements for client `i`.
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
            pay_order(&db, me, session, seller, order).await?;
            Ok(true)
        }
    })
    .await
}

/// `payOrder`: the key, the order and the seller's account, the payment written in the
/// first transaction; the provider's answer settled, posted and the order confirmed in the
/// second.
async fn pay_order(
    db: &DatabaseConnection,
    me: Uuid,
    session: Uuid,
    seller: Uuid,
    order: Uuid,
) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let (key, payment) = (Uuid::now_v7(), Uuid::now_v7());
    let tx = begin_request(db, me, session).await?;
    run(
        &tx,
        "INSERT INTO idempotency_keys (id, actor_id, key, operation, fingerprint, result_id, created_at) \
         VALUES ($1, $2, $3, 'payOrder', 'f', NULL, $4) ON CONFLICT (actor_id, key) DO NOTHING",
        [Uuid::now_v7().into(), me.into(), key.to_string().into(), at(now)],
    )
    .await?;
    run(&tx, "SELECT * FROM orders WHERE id = $1", [order.into()]).await?;
    act_as(&tx, None).await?;
    let seller_account = account(&tx, format!("agent:{seller}:-:KZT")).await?;
    act_as(&tx, Some(me)).await?;
    run(
        &tx,
        "INSERT INTO payments (id, kind, order_id, invoice_id, payer_id, payer_org_id, payee_id, \
         payee_org_id, account_id, resource_id, creator_id, amount_minor, fee_minor, refunded_minor, \
         currency, status, provider, provider_ref, client_secret, failure_reason, anonymous, message, \
         created_at, updated_at, settled_at) VALUES ($1, 'order', $2, NULL, $3, NULL, $4, NULL, $5, \
         NULL, $3, $6, 0, 0, 'KZT', 'requires_payment', 'test', NULL, NULL, NULL, $7, NULL, $8, $8, NULL)",
        [
            payment.into(),
            order.into(),
            me.into(),
            seller.into(),
            seller_account.into(),
            PRICE.into(),
            false.into(),
            at(now),
        ],
    )
    .await?;
    run(
        &tx,
        "UPDATE idempotency_keys SET result_id = $1 WHERE actor_id = $2 AND key = $3",
        [payment.into(), me.into(), key.to_string().into()],
    )
    .await?;
    tx.commit().await?;

    let tx = begin_write(db).await?;
    act_as(&tx, None).await?;
    run(&tx, "SELECT * FROM payments WHERE id = $1", [payment.into()]).await?;
    run(
        &tx,
        "UPDATE payments SET status = 'succeeded', updated_at = $1, provider_ref = $2, settled_at = $1, \
         failure_reason = NULL WHERE id = $3 AND status IN ('requires_payment', 'processing')",
        [
            at(now),
            format!("pi_test_{}", payment.simple()).into(),
            payment.into(),
        ],
    )
    .await?;
    run(&tx, "SELECT * FROM payments WHERE id = $1", [payment.into()]).await?;
    let clearing = account(&tx, "clearing:KZT".into()).await?;
    account(&tx, "fees:KZT".into()).await?;
    act_as(&tx, None).await?;
    for (id, amount) in [(seller_account, PRICE), (clearing, -PRICE)] {
        run(
            &tx,
            "UPDATE ledger_accounts SET balance_minor = balance_minor + $1 WHERE id = $2 \
             AND (kind <> 'agent' OR balance_minor + $1 >= 0)",
            [amount.into(), id.into()],
        )
        .await?;
    }
    let entry = Uuid::now_v7();
    run(
        &tx,
        "INSERT INTO ledger_entries (id, kind, currency, payment_id, refund_id, description, \
         receipt_media_id, created_by, created_at) VALUES ($1, 'payment', 'KZT', $2, NULL, NULL, NULL, $3, $4)",
        [entry.into(), payment.into(), me.into(), at(now)],
    )
    .await?;
    run(
        &tx,
        "INSERT INTO ledger_lines (id, entry_id, account_id, amount_minor, created_at) \
         VALUES ($1, $2, $3, $4, $7), ($5, $2, $6, $8, $7)",
        [
            Uuid::now_v7().into(),
            entry.into(),
            seller_account.into(),
            PRICE.into(),
            Uuid::now_v7().into(),
            clearing.into(),
            at(now),
            (-PRICE).into(),
        ],
    )
    .await?;
    act_as(&tx, None).await?;
    run(
        &tx,
        "UPDATE orders SET status = 'confirmed', updated_at = $1 WHERE id = $2 AND status = 'placed'",
        [at(now), order.into()],
    )
    .await?;
    run(&tx, "SELECT * FROM orders WHERE id = $1", [order.into()]).await?;
    record_change(&tx, order, me, Some("placed"), "confirmed", now).await?;
    for (topic, subject) in [("order.status_changed", order), ("payment.succeeded", payment)] {
        run(
            &tx,
            "INSERT INTO outbox_events (id, topic, subject_id, org_id, actor_id, payload, created_at) \
             VALUES ($1, $2, $3, NULL, NULL, $4, $5)",
            [
                Uuid::now_v7().into(),
                topic.into(),
                subject.into(),
                json!({ "order": order, "payment": payment }).into(),
                at(now),
            ],
        )
        .await?;
        if tx.get_database_backend() == DatabaseBackend::Postgres {
            run(&tx, "NOTIFY commons_outbox", []).await?;
        }
    }
    tx.commit().await
}

/// A ledger account's id by its key, as the service reads it.
async fn account(tx: &sea_orm::DatabaseTransaction, key: String) -> Result<Uuid, DbErr> {
    let rows = run(
        tx,
        "SELECT * FROM ledger_accounts WHERE account_key = $1",
        [key.into()],
    )
    .await?;
    rows.first()
        .map(|row| row.try_get::<Uuid>("", "id"))
        .transpose()?
        .ok_or_else(|| DbErr::RecordNotFound("a ledger account".into()))
}
