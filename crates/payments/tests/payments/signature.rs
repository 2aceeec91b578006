//! Stripe's webhook signature scheme (PA2).

use commons_core::Timestamp;
use commons_payments::provider::WebhookError;
use commons_payments::provider::signature::{sign, verify};

fn at(seconds: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

#[test]
fn a_signed_body_verifies_and_anything_changed_does_not() {
    let now = at(1_800_000_000);
    let header = sign("whsec_1", now, b"{\"id\":1}");
    assert_eq!(verify("whsec_1", Some(&header), b"{\"id\":1}", now), Ok(()));
    let bad = Err(WebhookError::BadSignature);
    assert_eq!(verify("whsec_1", Some(&header), b"{\"id\":2}", now), bad);
    assert_eq!(verify("whsec_2", Some(&header), b"{\"id\":1}", now), bad);
    assert_eq!(verify("whsec_1", None, b"{\"id\":1}", now), bad);
    assert_eq!(verify("whsec_1", Some("t=1,v1=zz"), b"{\"id\":1}", now), bad);
}

#[test]
fn any_of_several_signatures_may_match() {
    let now = at(1_800_000_000);
    let good = sign("whsec_new", now, b"x");
    let v1 = good.split_once(",v1=").map(|(_, s)| s).unwrap_or_default();
    let header = format!("t={},v1={},v1={v1}", now.timestamp(), "00".repeat(32));
    assert_eq!(verify("whsec_new", Some(&header), b"x", now), Ok(()));
}

#[test]
fn five_minutes_either_way_and_no_more() {
    let signed = at(1_800_000_000);
    let header = sign("s", signed, b"x");
    let later = |s: i64| verify("s", Some(&header), b"x", at(1_800_000_000 + s));
    assert_eq!(later(300), Ok(()));
    assert_eq!(later(-300), Ok(()));
    assert_eq!(later(301), Err(WebhookError::Stale));
    assert_eq!(later(-301), Err(WebhookError::Stale));
}
