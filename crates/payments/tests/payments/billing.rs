//! PA6: an organization's plan through the provider: the first month charged at once, an
//! upgrade mid-month prorated to the minor unit, renewals invoiced by the clock (once, with
//! two billing runs at once), a failed renewal falling back to the free plan's limits, and
//! paying it restoring the plan. Only the owner changes or pays the plan; admins see it.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use commons_core::{Actor, CodedError, ErrorCode, ManualClock, PageRequest, Timestamp};
use commons_orgs::entity::organization;
use commons_orgs::{BillingStatus, Plan, Role};
use commons_payments::entity::invoice::{InvoiceKind, InvoiceStatus};
use commons_payments::entity::subscription::SubscriptionStatus;
use commons_payments::{AccountKind, prorate};
use commons_testkit::World;
use sea_orm::EntityTrait;

use crate::Market;

fn at(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .expect("a time")
}

#[test]
fn an_upgrade_on_day_ten_of_a_thirty_day_month_costs_the_rest_of_it() {
    let (start, end) = (
        at(1, 0),
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .expect("a time"),
    );
    // 9.00 → 29.00 with 21 of 30 days left: 20.00 × 21/30 = 14.00.
    assert_eq!(prorate(900, 2_900, start, end, at(10, 0)), 1_400);
    // At noon 20.5 days are left: 20.00 × 20.5/30 = 13.666… → 13.67.
    assert_eq!(prorate(900, 2_900, start, end, at(10, 12)), 1_367);
    // 99.00 − 29.00 over 21/30: 49.00.
    assert_eq!(prorate(2_900, 9_900, start, end, at(10, 0)), 4_900);
    assert_eq!(
        prorate(2_900, 900, start, end, at(10, 0)),
        0,
        "a downgrade owes nothing"
    );
    assert_eq!(
        prorate(900, 2_900, start, end, end),
        0,
        "nothing is left at the end"
    );
}

/// A market on a clock standing at 1 November 2026.
async fn billed(name: &str) -> (Market, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(at(1, 0)));
    let world = World::builder().clock(clock.clone()).build().await;
    (Market::in_world(name, world).await, clock)
}

async fn org(market: &Market) -> organization::Model {
    use sea_orm::TransactionTrait;
    let tx = market.world.db.conn.begin().await.expect("begin");
    commons_core::tenant::act_as(&tx, &Actor::System)
        .await
        .expect("act");
    let found = organization::Entity::find_by_id(market.org.id)
        .one(&tx)
        .await
        .expect("read")
        .expect("the organization");
    tx.commit().await.expect("commit");
    found
}

#[tokio::test]
async fn a_plan_is_paid_upgraded_renewed_lost_and_restored() {
    let (market, clock) = billed("studio").await;
    let conn = &market.world.db.conn;
    let payments = &market.payments;
    let owner = &market.owner;
    let org_id = market.org.id;

    let started = payments
        .subscribe(conn, owner, org_id, Plan::Starter, "sub-1")
        .await
        .expect("subscribe");
    assert_eq!(
        (started.plan, started.status),
        (Plan::Starter, SubscriptionStatus::Active)
    );
    assert_eq!(
        (started.period_start, started.period_end),
        (at(1, 0), at(1, 0) + chrono::Months::new(1))
    );
    assert_eq!(org(&market).await.plan, Plan::Starter);

    // Day 10: growth for the 21 days left.
    clock.advance(chrono::Duration::days(9));
    let grown = payments
        .subscribe(conn, owner, org_id, Plan::Growth, "sub-2")
        .await
        .expect("upgrade");
    assert_eq!((grown.plan, grown.price_minor), (Plan::Growth, 2_900));
    assert_eq!(org(&market).await.plan, Plan::Growth);
    let page = PageRequest::new(Some(10), None).expect("page");
    let invoices = payments
        .invoices(conn, owner, org_id, &page)
        .await
        .expect("invoices");
    let listed: Vec<_> = invoices
        .edges
        .iter()
        .map(|(_, i)| (i.kind, i.amount_minor, i.status))
        .collect();
    assert_eq!(
        listed,
        vec![
            (InvoiceKind::Proration, 1_400, InvoiceStatus::Paid),
            (InvoiceKind::Initial, 900, InvoiceStatus::Paid),
        ]
    );

    // 1 December: the renewal, at the growth price.
    clock.advance(chrono::Duration::days(21));
    let run = payments.bill_due(conn).await.expect("bill");
    assert_eq!((run.invoiced, run.paid, run.failed), (1, 1, 0));
    let renewed = payments
        .subscription(conn, owner, org_id)
        .await
        .expect("read")
        .expect("the subscription");
    assert_eq!(
        renewed.period_start,
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().expect("t")
    );
    assert_eq!(
        payments.bill_due(conn).await.expect("bill").invoiced,
        0,
        "nothing due twice"
    );

    // 1 January: the card has expired.
    clock.advance(chrono::Duration::days(31));
    market.provider.decline_all(true);
    let run = payments.bill_due(conn).await.expect("bill");
    assert_eq!((run.invoiced, run.failed), (1, 1));
    let lapsed = org(&market).await;
    assert_eq!(
        (lapsed.plan, lapsed.billing_status),
        (Plan::Growth, BillingStatus::PastDue)
    );
    assert_eq!(
        lapsed.plan.effective_limits(lapsed.billing_status),
        Plan::Free.limits()
    );
    let blocked = payments
        .subscribe(conn, owner, org_id, Plan::Pro, "sub-3")
        .await
        .expect_err("pay first");
    assert_eq!(blocked.code(), ErrorCode::Conflict);

    // Paying the failed invoice restores the plan and moves the period on.
    market.provider.decline_all(false);
    let unpaid = payments
        .invoices(conn, owner, org_id, &page)
        .await
        .expect("invoices")
        .edges
        .into_iter()
        .map(|(_, i)| i)
        .find(|i| i.status == InvoiceStatus::Failed)
        .expect("the failed renewal");
    assert_eq!(unpaid.failure_reason.as_deref(), Some("Your card has expired."));
    let paid = payments
        .pay_invoice(conn, owner, unpaid.id, "pay-1")
        .await
        .expect("pay");
    assert_eq!(paid.status, InvoiceStatus::Paid);
    let restored = org(&market).await;
    assert_eq!(
        (restored.plan, restored.billing_status),
        (Plan::Growth, BillingStatus::Active)
    );
    let sub = payments
        .subscription(conn, owner, org_id)
        .await
        .expect("read")
        .expect("sub");
    assert_eq!(
        (sub.status, sub.period_start),
        (SubscriptionStatus::Active, unpaid.period_start)
    );
    // 9 + 14 + 29 + 29: all of it the platform's.
    assert_eq!(
        market.platform(AccountKind::Fees).await,
        0,
        "invoices are in USD, not KZT"
    );
    let usd: i64 = market
        .accounts()
        .await
        .into_iter()
        .filter(|a| a.kind == AccountKind::Fees && a.currency == "USD")
        .map(|a| a.balance_minor)
        .sum();
    assert_eq!(usd, 900 + 1_400 + 2_900 + 2_900);
    market.assert_ledger_holds().await;

    // The free plan ends it.
    let ended = payments
        .subscribe(conn, owner, org_id, Plan::Free, "sub-4")
        .await
        .expect("leave");
    assert_eq!(ended.status, SubscriptionStatus::Cancelled);
    assert_eq!(org(&market).await.plan, Plan::Free);
}

