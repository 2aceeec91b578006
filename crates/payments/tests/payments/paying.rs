//! PA1 and PA3: paying an order through the test provider, once per idempotency key.

use std::sync::Arc;

use commons_core::{Actor, CodedError, ErrorCode};
use commons_payments::entity::{entry, payment};
use commons_payments::{AccountKind, PaymentStatus};
use commons_sales::OrderStatus;
use futures::future::join_all;

use crate::Market;

#[tokio::test]
async fn a_paid_order_is_confirmed_and_its_seller_credited_less_the_fee() {
    let market = Market::open("paid").await;
    let ann = market.world.person("ann").await;
    let order = market.placed_order(&ann, 10_000).await;

    let paid = market
        .payments
        .pay_order(&market.world.db.conn, &ann, order.id, "pay-1")
        .await
        .expect("pay");

    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!((paid.amount_minor, paid.fee_minor), (10_000, 250));
    assert_eq!(market.order(order.id).await.status, OrderStatus::Confirmed);
    assert_eq!(market.balance(market.org.id).await, 9_750);
    assert_eq!(market.platform(AccountKind::Fees).await, 250);
    assert_eq!(market.platform(AccountKind::Clearing).await, -10_000);
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn a_declined_charge_fails_and_the_order_can_be_paid_again() {
    let market = Market::open("declined").await;
    let ann = market.world.person("ann").await;
    // Minor units ending in 02: the test provider declines.
    let order = market.placed_order(&ann, 10_002).await;
    let conn = &market.world.db.conn;

    let failed = market
        .payments
        .pay_order(conn, &ann, order.id, "try-1")
        .await
        .expect("the attempt is recorded");
    assert_eq!(failed.status, PaymentStatus::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some("Your card was declined."));
    assert_eq!(market.order(order.id).await.status, OrderStatus::Placed);
    assert_eq!(market.balance(market.org.id).await, 0);

    // The same key answers with the same failed payment; a new key tries again.
    let replay = market
        .payments
        .pay_order(conn, &ann, order.id, "try-1")
        .await
        .expect("replay");
    assert_eq!(replay.id, failed.id);
    let again = market
        .payments
        .pay_order(conn, &ann, order.id, "try-2")
        .await
        .expect("a second attempt");
    assert_ne!(again.id, failed.id);
    assert_eq!(
        again.status,
        PaymentStatus::Failed,
        "the same amount is declined again"
    );
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn twenty_requests_with_one_key_make_one_payment_and_one_charge() {
    let market = Arc::new(Market::open("rush").await);
    let ann = market.world.person("ann").await;
    let order = market.placed_order(&ann, 5_000).await;

    let tries = (0..20).map(|_| {
        let (market, ann) = (market.clone(), ann.clone());
        tokio::spawn(async move {
            market
                .payments
                .pay_order(&market.world.db.conn, &ann, order.id, "checkout-77")
                .await
        })
    });
    let answers: Vec<_> = join_all(tries)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran").expect("every replay answers"))
        .collect();

    let first = answers[0].id;
    assert!(
        answers.iter().all(|p| p.id == first),
        "one payment for every replay"
    );
    assert_eq!(market.count::<payment::Entity>().await, 1);
    assert_eq!(market.provider.charge_count(), 1, "one charge at the provider");
    assert_eq!(market.count::<entry::Entity>().await, 1, "one ledger posting");
    assert_eq!(market.balance(market.org.id).await, 5_000 - 125);
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn two_payers_with_their_own_keys_pay_an_order_once() {
    let market = Arc::new(Market::open("twice").await);
    let ann = market.world.person("ann").await;
    let order = market.placed_order(&ann, 4_000).await;

    let tries = (0..8).map(|i| {
        let (market, ann) = (market.clone(), ann.clone());
        tokio::spawn(async move {
            market
                .payments
                .pay_order(&market.world.db.conn, &ann, order.id, &format!("tab-{i}"))
                .await
        })
    });
    let answers: Vec<_> = join_all(tries)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect();

    assert_eq!(
        answers.iter().filter(|a| a.is_ok()).count(),
        1,
        "one payment goes through"
    );
    for refused in answers.iter().filter_map(|a| a.as_ref().err()) {
        assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}");
    }
    assert_eq!(market.balance(market.org.id).await, 3_900);
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn a_key_is_for_one_request_and_one_person() {
    let market = Market::open("keys").await;
    let ann = market.world.person("ann").await;
    let bob = market.world.person("bob").await;
    let first = market.placed_order(&ann, 1_000).await;
    let second = market.placed_order(&ann, 2_000).await;
    let conn = &market.world.db.conn;
    market
        .payments
        .pay_order(conn, &ann, first.id, "k")
        .await
        .expect("pay the first");

    let reused = market
        .payments
        .pay_order(conn, &ann, second.id, "k")
        .await
        .expect_err("the key named another order");
    assert_eq!(
        (reused.code(), reused.field()),
        (ErrorCode::Conflict, Some("idempotencyKey"))
    );

    // Another person's "k" is their own key; bob cannot pay ann's order.
    let stranger = market
        .payments
        .pay_order(conn, &bob, second.id, "k")
        .await
        .expect_err("not bob's order");
    assert_eq!(stranger.code(), ErrorCode::NotFound);
    let empty = market
        .payments
        .pay_order(conn, &ann, second.id, "")
        .await
        .expect_err("a key is required");
    assert_eq!(empty.code(), ErrorCode::BadUserInput);
}

#[tokio::test]
async fn only_the_customer_pays_and_only_a_placed_order() {
    let market = Market::open("rules").await;
    let ann = market.world.person("ann").await;
    let conn = &market.world.db.conn;
    let order = market.placed_order(&ann, 3_000).await;

    let seller = market
        .payments
        .pay_order(conn, &market.clerk, order.id, "s")
        .await
        .expect_err("the seller does not pay");
    assert_eq!(seller.code(), ErrorCode::Forbidden);
    let anonymous = market
        .payments
        .pay_order(conn, &Actor::ANONYMOUS, order.id, "a")
        .await
        .expect_err("sign in first");
    assert_eq!(anonymous.code(), ErrorCode::Unauthenticated);

    market
        .payments
        .pay_order(conn, &ann, order.id, "p1")
        .await
        .expect("pay");
    let twice = market
        .payments
        .pay_order(conn, &ann, order.id, "p2")
        .await
        .expect_err("already paid");
    assert_eq!(twice.code(), ErrorCode::Conflict);
    assert!(twice.to_string().contains("confirmed"), "{twice}");
}
