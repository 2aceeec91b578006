//! Stripe's event format (`{"id": "evt_…", "type": "payment_intent.succeeded", "data":
//! {"object": {…}}}`), read by the built-in providers: the test provider sends its events in
//! it too, so a client tested against one is ready for the other.

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{ChargeChange, ChargeRef, ProviderEvent, WebhookError};

/// The metadata key a charge carries its payment's id in.
pub const PAYMENT_ID_KEY: &str = "commons_payment_id";

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Intent,
}

#[derive(Deserialize)]
struct Intent {
    #[serde(default)]
    id: String,
    #[serde(default)]
    metadata: std::collections::HashMap<String, serde_json::Value>,
    last_payment_error: Option<PaymentError>,
}

#[derive(Deserialize)]
struct PaymentError {
    message: Option<String>,
}

/// Reads a (verified) event body.
pub fn parse(body: &[u8]) -> Result<ProviderEvent, WebhookError> {
    let event: Event = serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let intent = event.data.object;
    let charge = || ChargeRef {
        reference: intent.id.clone(),
        payment_id: intent
            .metadata
            .get(PAYMENT_ID_KEY)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Uuid>().ok()),
    };
    let change = match event.event_type.as_str() {
        "payment_intent.succeeded" => ChargeChange::Succeeded { charge: charge() },
        "payment_intent.payment_failed" => ChargeChange::Failed {
            charge: charge(),
            reason: intent
                .last_payment_error
                .as_ref()
                .and_then(|e| e.message.clone())
                .unwrap_or_else(|| "the payment was declined".into()),
        },
        "payment_intent.canceled" => ChargeChange::Cancelled { charge: charge() },
        _ => ChargeChange::Ignored,
    };
    if change != ChargeChange::Ignored && intent.id.is_empty() {
        return Err(WebhookError::Malformed("the payment intent has no id".into()));
    }
    Ok(ProviderEvent {
        id: event.id,
        event_type: event.event_type,
        change,
    })
}

/// An event body in Stripe's format about the charge `reference` of `payment_id`.
pub fn body(
    event_id: &str,
    event_type: &str,
    reference: &str,
    payment_id: Uuid,
    failure: Option<&str>,
) -> Vec<u8> {
    let mut intent = json!({
        "id": reference,
        "object": "payment_intent",
        "metadata": { PAYMENT_ID_KEY: payment_id.to_string() },
    });
    if let Some(message) = failure {
        intent["last_payment_error"] = json!({ "message": message });
    }
    json!({
        "id": event_id,
        "object": "event",
        "type": event_type,
        "data": { "object": intent },
    })
    .to_string()
    .into_bytes()
}
