//! Everything the payments services can refuse.

use commons_core::idempotency::IdempotencyError;

use crate::provider::WebhookError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The payment does not exist, or the actor is on neither side of it.
    #[error("no such payment")]
    PaymentNotFound,
    #[error("no such refund")]
    RefundNotFound,
    #[error("this organization has no subscription")]
    SubscriptionNotFound,
    #[error("no such invoice")]
    InvoiceNotFound,
    /// Changing plans while a renewal is unpaid.
    #[error("a renewal of this subscription is unpaid; pay that invoice first")]
    PastDue,
    #[error("the invoice is {status}; only an open or failed invoice is paid")]
    InvoiceClosed { status: &'static str },
    #[error("no payment provider is called {0}")]
    UnknownProvider(String),
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    NotAllowed(&'static str),
    /// The order has a payment that is under way or succeeded.
    #[error("this order is already paid, or a payment of it is under way")]
    AlreadyPaid,
    #[error("the payment is {status}; only a succeeded payment is refunded")]
    NotRefundable { status: &'static str },
    /// More than is left of the payment (also when refunds run at once).
    #[error("only {left} of this payment is left to refund")]
    RefundTooLarge { left: String },
    /// An agent's account would go below zero.
    #[error("the account holds only {available}")]
    InsufficientFunds { available: String },
    /// The provider did not answer; the payment waits, and a replay with the same key asks
    /// again (without charging twice).
    #[error("the payment provider did not answer; try again with the same idempotency key")]
    ProviderUnavailable,
    /// A webhook delivery that is not provably the provider's (answered 400).
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// Lines that do not sum to zero: a defect, never the caller's fault.
    #[error("a ledger entry does not balance")]
    Unbalanced,
    #[error(transparent)]
    Export(#[from] commons_core::export::ExportError),
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
    #[error(transparent)]
    Sales(#[from] commons_sales::Error),
    #[error(transparent)]
    Resources(#[from] commons_resources::Error),
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl From<commons_core::PageError> for Error {
    fn from(e: commons_core::PageError) -> Error {
        Error::Resources(e.into())
    }
}

impl commons_core::CodedError for WebhookError {
    fn code(&self) -> commons_core::ErrorCode {
        commons_core::ErrorCode::BadUserInput
    }
}

commons_core::coded_error! {
    Error {
        NotFound: PaymentNotFound | RefundNotFound | SubscriptionNotFound | InvoiceNotFound | UnknownProvider;
        Forbidden: NotAllowed;
        Conflict: AlreadyPaid | NotRefundable | RefundTooLarge | InsufficientFunds | PastDue | InvoiceClosed;
        Unavailable: ProviderUnavailable;
        Internal: Unbalanced | Export | Db;
    }
    wraps Webhook | Idempotency | Sales | Resources | Orgs;
    fields RefundTooLarge => "amountMinor", InsufficientFunds => "amountMinor", AlreadyPaid => "orderId";
}
