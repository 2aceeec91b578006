//! Payment providers (PA2): who actually moves the money. A provider charges, refunds and
//! signs the events it sends to `POST /webhooks/{provider}`; the services never trust an
//! event whose signature [`PaymentProvider::verify_webhook`] did not accept.

pub mod signature;
#[cfg(feature = "stripe")]
pub mod stripe;
pub mod stripe_event;
pub mod test;

use commons_core::Timestamp;
use uuid::Uuid;

#[cfg(feature = "stripe")]
pub use stripe::StripeProvider;
pub use test::TestProvider;

/// A charge to make: the payment's id doubles as the provider's idempotency key, so asking
/// twice (a retry after a crash) charges once.
#[derive(Clone, Debug)]
pub struct ChargeRequest {
    pub payment_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
}

/// How a charge went, as far as the provider knows at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded {
        reference: String,
    },
    /// The provider will send an event when it knows (3-D Secure, a bank transfer, or a
    /// card the payer's browser still has to confirm with `client_secret`).
    Pending {
        reference: String,
        client_secret: Option<String>,
    },
    Failed {
        reference: Option<String>,
        reason: String,
    },
}

/// Money to give back from a charge.
#[derive(Clone, Debug)]
pub struct RefundRequest {
    /// Also the provider's idempotency key.
    pub refund_id: Uuid,
    /// The charge's reference ([`ChargeOutcome`]).
    pub charge_reference: String,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    Succeeded { reference: String },
    Failed { reason: String },
}

/// The provider could not be asked: its answer is unknown.
#[derive(Clone, Debug, thiserror::Error)]
#[error("the payment provider did not answer: {0}")]
pub struct Unreachable(pub String);

/// An event the provider signed, as the services apply it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's id of the event: each is applied once.
    pub id: String,
    /// The provider's name of what happened: `payment_intent.succeeded`.
    pub event_type: String,
    pub change: ChargeChange,
}

/// What an event says of a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeChange {
    Succeeded {
        charge: ChargeRef,
    },
    Failed {
        charge: ChargeRef,
        reason: String,
    },
    Cancelled {
        charge: ChargeRef,
    },
    /// An event of no concern to payments (answered 200 so the provider stops sending it).
    Ignored,
}

/// Which charge an event is about: the provider's reference, and the payment id the charge
/// was made with when the event carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeRef {
    pub reference: String,
    pub payment_id: Option<Uuid>,
}

/// Why a webhook delivery is refused (answered 400; nothing changes).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the signature is missing or does not match")]
    BadSignature,
    #[error("the signature's timestamp is more than 5 minutes from now")]
    Stale,
    #[error("the event cannot be read: {0}")]
    Malformed(String),
}

/// A payment provider. Implementations must be idempotent on the request ids they are
/// given, as Stripe is on its `Idempotency-Key`.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The name in `POST /webhooks/{name}` and in each payment's `provider`.
    fn name(&self) -> &'static str;

    /// The HTTP header the provider signs its webhooks in.
    fn signature_header(&self) -> &'static str;

    async fn charge(&self, request: &ChargeRequest) -> Result<ChargeOutcome, Unreachable>;

    async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome, Unreachable>;

    /// The event in `body` if `signature` (the header's value) proves the provider sent it
    /// within the tolerance around `now`.
    fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<ProviderEvent, WebhookError>;
}