#[tokio::test]
async fn two_billing_runs_at_once_invoice_and_charge_a_renewal_once() {
    let (market, clock) = billed("twins").await;
    let conn = &market.world.db.conn;
    market
        .payments
        .subscribe(conn, &market.owner, market.org.id, Plan::Pro, "s")
        .await
        .expect("subscribe");
    clock.advance(chrono::Duration::days(30));
    let market = Arc::new(market);
    let runs = (0..2).map(|_| {
        let market = market.clone();
        tokio::spawn(async move { market.payments.bill_due(&market.world.db.conn).await })
    });
    let mut invoiced = 0;
    for run in futures::future::join_all(runs).await {
        invoiced += run.expect("ran").expect("billed").invoiced;
    }
    assert_eq!(invoiced, 1);
    assert_eq!(
        market.provider.charge_count(),
        2,
        "the first month and one renewal"
    );
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn only_owners_and_admins_see_and_change_the_plan() {
    let (market, _clock) = billed("private").await;
    let conn = &market.world.db.conn;
    let stranger = market.world.person("stranger").await;
    let member = market.world.new_member(&market.org, "plain", Role::Member).await;
    let admin = market.world.new_member(&market.org, "boss", Role::Admin).await;
    let page = PageRequest::new(Some(5), None).expect("page");
    for outsider in [&stranger, &member, &market.clerk] {
        let refused = market
            .payments
            .subscribe(conn, outsider, market.org.id, Plan::Starter, "x")
            .await
            .expect_err("not theirs");
        assert_eq!(refused.code(), ErrorCode::Forbidden);
        let hidden = market
            .payments
            .invoices(conn, outsider, market.org.id, &page)
            .await
            .expect_err("not theirs to read");
        assert_eq!(hidden.code(), ErrorCode::Forbidden);
    }
    let admin_pays = market
        .payments
        .subscribe(conn, &admin, market.org.id, Plan::Starter, "a")
        .await
        .expect_err("the owner pays for the plan");
    assert_eq!(admin_pays.code(), ErrorCode::Forbidden);
    market
        .payments
        .subscribe(conn, &market.owner, market.org.id, Plan::Starter, "o")
        .await
        .expect("the owner subscribes");
    let seen = market
        .payments
        .invoices(conn, &admin, market.org.id, &page)
        .await
        .expect("an admin sees the invoices");
    assert_eq!(seen.edges.len(), 1);
    let free = market
        .payments
        .subscribe(conn, &market.owner, market.org.id, Plan::Free, "f")
        .await
        .expect("back to free");
    assert_eq!(free.status, SubscriptionStatus::Cancelled);
}
