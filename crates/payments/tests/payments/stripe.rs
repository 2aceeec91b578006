//! The Stripe provider (PA2) against a fake Stripe on 127.0.0.1: PaymentIntents and Refunds
//! with Stripe's forms, bearer key and `Idempotency-Key`, its declines and outages, and its
//! signed webhooks settling a charge the payer's browser confirmed. No network.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use commons_core::{CodedError, ErrorCode};
use commons_payments::provider::{StripeProvider, signature};
use commons_payments::{Applied, PaymentStatus, Payments, Refund, RefundStatus};
use commons_sales::{OrderStatus, Sales};
use serde_json::{Value, json};

use crate::Market;

const SECRET_KEY: &str = "sk_test_fake";
const WEBHOOK_SECRET: &str = "whsec_fake_stripe";

/// A request's path and form fields.
type Sent = (String, HashMap<String, String>);

/// What the fake Stripe keeps: answers by idempotency key (as Stripe replays them), every
/// request's form, and whether it is down.
#[derive(Clone, Default)]
struct Fake {
    answers: Arc<Mutex<HashMap<String, Value>>>,
    forms: Arc<Mutex<Vec<Sent>>>,
    down: Arc<Mutex<bool>>,
}

impl Fake {
    fn created(&self, path: &str) -> usize {
        let answers = self.answers.lock().expect("lock");
        answers.keys().filter(|k| k.starts_with(path)).count()
    }
}

async fn intents(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    answer(&fake, "/v1/payment_intents", &headers, form, |n, form| {
        let id = format!("pi_{n}");
        let amount = form.get("amount").cloned().unwrap_or_default();
        if amount.ends_with("02") {
            return (
                StatusCode::PAYMENT_REQUIRED,
                json!({ "error": { "type": "card_error", "code": "card_declined",
                    "message": "Your card was declined.",
                    "payment_intent": { "id": id, "status": "requires_payment_method" } } }),
            );
        }
        let status = if form.contains_key("payment_method") {
            "succeeded"
        } else {
            "requires_payment_method"
        };
        (
            StatusCode::OK,
            json!({ "id": id, "object": "payment_intent", "status": status, "client_secret": format!("{id}_secret_x") }),
        )
    })
}

async fn refunds(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    answer(&fake, "/v1/refunds", &headers, form, |n, _| {
        (
            StatusCode::OK,
            json!({ "id": format!("re_{n}"), "object": "refund", "status": "succeeded" }),
        )
    })
}

fn answer(
    fake: &Fake,
    path: &str,
    headers: &HeaderMap,
    form: HashMap<String, String>,
    make: impl FnOnce(usize, &HashMap<String, String>) -> (StatusCode, Value),
) -> Response {
    if *fake.down.lock().expect("lock") {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {SECRET_KEY}")) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": { "message": "bad key" } })),
        )
            .into_response();
    }
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": { "message": "no key" } })),
        )
            .into_response();
    };
    fake.forms
        .lock()
        .expect("lock")
        .push((path.to_owned(), form.clone()));
    let mut answers = fake.answers.lock().expect("lock");
    let n = answers.len();
    let stored = answers
        .entry(format!("{path} {key}"))
        .or_insert_with(|| {
            let (status, body) = make(n, &form);
            json!({ "status": status.as_u16(), "body": body })
        })
        .clone();
    let status =
        StatusCode::from_u16(stored["status"].as_u64().unwrap_or(500) as u16).unwrap_or(StatusCode::OK);
    (status, Json(stored["body"].clone())).into_response()
}

/// A fake Stripe on a free port, and payments that use it.
async fn stripe(market: &Market, payment_method: Option<&str>) -> (Fake, Payments) {
    let fake = Fake::default();
    let app = Router::new()
        .route("/v1/payment_intents", post(intents))
        .route("/v1/refunds", post(refunds))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut provider = StripeProvider::new(SECRET_KEY, WEBHOOK_SECRET).with_api_base(base);
    if let Some(method) = payment_method {
        provider = provider.with_payment_method(method);
    }
    let payments = Payments::new(Sales::new(market.world.resources.clone()), Arc::new(provider));
    (fake, payments)
}

