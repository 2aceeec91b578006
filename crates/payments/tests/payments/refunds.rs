//! PA1: refunds, in full or in part, never more than was paid, also when they run at once.

use std::sync::Arc;

use commons_core::{Actor, CodedError, ErrorCode};
use commons_payments::{AccountKind, Refund, RefundStatus};
use commons_sales::OrderStatus;
use futures::future::join_all;
use uuid::Uuid;

use crate::Market;

fn refund(payment_id: Uuid, amount: Option<i64>, key: &str) -> Refund {
    Refund {
        payment_id,
        amount_minor: amount,
        reason: Some("damaged".into()),
        idempotency_key: key.into(),
    }
}

/// A market with ann's order of 10,000 KZT paid.
async fn paid(name: &str) -> (Market, Actor, Uuid, Uuid) {
    let market = Market::open(name).await;
    let ann = market.world.person("ann").await;
    let order = market.placed_order(&ann, 10_000).await;
    let payment = market
        .payments
        .pay_order(&market.world.db.conn, &ann, order.id, "pay")
        .await
        .expect("pay");
    (market, ann, order.id, payment.id)
}

#[tokio::test]
async fn a_partial_refund_then_the_rest_refunds_the_order_and_the_fee() {
    let (market, _ann, order, payment) = paid("partial").await;
    let conn = &market.world.db.conn;

    let first = market
        .payments
        .refund_payment(conn, &market.clerk, refund(payment, Some(4_000), "r1"))
        .await
        .expect("refund part");
    assert_eq!(first.status, RefundStatus::Succeeded);
    assert_eq!(market.payment(payment).await.refunded_minor, 4_000);
    // 4,000 back: 100 of it from the fee (2.5%), 3,900 from the shop.
    assert_eq!(market.balance(market.org.id).await, 9_750 - 3_900);
    assert_eq!(market.platform(AccountKind::Fees).await, 150);
    assert_eq!(market.order(order).await.status, OrderStatus::Confirmed);

    let rest = market
        .payments
        .refund_payment(conn, &market.clerk, refund(payment, None, "r2"))
        .await
        .expect("refund the rest");
    assert_eq!(rest.amount_minor, 6_000);
    assert_eq!(market.balance(market.org.id).await, 0);
    assert_eq!(market.platform(AccountKind::Fees).await, 0);
    assert_eq!(market.platform(AccountKind::Clearing).await, 0);
    assert_eq!(market.order(order).await.status, OrderStatus::Refunded);
    assert_eq!(market.provider.refund_count(), 2);
    market.assert_ledger_holds().await;

    let more = market
        .payments
        .refund_payment(conn, &market.clerk, refund(payment, Some(1), "r3"))
        .await
        .expect_err("nothing is left");
    assert_eq!(more.code(), ErrorCode::Conflict);
    assert!(more.to_string().contains("only 0.00 KZT"), "{more}");
}

#[tokio::test]
async fn ten_refunds_at_once_never_give_back_more_than_was_paid() {
    let (market, _ann, _order, payment) = paid("rush").await;
    let market = Arc::new(market);

    let refunds = (0..10).map(|i| {
        let market = market.clone();
        tokio::spawn(async move {
            market
                .payments
                .refund_payment(
                    &market.world.db.conn,
                    &market.owner,
                    refund(payment, Some(3_000), &format!("r{i}")),
                )
                .await
        })
    });
    let answers: Vec<_> = join_all(refunds)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect();

    assert_eq!(
        answers.iter().filter(|a| a.is_ok()).count(),
        3,
        "three of 3,000 fit in 10,000"
    );
    for refused in answers.iter().filter_map(|a| a.as_ref().err()) {
        assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}");
    }
    assert_eq!(market.payment(payment).await.refunded_minor, 9_000);
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn only_the_payee_side_refunds() {
    let (market, ann, _order, payment) = paid("who").await;
    let conn = &market.world.db.conn;
    let bob = market.world.person("bob").await;

    let customer = market
        .payments
        .refund_payment(conn, &ann, refund(payment, None, "mine"))
        .await
        .expect_err("the customer does not refund");
    assert_eq!(customer.code(), ErrorCode::Forbidden);
    let stranger = market
        .payments
        .refund_payment(conn, &bob, refund(payment, None, "x"))
        .await
        .expect_err("a stranger sees no payment");
    assert_eq!(stranger.code(), ErrorCode::NotFound);
    let zero = market
        .payments
        .refund_payment(conn, &market.clerk, refund(payment, Some(0), "z"))
        .await
        .expect_err("zero");
    assert_eq!(
        (zero.code(), zero.field()),
        (ErrorCode::BadUserInput, Some("amountMinor"))
    );
    assert_eq!(market.payment(payment).await.refunded_minor, 0);
}

#[tokio::test]
async fn a_refund_replayed_with_its_key_refunds_once() {
    let (market, _ann, _order, payment) = paid("replay").await;
    let conn = &market.world.db.conn;
    let first = market
        .payments
        .refund_payment(conn, &market.clerk, refund(payment, Some(1_000), "once"))
        .await
        .expect("refund");
    let again = market
        .payments
        .refund_payment(conn, &market.clerk, refund(payment, Some(1_000), "once"))
        .await
        .expect("replay");
    assert_eq!(again.id, first.id);
    assert_eq!(market.payment(payment).await.refunded_minor, 1_000);
    assert_eq!(market.provider.refund_count(), 1);
}
