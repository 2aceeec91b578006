//! Stripe's webhook signature scheme, which the built-in providers share: the header
//! `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (several `v1` while a secret is
//! being rolled), accepted within five minutes of now either way.

use commons_core::Timestamp;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::WebhookError;

/// How far the signed time may be from now, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The header value that signs `body` at `at` with `secret`.
pub fn sign(secret: &str, at: Timestamp, body: &[u8]) -> String {
    let t = at.timestamp();
    format!("t={t},v1={}", hex::encode(mac(secret, t, body)))
}

/// Checks `header` against `body` and `secret`.
pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now: Timestamp) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::BadSignature)?;
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let t = t.ok_or(WebhookError::BadSignature)?;
    let expected = mac(secret, t, body);
    if !signatures
        .iter()
        .any(|s| bool::from(s.as_slice().ct_eq(&expected)))
    {
        return Err(WebhookError::BadSignature);
    }
    // Checked after the signature, so that only the provider learns that its clock is off.
    if (now.timestamp() - t).abs() > TOLERANCE_SECONDS {
        return Err(WebhookError::Stale);
    }
    Ok(())
}

fn mac(secret: &str, t: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes keys of every length; were one refused, nothing would match.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
        return Vec::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}