#[tokio::test]
async fn a_charge_the_browser_confirms_is_settled_by_stripes_signed_event() {
    let market = Market::open("stripe_browser").await;
    let (fake, payments) = stripe(&market, None).await;
    let ann = market.world.person("ann").await;
    let order = market.placed_order(&ann, 4_500).await;
    let conn = &market.world.db.conn;

    let pending = payments.pay_order(conn, &ann, order.id, "k1").await.expect("pay");
    assert_eq!(pending.status, PaymentStatus::Processing);
    assert_eq!(pending.provider, "stripe");
    assert_eq!(pending.client_secret.as_deref(), Some("pi_0_secret_x"));
    let form = fake.forms.lock().expect("lock")[0].1.clone();
    assert_eq!(form.get("amount").map(String::as_str), Some("4500"));
    assert_eq!(form.get("currency").map(String::as_str), Some("kzt"));
    assert_eq!(
        form.get("metadata[commons_payment_id]"),
        Some(&pending.id.to_string())
    );
    let again = payments
        .pay_order(conn, &ann, order.id, "k1")
        .await
        .expect("replay");
    assert_eq!(again.id, pending.id);
    assert_eq!(fake.created("/v1/payment_intents"), 1, "one PaymentIntent");

    let body = commons_payments::provider::stripe_event::body(
        "evt_stripe_1",
        "payment_intent.succeeded",
        "pi_0",
        pending.id,
        None,
    );
    let header = signature::sign(WEBHOOK_SECRET, chrono::Utc::now(), &body);
    let applied = payments
        .apply_webhook(conn, "stripe", Some(&header), &body)
        .await
        .expect("applied");
    assert_eq!(applied, Applied::Applied);
    assert_eq!(market.order(order.id).await.status, OrderStatus::Confirmed);
    let wrong = payments
        .apply_webhook(conn, "test", Some(&header), &body)
        .await
        .expect_err("this server's provider is stripe");
    assert_eq!(wrong.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn a_saved_card_is_charged_at_once_refunded_and_a_decline_is_told() {
    let market = Market::open("stripe_saved").await;
    let (fake, payments) = stripe(&market, Some("pm_card_visa")).await;
    let ann = market.world.person("ann").await;
    let conn = &market.world.db.conn;

    let order = market.placed_order(&ann, 7_000).await;
    let paid = payments.pay_order(conn, &ann, order.id, "k").await.expect("pay");
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.provider_ref.as_deref(), Some("pi_0"));
    let refund = payments
        .refund_payment(
            conn,
            &market.owner,
            Refund {
                payment_id: paid.id,
                amount_minor: Some(2_500),
                reason: None,
                idempotency_key: "r".into(),
            },
        )
        .await
        .expect("refund");
    assert_eq!(refund.status, RefundStatus::Succeeded);
    let forms = fake.forms.lock().expect("lock").clone();
    let (path, form) = forms.last().expect("the refund");
    assert_eq!(path, "/v1/refunds");
    assert_eq!(form.get("payment_intent").map(String::as_str), Some("pi_0"));
    assert_eq!(form.get("amount").map(String::as_str), Some("2500"));

    let declined = market.placed_order(&ann, 7_002).await;
    let failed = payments
        .pay_order(conn, &ann, declined.id, "d")
        .await
        .expect("recorded");
    assert_eq!(failed.status, PaymentStatus::Failed);
    assert_eq!(failed.failure_reason.as_deref(), Some("Your card was declined."));
    market.assert_ledger_holds().await;
}

#[tokio::test]
async fn stripe_down_is_unavailable_and_the_replay_charges_once_it_is_back() {
    let market = Market::open("stripe_down").await;
    let (fake, payments) = stripe(&market, Some("pm_card_visa")).await;
    let ann = market.world.person("ann").await;
    let conn = &market.world.db.conn;
    let order = market.placed_order(&ann, 3_000).await;

    *fake.down.lock().expect("lock") = true;
    let down = payments
        .pay_order(conn, &ann, order.id, "k")
        .await
        .expect_err("Stripe is down");
    assert_eq!(down.code(), ErrorCode::Unavailable);
    *fake.down.lock().expect("lock") = false;
    let paid = payments
        .pay_order(conn, &ann, order.id, "k")
        .await
        .expect("the replay pays");
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    let again = payments
        .pay_order(conn, &ann, order.id, "k")
        .await
        .expect("and again");
    assert_eq!(again.id, paid.id);
    assert_eq!(fake.created("/v1/payment_intents"), 1);
}
