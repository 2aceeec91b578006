//! PA4: random sequences of payments, contributions, refunds and payouts; after every step
//! the ledger balances, every balance is the sum of its lines, no agent's account is below
//! zero and no payment is refunded beyond what was paid.

use commons_core::Actor;
use commons_payments::entity::payment;
use commons_payments::{AcceptContributions, Contribute, PaymentStatus, Payout, Refund, Target};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::Market;

#[derive(Clone, Debug)]
enum Step {
    PayOrder(i64),
    Contribute(i64),
    /// Refund this per mille of the n-th succeeded payment (modulo how many there are).
    Refund {
        nth: usize,
        per_mille: i64,
    },
    PayOut(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1i64..50_000).prop_map(Step::PayOrder),
        (1i64..50_000).prop_map(Step::Contribute),
        (0usize..16, 1i64..=1_000).prop_map(|(nth, per_mille)| Step::Refund { nth, per_mille }),
        (1i64..60_000).prop_map(Step::PayOut),
    ]
}

#[test]
fn the_ledger_holds_after_every_step_of_random_movements() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (market, ann) = runtime.block_on(async {
        let market = Market::open("random").await;
        let ann = market.world.person("ann").await;
        market
            .payments
            .accept_contributions(
                &market.world.db.conn,
                &market.owner,
                AcceptContributions {
                    target: Target::Agent(market.org.id),
                    currency: "KZT".into(),
                    goal_minor: None,
                    accepting: true,
                },
            )
            .await
            .expect("open to contributions");
        (market, ann)
    });
    let cases = std::env::var("COMMONS_LEDGER_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let key = std::sync::atomic::AtomicU64::new(0);
    runner
        .run(&proptest::collection::vec(step(), 1..10), |steps| {
            runtime.block_on(async {
                for step in steps {
                    let n = key.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    apply(&market, &ann, step, &format!("k{n}")).await;
                    market.assert_ledger_holds().await;
                    for p in all_payments(&market).await {
                        prop_assert!(p.refunded_minor <= p.amount_minor, "{p:?}");
                    }
                }
                Ok(())
            })
        })
        .expect("the ledger holds");
}

async fn apply(market: &Market, ann: &Actor, step: Step, key: &str) {
    let conn = &market.world.db.conn;
    let payments = &market.payments;
    // Refusals (not enough left, not enough held) are part of the game; what matters is that
    // the books are right after each.
    match step {
        Step::PayOrder(amount) => {
            let order = market.placed_order(ann, amount).await;
            let _ = payments.pay_order(conn, ann, order.id, key).await;
        }
        Step::Contribute(amount) => {
            let gift = Contribute {
                target: Target::Agent(market.org.id),
                amount_minor: amount,
                currency: "KZT".into(),
                payer_id: None,
                anonymous: false,
                message: None,
                idempotency_key: key.into(),
            };
            let _ = payments.contribute(conn, ann, gift).await;
        }
        Step::Refund { nth, per_mille } => {
            let succeeded: Vec<payment::Model> = all_payments(market)
                .await
                .into_iter()
                .filter(|p| p.status == PaymentStatus::Succeeded)
                .collect();
            if succeeded.is_empty() {
                return;
            }
            let p = &succeeded[nth % succeeded.len()];
            let amount = (p.amount_minor * per_mille / 1_000).max(1);
            let refund = Refund {
                payment_id: p.id,
                amount_minor: Some(amount),
                reason: None,
                idempotency_key: key.into(),
            };
            let _ = payments.refund_payment(conn, &market.owner, refund).await;
        }
        Step::PayOut(amount) => {
            let payout = Payout {
                target: Target::Agent(market.org.id),
                amount_minor: amount,
                currency: "KZT".into(),
                description: "To the bank".into(),
                receipt_media_id: None,
                idempotency_key: key.into(),
            };
            let _ = payments.pay_out(conn, &market.owner, payout).await;
        }
    }
}

async fn all_payments(market: &Market) -> Vec<payment::Model> {
    use sea_orm::{EntityTrait, TransactionTrait};
    let tx = market.world.db.conn.begin().await.expect("begin");
    commons_core::tenant::act_as(&tx, &Actor::System)
        .await
        .expect("act");
    let found = payment::Entity::find().all(&tx).await.expect("payments");
    tx.commit().await.expect("commit");
    found
}

/// What the database itself holds, not only the services: an agent's account never below
/// zero (both databases); on PostgreSQL an entry that does not balance does not commit, and
/// the application role can neither change nor delete lines.
#[tokio::test]
async fn the_database_refuses_what_would_break_the_books() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let market = Market::open("walls").await;
    let ann = market.world.person("ann").await;
    let order = market.placed_order(&ann, 1_000).await;
    market
        .payments
        .pay_order(&market.world.db.conn, &ann, order.id, "k")
        .await
        .expect("pay");
    let conn = &market.world.db.conn;
    let run = |sql: &str| {
        let sql = sql.to_owned();
        async move {
            let tx = conn.begin().await.expect("begin");
            commons_core::tenant::act_as(&tx, &Actor::System)
                .await
                .expect("act");
            tx.execute_unprepared(&sql).await?;
            tx.commit().await
        }
    };

    run("UPDATE ledger_accounts SET balance_minor = -1 WHERE kind = 'agent'")
        .await
        .expect_err("an agent's account below zero");
    if market.world.db.is_postgres() {
        run("UPDATE ledger_lines SET amount_minor = amount_minor + 1")
            .await
            .expect_err("lines are not changed");
        run("DELETE FROM ledger_lines").await.expect_err("nor deleted");
        let unbalanced = run("INSERT INTO ledger_entries (id, kind, currency, created_at) \
               VALUES ('00000000-0000-7000-8000-000000000001', 'payout', 'KZT', now()); \
             INSERT INTO ledger_lines (id, entry_id, account_id, amount_minor, created_at) \
               SELECT gen_random_uuid(), '00000000-0000-7000-8000-000000000001', a.id, 5, now() \
               FROM ledger_accounts a WHERE a.kind = 'clearing'")
        .await
        .expect_err("an entry that does not balance does not commit");
        assert!(unbalanced.to_string().contains("not balanced"), "{unbalanced}");
    }
    market.assert_ledger_holds().await;
}
