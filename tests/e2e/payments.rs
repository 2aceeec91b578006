//! Payments end to end (PA1–PA4) over HTTP: a shop sells a product whose price the test
//! provider leaves pending; the customer pays (replay-safe), the provider's signed webhook
//! confirms the order (a forged one changes nothing, a repeated one nothing more), the shop
//! refunds part, and its balance, its payment history and the payment itself agree. A
//! stranger sees none of it.

use std::sync::Arc;

use commons_gateway::GatewayConfig;
use commons_gateway::config::PaymentsConfig;
use commons_payments::{Fee, TestProvider};
use serde_json::{Value, json};

use crate::common::{Session, TestServer};

const SECRET: &str = "whsec_e2e";

/// A server whose test provider signs with [`SECRET`] and whose fee is 2.5%.
async fn server() -> TestServer {
    TestServer::with_config(GatewayConfig {
        auth_attempts_per_minute: 0,
        payments: PaymentsConfig {
            provider: Arc::new(TestProvider::new(SECRET)),
            fee: Fee { basis_points: 250 },
        },
        ..GatewayConfig::default()
    })
    .await
}

/// The Bazaar and a published product of it priced `price_minor` KZT.
async fn bazaar(server: &TestServer, owner: &Session, price_minor: i64) -> (Value, Value) {
    let shop = server
        .gql(
            r#"mutation { createOrganization(input: { name: "Bazaar", slug: "bazaar" }) { id } }"#,
            json!({}),
            Some(&owner.access),
        )
        .await;
    let shop_id = shop.data()["createOrganization"]["id"].clone();
    let created = server
        .gql(
            "mutation($owner: ID!, $price: Int!) { createResource(input: { ownerId: $owner, title: \"Carpet\",
                kind: { product: { priceMinor: $price, currency: \"KZT\" } } }) { id } }",
            json!({ "owner": shop_id, "price": price_minor }),
            Some(&owner.access),
        )
        .await;
    let product = created.data()["createResource"]["id"].clone();
    let published = server
        .gql(
            "mutation($id: ID!) { publishResource(id: $id) { status } }",
            json!({ "id": product }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        published.data()["publishResource"]["status"],
        "PUBLISHED",
        "{}",
        published.body
    );
    (shop_id, product)
}

/// The UUID inside a global id.
fn uuid_of(global: &Value) -> uuid::Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global.as_str().expect("an id"))
        .expect("base64");
    let text = String::from_utf8(text).expect("text");
    text.split_once(':')
        .expect("Type:uuid")
        .1
        .parse()
        .expect("a uuid")
}

async fn deliver(server: &TestServer, signature: &str, body: Vec<u8>) -> (u16, Value) {
    let response = server
        .http
        .post(format!("{}/webhooks/test", server.url))
        .header(TestProvider::SIGNATURE_HEADER, signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

const PAY: &str = "mutation($order: ID!, $key: String!) {
    payOrder(orderId: $order, idempotencyKey: $key) { id status amountMinor feeMinor provider } }";

#[tokio::test]
async fn an_order_paid_through_a_webhook_then_partly_refunded_adds_up_everywhere() {
    let server = server().await;
    let owner = server.register("owner@example.org", "bazaar_owner").await;
    let ann = server.register("ann@example.org", "ann").await;
    let eve = server.register("eve@example.org", "eve").await;
    // Minor units ending in 03: the test provider leaves the charge pending.
    let (shop, product) = bazaar(&server, &owner, 10_003).await;

    let created = server
        .gql(
            "mutation($p: ID!) { createOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
            json!({ "p": product }),
            Some(&ann.access),
        )
        .await;
    let order = created.data()["createOrder"]["id"].clone();
    let placed = server
        .gql(
            "mutation($id: ID!) { placeOrder(orderId: $id) { status } }",
            json!({ "id": order }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(placed.data()["placeOrder"]["status"], "PLACED", "{}", placed.body);

    let paid = server
        .gql(
            PAY,
            json!({ "order": order, "key": "ann-checkout-1" }),
            Some(&ann.access),
        )
        .await;
    let payment = &paid.data()["payOrder"];
    assert_eq!(
        (
            &payment["status"],
            &payment["amountMinor"],
            &payment["feeMinor"],
            &payment["provider"]
        ),
        (&json!("PROCESSING"), &json!(10_003), &json!(250), &json!("test")),
        "{}",
        paid.body
    );
    let payment_id = payment["id"].clone();
    let replayed = server
        .gql(
            PAY,
            json!({ "order": order, "key": "ann-checkout-1" }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        replayed.data()["payOrder"]["id"],
        payment_id,
        "a replay is the same payment"
    );
    let no_key = server
        .gql(PAY, json!({ "order": order, "key": "" }), Some(&ann.access))
        .await;
    assert_eq!(no_key.code(), Some("BAD_USER_INPUT"), "{}", no_key.body);

    // A forged event is refused and changes nothing.
    let now = chrono::Utc::now();
    let forged =
        TestProvider::new("guessed").webhook("evt_1", "payment_intent.succeeded", uuid_of(&payment_id), now);
    let (status, _) = deliver(&server, &forged.0, forged.1).await;
    assert_eq!(status, 400);
    let order_status = "query($id: ID!) { order(id: $id) { status } }";
    let still = server
        .gql(order_status, json!({ "id": order }), Some(&ann.access))
        .await;
    assert_eq!(still.data()["order"]["status"], "PLACED");

    // The provider's own event confirms the order, once however often it comes.
    let (signature, body) =
        TestProvider::new(SECRET).webhook("evt_1", "payment_intent.succeeded", uuid_of(&payment_id), now);
    let (status, answer) = deliver(&server, &signature, body.clone()).await;
    assert_eq!((status, &answer["outcome"]), (200, &json!("applied")), "{answer}");
    let (status, answer) = deliver(&server, &signature, body).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("duplicate")),
        "{answer}"
    );
    let confirmed = server
        .gql(order_status, json!({ "id": order }), Some(&owner.access))
        .await;
    assert_eq!(
        confirmed.data()["order"]["status"],
        "CONFIRMED",
        "{}",
        confirmed.body
    );

    // The shop gives 30.00 KZT back.
    let refunded = server
        .gql(
            "mutation($p: ID!) { refundPayment(input: { paymentId: $p, amountMinor: 3000, reason: \"scratched\",
                idempotencyKey: \"refund-1\" }) { status amountMinor payment { refundedMinor status } } }",
            json!({ "p": payment_id }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        refunded.data()["refundPayment"],
        json!({ "status": "SUCCEEDED", "amountMinor": 3000, "payment": { "refundedMinor": 3000, "status": "SUCCEEDED" } }),
        "{}",
        refunded.body
    );
    let by_customer = server
        .gql(
            "mutation($p: ID!) { refundPayment(input: { paymentId: $p, idempotencyKey: \"mine\" }) { status } }",
            json!({ "p": payment_id }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(by_customer.code(), Some("FORBIDDEN"), "{}", by_customer.body);

    // 10,003 less the 250 fee is 9,753; the refund takes 3,000 less the 74 of fee returned.
    let balance = "query($agent: ID!) { balance(agentId: $agent) { currency balanceMinor resource { id } } }";
    let held = server
        .gql(balance, json!({ "agent": shop }), Some(&owner.access))
        .await;
    assert_eq!(
        held.data()["balance"],
        json!([{ "currency": "KZT", "balanceMinor": 6_827, "resource": null }]),
        "{}",
        held.body
    );
    let history = server
        .gql(
            "query($agent: ID!) { payments(filter: { agentId: $agent, status: SUCCEEDED }) {
                edges { node { id amountMinor refundedMinor payer { ... on User { username } }
                order { status } refunds { amountMinor reason status } } } } }",
            json!({ "agent": shop }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        history.data()["payments"]["edges"],
        json!([{ "node": {
            "id": payment_id, "amountMinor": 10_003, "refundedMinor": 3000,
            "payer": { "username": "ann" }, "order": { "status": "CONFIRMED" },
            "refunds": [{ "amountMinor": 3000, "reason": "scratched", "status": "SUCCEEDED" }],
        } }]),
        "{}",
        history.body
    );

    // A stranger finds nothing.
    let denied = server
        .gql(balance, json!({ "agent": shop }), Some(&eve.access))
        .await;
    assert_eq!(denied.code(), Some("FORBIDDEN"), "{}", denied.body);
    let hidden = server
        .gql(
            "query($id: ID!) { payment(id: $id) { id } node(id: $id) { id } }",
            json!({ "id": payment_id }),
            Some(&eve.access),
        )
        .await;
    assert_eq!(
        hidden.data(),
        &json!({ "payment": null, "node": null }),
        "{}",
        hidden.body
    );
    let seen = server
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Payment { status } } }",
            json!({ "id": payment_id }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(seen.data()["node"]["status"], "SUCCEEDED", "{}", seen.body);
}

#[tokio::test]
async fn a_webhook_for_another_provider_or_without_a_signature_is_refused() {
    let server = server().await;
    let unknown = server
        .http
        .post(format!("{}/webhooks/paypal", server.url))
        .body("{}")
        .send()
        .await
        .expect("answer");
    assert_eq!(unknown.status().as_u16(), 404);
    let unsigned = server
        .http
        .post(format!("{}/webhooks/test", server.url))
        .body("{}")
        .send()
        .await
        .expect("answer");
    assert_eq!(unsigned.status().as_u16(), 400);
    let body: Value = unsigned.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_funded_initiative_reports_and_exports_where_its_money_went() {
    let server = server().await;
    let owner = server.register("owner@example.org", "organizer").await;
    let ann = server.register("ann@example.org", "ann").await;
    let bob = server.register("bob@example.org", "bob").await;
    let created = server
        .gql(
            "mutation { createResource(input: { title: \"Tree planting\", kind: { page: { path: \"trees\", body: \"Spring\" } } }) { id } }",
            json!({}),
            Some(&owner.access),
        )
        .await;
    let project = created.data()["createResource"]["id"].clone();
    server
        .gql(
            "mutation($id: ID!) { publishResource(id: $id) { status } }",
            json!({ "id": project }),
            Some(&owner.access),
        )
        .await;
    let opened = server
        .gql(
            "mutation($r: ID!) { acceptContributions(input: { resourceId: $r, currency: \"KZT\", goalMinor: 100000 }) {
                acceptsContributions goalMinor balanceMinor } }",
            json!({ "r": project }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        opened.data()["acceptContributions"],
        json!({ "acceptsContributions": true, "goalMinor": 100_000, "balanceMinor": 0 }),
        "{}",
        opened.body
    );
    let give = "mutation($r: ID!, $amount: Int!, $anonymous: Boolean!, $key: String!) {
        contribute(input: { resourceId: $r, amountMinor: $amount, currency: \"KZT\", anonymous: $anonymous,
            idempotencyKey: $key }) { status payer { ... on User { username } } } }";
    let named = server
        .gql(
            give,
            json!({ "r": project, "amount": 20_000, "anonymous": false, "key": "g1" }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        named.data()["contribute"]["status"],
        "SUCCEEDED",
        "{}",
        named.body
    );
    let hidden = server
        .gql(
            give,
            json!({ "r": project, "amount": 10_000, "anonymous": true, "key": "g2" }),
            Some(&bob.access),
        )
        .await;
    assert_eq!(
        hidden.data()["contribute"],
        json!({ "status": "SUCCEEDED", "payer": { "username": "bob" } }),
        "the giver sees themselves: {}",
        hidden.body
    );
    let spent = server
        .gql(
            "mutation($r: ID!) { payOut(input: { resourceId: $r, amountMinor: 12000, currency: \"KZT\",
                description: \"Saplings\", idempotencyKey: \"p1\" }) { id amountMinor balance { balanceMinor } } }",
            json!({ "r": project }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        spent.data()["payOut"]["balance"],
        json!({ "balanceMinor": 17_250 }),
        "{}",
        spent.body
    );
    // The spending is a node for whoever sees the initiative, as its report is.
    let payout = server
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Payout { amountMinor description } } }",
            json!({ "id": spent.data()["payOut"]["id"] }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        payout.data()["node"],
        json!({ "amountMinor": 12_000, "description": "Saplings" }),
        "{}",
        payout.body
    );

    // Anyone who sees the initiative sees its report: bob's gift stays anonymous.
    let report = server
        .gql(
            "query($r: ID!) { fundingReport(resourceId: $r, currency: \"KZT\") { goalMinor raisedMinor feesMinor
                spentMinor remainingMinor contributors { giver { ... on User { username } } anonymous totalMinor }
                spending { amountMinor description by { username } } } }",
            json!({ "r": project }),
            Some(&ann.access),
        )
        .await;
    assert_eq!(
        report.data()["fundingReport"],
        json!({
            "goalMinor": 100_000, "raisedMinor": 30_000, "feesMinor": 750, "spentMinor": 12_000,
            "remainingMinor": 17_250,
            "contributors": [
                { "giver": { "username": "ann" }, "anonymous": false, "totalMinor": 20_000 },
                { "giver": null, "anonymous": true, "totalMinor": 10_000 },
            ],
            "spending": [{ "amountMinor": 12_000, "description": "Saplings", "by": { "username": "organizer" } }],
        }),
        "{}",
        report.body
    );
    let csv = server
        .http
        .get(format!(
            "{}/exports/funding/{}?currency=KZT&format=csv",
            server.url,
            project.as_str().expect("an id")
        ))
        .bearer_auth(&ann.access)
        .send()
        .await
        .expect("answer");
    assert_eq!(csv.status().as_u16(), 200);
    let text = csv.text().await.expect("text");
    assert!(
        text.contains("Saplings") && text.contains("Anonymous") && !text.contains("bob"),
        "{text}"
    );
    let unsigned = server
        .http
        .get(format!(
            "{}/exports/funding/{}?currency=KZT",
            server.url,
            project.as_str().expect("an id")
        ))
        .send()
        .await
        .expect("answer");
    assert_eq!(unsigned.status().as_u16(), 401);
}

#[tokio::test]
async fn an_owner_subscribes_to_a_plan_and_its_admins_see_the_invoice() {
    let server = server().await;
    let owner = server.register("owner@example.org", "studio_owner").await;
    let eve = server.register("eve@example.org", "eve").await;
    let created = server
        .gql(
            r#"mutation { createOrganization(input: { name: "Studio", slug: "studio" }) { id } }"#,
            json!({}),
            Some(&owner.access),
        )
        .await;
    let org = created.data()["createOrganization"]["id"].clone();
    let subscribe = "mutation($org: ID!, $plan: Plan!, $key: String!) {
        subscribe(organizationId: $org, plan: $plan, idempotencyKey: $key) { plan status priceMinor currency } }";
    let subscribed = server
        .gql(
            subscribe,
            json!({ "org": org, "plan": "GROWTH", "key": "s1" }),
            Some(&owner.access),
        )
        .await;
    assert_eq!(
        subscribed.data()["subscribe"],
        json!({ "plan": "GROWTH", "status": "ACTIVE", "priceMinor": 2900, "currency": "USD" }),
        "{}",
        subscribed.body
    );
    let limits = server
        .gql(
            "query { organization(slug: \"studio\") { plan billingStatus } }",
            json!({}),
            Some(&owner.access),
        )
        .await;
    assert_eq!(limits.data()["organization"]["plan"], "GROWTH", "{}", limits.body);
    let invoices = "query($org: ID!) { invoices(organizationId: $org) { edges { node { kind status amountMinor plan } } } }";
    let listed = server
        .gql(invoices, json!({ "org": org }), Some(&owner.access))
        .await;
    assert_eq!(
        listed.data()["invoices"]["edges"],
        json!([{ "node": { "kind": "INITIAL", "status": "PAID", "amountMinor": 2900, "plan": "GROWTH" } }]),
        "{}",
        listed.body
    );
    let stranger = server
        .gql(invoices, json!({ "org": org }), Some(&eve.access))
        .await;
    assert_eq!(stranger.code(), Some("FORBIDDEN"), "{}", stranger.body);
    let theirs = server
        .gql(
            subscribe,
            json!({ "org": org, "plan": "PRO", "key": "x" }),
            Some(&eve.access),
        )
        .await;
    assert_eq!(theirs.code(), Some("FORBIDDEN"), "{}", theirs.body);
}
