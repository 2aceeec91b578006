//! PA2: the provider's signed events settle pending payments, once however often and however
//! concurrently they arrive; an unsigned, wrongly signed or stale one changes nothing.

use std::sync::Arc;

use commons_core::{CodedError, ErrorCode};
use commons_payments::entity::{entry, provider_event};
use commons_payments::provider::WebhookError;
use commons_payments::{Applied, Error, PaymentStatus, TestProvider};
use commons_sales::OrderStatus;
use futures::future::join_all;

use crate::Market;

/// A placed order paid with an amount the test provider leaves pending (minor units ending
/// in 03), and its payment.
async fn pending(market: &Market) -> (uuid::Uuid, uuid::Uuid) {
    let ann = market.world.person("ann").await;
    let order = market.placed_order(&ann, 20_003).await;
    let payment = market
        .payments
        .pay_order(&market.world.db.conn, &ann, order.id, "pending")
        .await
        .expect("pay");
    assert_eq!(payment.status, PaymentStatus::Processing);
    assert_eq!(market.order(order.id).await.status, OrderStatus::Placed);
    (order.id, payment.id)
}

#[tokio::test]
async fn the_same_event_delivered_twenty_times_at_once_is_applied_once() {
    let market = Arc::new(Market::open("hooks").await);
    let (order, payment) = pending(&market).await;
    let now = chrono::Utc::now();
    let (signature, body) = market
        .provider
        .webhook("evt_1", "payment_intent.succeeded", payment, now);

    let deliveries = (0..20).map(|_| {
        let (market, signature, body) = (market.clone(), signature.clone(), body.clone());
        tokio::spawn(async move {
            market
                .payments
                .apply_webhook(&market.world.db.conn, TestProvider::NAME, Some(&signature), &body)
                .await
        })
    });
    let applied: Vec<Applied> = join_all(deliveries)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran").expect("every delivery is answered"))
        .collect();

    assert_eq!(applied.iter().filter(|a| **a == Applied::Applied).count(), 1);
    assert_eq!(applied.iter().filter(|a| **a == Applied::Duplicate).count(), 19);
    assert_eq!(market.payment(payment).await.status, PaymentStatus::Succeeded);
    assert_eq!(market.order(order).await.status, OrderStatus::Confirmed);
    assert_eq!(market.count::<entry::Entity>().await, 1, "one ledger posting");
    assert_eq!(market.count::<provider_event::Entity>().await, 1);
    assert_eq!(market.balance(market.org.id).await, 20_003 - 500);
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn a_bad_signature_or_a_stale_one_changes_nothing() {
    let market = Market::open("forged").await;
    let (order, payment) = pending(&market).await;
    let conn = &market.world.db.conn;
    let now = chrono::Utc::now();
    let (signature, body) = market
        .provider
        .webhook("evt_2", "payment_intent.succeeded", payment, now);
    let forged =
        TestProvider::new("not the secret").webhook("evt_2", "payment_intent.succeeded", payment, now);
    let stale = market.provider.webhook(
        "evt_2",
        "payment_intent.succeeded",
        payment,
        now - chrono::Duration::minutes(6),
    );
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");

    for (signature, body, expected) in [
        (Some(forged.0.as_str()), &forged.1, WebhookError::BadSignature),
        (None, &body, WebhookError::BadSignature),
        (Some(signature.as_str()), &tampered, WebhookError::BadSignature),
        (Some(stale.0.as_str()), &stale.1, WebhookError::Stale),
    ] {
        let refused = market
            .payments
            .apply_webhook(conn, TestProvider::NAME, signature, body)
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), ErrorCode::BadUserInput);
        assert!(
            matches!(&refused, Error::Webhook(e) if *e == expected),
            "{refused}"
        );
    }
    assert_eq!(market.payment(payment).await.status, PaymentStatus::Processing);
    assert_eq!(market.order(order).await.status, OrderStatus::Placed);
    assert_eq!(market.count::<provider_event::Entity>().await, 0);

    let unknown = market
        .payments
        .apply_webhook(conn, "paypal", Some(&signature), &body)
        .await
        .expect_err("no such provider");
    assert_eq!(unknown.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn a_failure_event_fails_the_payment_and_leaves_the_order_to_be_paid() {
    let market = Market::open("failing").await;
    let (order, payment) = pending(&market).await;
    let (signature, body) = market.provider.webhook(
        "evt_3",
        "payment_intent.payment_failed",
        payment,
        chrono::Utc::now(),
    );
    let applied = market
        .payments
        .apply_webhook(&market.world.db.conn, TestProvider::NAME, Some(&signature), &body)
        .await
        .expect("applied");
    assert_eq!(applied, Applied::Applied);
    let failed = market.payment(payment).await;
    assert_eq!(failed.status, PaymentStatus::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some("Your card was declined."));
    assert_eq!(market.order(order).await.status, OrderStatus::Placed);
    // A success reported after the failure changes nothing: the payment ended.
    let (signature, body) =
        market
            .provider
            .webhook("evt_4", "payment_intent.succeeded", payment, chrono::Utc::now());
    market
        .payments
        .apply_webhook(&market.world.db.conn, TestProvider::NAME, Some(&signature), &body)
        .await
        .expect("answered");
    assert_eq!(market.payment(payment).await.status, PaymentStatus::Failed);
    assert_eq!(market.count::<entry::Entity>().await, 0);
}
