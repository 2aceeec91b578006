//! Contributions to an agent or a resource's fund, payouts from them, and who sees what.

use commons_core::export::ExportFormat;
use commons_core::{Actor, CodedError, ErrorCode, PageRequest};
use commons_payments::{AcceptContributions, Contribute, Payout, Refund, Target};
use commons_payments::{HistoryFilter, PaymentStatus};

use crate::Market;

fn gift(target: Target, amount: i64, key: &str) -> Contribute {
    Contribute {
        target,
        amount_minor: amount,
        currency: "KZT".into(),
        payer_id: None,
        anonymous: false,
        message: Some("For the gloves".into()),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn a_fund_takes_contributions_once_opened_and_pays_out_what_it_holds() {
    let market = Market::open("fund").await;
    let conn = &market.world.db.conn;
    let cleanup = market
        .world
        .post(&market.owner, "Park cleanup")
        .owner(market.org.id)
        .publish()
        .await;
    let ann = market.world.person("ann").await;

    let closed = market
        .payments
        .contribute(conn, &ann, gift(Target::Resource(cleanup), 5_000, "g0"))
        .await
        .expect_err("the fund is not open");
    assert_eq!(
        (closed.code(), closed.field()),
        (ErrorCode::BadUserInput, Some("currency"))
    );

    let open = AcceptContributions {
        target: Target::Resource(cleanup),
        currency: "KZT".into(),
        goal_minor: Some(100_000),
        accepting: true,
    };
    let refused = market
        .payments
        .accept_contributions(conn, &market.clerk, open.clone())
        .await
        .expect_err("a clerk does not manage billing");
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let fund = market
        .payments
        .accept_contributions(conn, &market.owner, open)
        .await
        .expect("open the fund");
    assert_eq!(fund.goal_minor, Some(100_000));

    let given = market
        .payments
        .contribute(conn, &ann, gift(Target::Resource(cleanup), 5_000, "g1"))
        .await
        .expect("contribute");
    assert_eq!(given.status, PaymentStatus::Succeeded);
    assert_eq!(given.resource_id, Some(cleanup));
    let accounts = market
        .payments
        .balance(conn, &market.owner, market.org.id)
        .await
        .expect("balance");
    let held = accounts
        .iter()
        .find(|a| a.resource_id == Some(cleanup))
        .expect("the fund's account");
    assert_eq!(held.balance_minor, 4_875);

    let too_much = market
        .payments
        .pay_out(
            conn,
            &market.owner,
            Payout {
                target: Target::Resource(cleanup),
                amount_minor: 5_000,
                currency: "KZT".into(),
                description: "Gloves".into(),
                receipt_media_id: None,
                idempotency_key: "p1".into(),
            },
        )
        .await
        .expect_err("more than the fund holds");
    assert_eq!(too_much.code(), ErrorCode::Conflict);
    assert!(too_much.to_string().contains("48.75 KZT"), "{too_much}");
    market
        .payments
        .pay_out(
            conn,
            &market.owner,
            Payout {
                target: Target::Resource(cleanup),
                amount_minor: 4_000,
                currency: "KZT".into(),
                description: "Gloves and bags".into(),
                receipt_media_id: None,
                idempotency_key: "p2".into(),
            },
        )
        .await
        .expect("pay out");
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn an_anonymous_giver_is_hidden_from_the_payee_and_strangers_see_nothing() {
    let market = Market::open("quiet").await;
    let conn = &market.world.db.conn;
    let ann = market.world.person("ann").await;
    let bob = market.world.person("bob").await;
    market
        .payments
        .accept_contributions(
            conn,
            &market.owner,
            AcceptContributions {
                target: Target::Agent(market.org.id),
                currency: "KZT".into(),
                goal_minor: None,
                accepting: true,
            },
        )
        .await
        .expect("open");
    let mut anonymous = gift(Target::Agent(market.org.id), 1_000, "a1");
    anonymous.anonymous = true;
    let given = market
        .payments
        .contribute(conn, &ann, anonymous)
        .await
        .expect("contribute");

    let seen = market
        .payments
        .payment(conn, &market.owner, given.id)
        .await
        .expect("read")
        .expect("the payee's side sees the payment");
    assert!(
        !market.payments.shows_payer(&market.owner, &seen),
        "but not who gave"
    );
    assert!(
        market.payments.shows_payer(&ann, &given),
        "the giver sees themselves"
    );

    assert_eq!(
        market.payments.payment(conn, &bob, given.id).await.expect("read"),
        None,
        "a stranger does not see it"
    );
    let balance = market
        .payments
        .balance(conn, &bob, market.org.id)
        .await
        .expect_err("nor the balance");
    assert_eq!(balance.code(), ErrorCode::Forbidden);
    let page = PageRequest::new(Some(10), None).expect("page");
    let history = |actor: Actor, status| HistoryFilter {
        agent_id: if actor == bob {
            market.org.id
        } else {
            crate::user(&actor)
        },
        status,
        since: None,
        until: None,
    };
    let denied = market
        .payments
        .history(conn, &bob, history(bob.clone(), None), &page)
        .await
        .expect_err("nor the history");
    assert_eq!(denied.code(), ErrorCode::Forbidden);
    let mine = market
        .payments
        .history(
            conn,
            &ann,
            history(ann.clone(), Some(PaymentStatus::Succeeded)),
            &page,
        )
        .await
        .expect("ann's own history");
    assert_eq!(mine.edges.len(), 1);
    let none = market
        .payments
        .history(
            conn,
            &ann,
            history(ann.clone(), Some(PaymentStatus::Failed)),
            &page,
        )
        .await
        .expect("filtered");
    assert!(none.edges.is_empty());
    let to_self = market
        .payments
        .contribute(conn, &market.owner, {
            let mut g = gift(Target::Agent(market.org.id), 100, "self");
            g.payer_id = Some(market.org.id);
            g
        })
        .await
        .expect_err("an organization does not give to itself");
    assert_eq!(to_self.code(), ErrorCode::BadUserInput);
}

/// A PDF's first bytes: enough for the upload to be taken as one.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

#[tokio::test]
async fn a_funding_report_shows_what_was_raised_spent_and_left_and_by_whom() {
    let market = Market::open("report").await;
    let conn = &market.world.db.conn;
    let cleanup = market
        .world
        .post(&market.owner, "River cleanup")
        .owner(market.org.id)
        .publish()
        .await;
    let ann = market.world.person("ann").await;
    let bob = market.world.person("bob").await;
    market
        .payments
        .accept_contributions(
            conn,
            &market.owner,
            AcceptContributions {
                target: Target::Resource(cleanup),
                currency: "KZT".into(),
                goal_minor: Some(50_000),
                accepting: true,
            },
        )
        .await
        .expect("open");
    let give = |who: &commons_core::Actor, amount, anonymous, key: &str| {
        let mut g = gift(Target::Resource(cleanup), amount, key);
        g.anonymous = anonymous;
        let (who, payments) = (who.clone(), &market.payments);
        async move { payments.contribute(conn, &who, g).await.expect("give") }
    };
    give(&ann, 10_000, false, "a1").await;
    give(&ann, 2_000, false, "a2").await;
    let hidden = give(&bob, 8_000, true, "b1").await;
    market
        .payments
        .refund_payment(
            conn,
            &market.owner,
            Refund {
                payment_id: hidden.id,
                amount_minor: Some(4_000),
                reason: None,
                idempotency_key: "r".into(),
            },
        )
        .await
        .expect("refund half of bob's");
    let receipt = market
        .world
        .resources
        .upload_media(conn, &market.owner, Some("receipt.pdf"), PDF.to_vec())
        .await
        .expect("upload the receipt");
    let someone_elses = market
        .world
        .resources
        .upload_media(conn, &ann, Some("other.pdf"), PDF.to_vec())
        .await
        .expect("ann uploads");
    let payout = |receipt, key: &str| Payout {
        target: Target::Resource(cleanup),
        amount_minor: 6_000,
        currency: "KZT".into(),
        description: "Bags and gloves".into(),
        receipt_media_id: Some(receipt),
        idempotency_key: key.into(),
    };
    let wrong = market
        .payments
        .pay_out(conn, &market.owner, payout(someone_elses.id, "x"))
        .await
        .expect_err("a receipt is one's own upload");
    assert_eq!(wrong.field(), Some("receiptMediaId"));
    market
        .payments
        .pay_out(conn, &market.owner, payout(receipt.id, "spent"))
        .await
        .expect("spend");

    // Anyone who sees the initiative sees where its money went.
    let report = market
        .payments
        .funding_report(conn, &bob, Target::Resource(cleanup), "kzt")
        .await
        .expect("report")
        .expect("the fund has money");
    // 16,000 raised net of the refund; fees 2.5% of 20,000 = 500, half of bob's 200 returned.
    assert_eq!(report.raised_minor, 16_000);
    assert_eq!(report.fees_minor, 400);
    assert_eq!(report.spent_minor, 6_000);
    assert_eq!(report.remaining_minor, 9_600);
    assert_eq!(report.account.goal_minor, Some(50_000));
    let ann_id = crate::user(&ann);
    assert_eq!(
        report
            .contributors
            .iter()
            .map(|c| (c.payer_id, c.total_minor, c.payments))
            .collect::<Vec<_>>(),
        vec![(Some(ann_id), 12_000, 2), (None, 4_000, 1)],
        "named givers by name, the anonymous together"
    );
    assert_eq!(report.spending.len(), 1);
    assert_eq!(report.spending[0].receipt_media_id, Some(receipt.id));
    assert_eq!(report.spending[0].description.as_deref(), Some("Bags and gloves"));

    let csv = market
        .payments
        .export_funding(conn, &ann, Target::Resource(cleanup), "KZT", ExportFormat::Csv)
        .await
        .expect("export");
    let text = String::from_utf8(csv.bytes).expect("utf-8");
    assert!(text.contains("Contribution,"), "{text}");
    assert!(text.contains(",ann,100.00 KZT,"), "{text}");
    assert!(text.contains(",Anonymous,40.00 KZT,"), "{text}");
    assert!(!text.contains("bob"), "an anonymous giver is not named: {text}");
    assert!(
        text.contains("Spending,") && text.contains("Bags and gloves"),
        "{text}"
    );
    assert!(text.contains("Remaining,,,96.00 KZT,"), "{text}");
    let xlsx = market
        .payments
        .export_funding(conn, &ann, Target::Resource(cleanup), "KZT", ExportFormat::Xlsx)
        .await
        .expect("export");
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX is a zip");

    let own = market
        .payments
        .funding_report(conn, &bob, Target::Agent(market.org.id), "KZT")
        .await
        .expect_err("an organization's own account is for its people");
    assert_eq!(own.code(), ErrorCode::Forbidden);
    market.assert_ledger_holds().await;
}
