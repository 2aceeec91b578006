//! The test provider, the default: no network, no account. The amount decides how a charge
//! goes, as a test card number would at Stripe:
//!
//! - minor units ending in `02` (`10.02`): declined;
//! - ending in `03`: pending, until a webhook says how it ended;
//! - anything else: succeeded at once;
//! - every charge, whatever its amount, while [`TestProvider::decline_all`] is on (a card
//!   that expired before a renewal).
//!
//! Its webhooks use Stripe's event format and signature scheme with its own secret
//! ([`TestProvider::secret`]), so `POST /webhooks/test` is exercised exactly like a real
//! provider's endpoint.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use commons_core::Timestamp;
use uuid::Uuid;

use super::{
    ChargeOutcome, ChargeRequest, PaymentProvider, ProviderEvent, RefundOutcome, RefundRequest, Unreachable,
    WebhookError, signature, stripe_event,
};

#[derive(Clone, Debug)]
pub struct TestProvider {
    secret: String,
    /// Charges by payment id, as Stripe keeps them by idempotency key: asked twice, one
    /// charge.
    charges: Arc<Mutex<HashMap<Uuid, ChargeOutcome>>>,
    refunds: Arc<Mutex<HashMap<Uuid, RefundOutcome>>>,
    declining: Arc<AtomicBool>,
}

impl TestProvider {
    pub const NAME: &'static str = "test";
    pub const SIGNATURE_HEADER: &'static str = "Commons-Signature";

    /// A test provider whose webhooks are signed with `secret`.
    pub fn new(secret: impl Into<String>) -> TestProvider {
        TestProvider {
            secret: secret.into(),
            charges: Arc::default(),
            refunds: Arc::default(),
            declining: Arc::default(),
        }
    }

    /// Declines every charge from now on (`true`), or goes back to deciding by the amount.
    pub fn decline_all(&self, declining: bool) {
        self.declining.store(declining, Ordering::Relaxed);
    }

    /// A test provider with a secret no one knows: its charges end at once or stay pending,
    /// and no one can forge its webhooks. What the server runs unless told a secret.
    pub fn with_random_secret() -> TestProvider {
        use rand::Rng;
        TestProvider::new(format!("whsec_{}", hex::encode(rand::rng().random::<[u8; 32]>())))
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// How many distinct charges were made.
    pub fn charge_count(&self) -> usize {
        self.charges.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// How many distinct refunds were made.
    pub fn refund_count(&self) -> usize {
        self.refunds.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// The charge reference of `payment_id`'s charge.
    pub fn reference(payment_id: Uuid) -> String {
        format!("pi_test_{}", payment_id.simple())
    }

    /// A signed webhook delivery telling that `payment_id`'s charge ended as `event_type`
    /// (`payment_intent.succeeded`, `payment_intent.payment_failed`,
    /// `payment_intent.canceled`): the signature header's value and the body.
    pub fn webhook(
        &self,
        event_id: &str,
        event_type: &str,
        payment_id: Uuid,
        at: Timestamp,
    ) -> (String, Vec<u8>) {
        let failure = (event_type == "payment_intent.payment_failed").then_some("Your card was declined.");
        let body = stripe_event::body(
            event_id,
            event_type,
            &Self::reference(payment_id),
            payment_id,
            failure,
        );
        (signature::sign(&self.secret, at, &body), body)
    }
}

#[async_trait::async_trait]
impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn signature_header(&self) -> &'static str {
        Self::SIGNATURE_HEADER
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, Unreachable> {
        let reference = Self::reference(request.payment_id);
        let declined = self.declining.load(Ordering::Relaxed);
        let outcome = match request.amount_minor.rem_euclid(100) {
            _ if declined => ChargeOutcome::Failed {
                reference: Some(reference),
                reason: "Your card has expired.".into(),
            },
            2 => ChargeOutcome::Failed {
                reference: Some(reference),
                reason: "Your card was declined.".into(),
            },
            3 => ChargeOutcome::Pending {
                reference,
                client_secret: None,
            },
            _ => ChargeOutcome::Succeeded { reference },
        };
        let mut charges = self.charges.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(charges.entry(request.payment_id).or_insert(outcome).clone())
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome, Unreachable> {
        let outcome = RefundOutcome::Succeeded {
            reference: format!("re_test_{}", request.refund_id.simple()),
        };
        let mut refunds = self.refunds.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(refunds.entry(request.refund_id).or_insert(outcome).clone())
    }

    fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<ProviderEvent, WebhookError> {
        signature::verify(&self.secret, signature, body, now)?;
        stripe_event::parse(body)
    }
}
