use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// What is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PaymentKind {
    /// An order (sales): the seller is paid its total.
    #[sea_orm(string_value = "order")]
    Order,
    /// A gift to an agent or to a resource's fund (a sponsorship of an initiative).
    #[sea_orm(string_value = "contribution")]
    Contribution,
    /// An organization's invoice for its plan (PA6): the platform is paid.
    #[sea_orm(string_value = "invoice")]
    Invoice,
}

/// Where a payment is (PA1): `requires_payment → processing → succeeded / failed /
/// cancelled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum PaymentStatus {
    /// Made, not yet sent to the provider.
    #[sea_orm(string_value = "requires_payment")]
    RequiresPayment,
    /// The provider has it and will tell (a webhook) how it ended.
    #[sea_orm(string_value = "processing")]
    Processing,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl PaymentStatus {
    /// Whether the payment can still end either way.
    pub fn is_open(self) -> bool {
        matches!(self, PaymentStatus::RequiresPayment | PaymentStatus::Processing)
    }

    /// The API's name of the status: `requires_payment`.
    pub fn name(self) -> &'static str {
        match self {
            PaymentStatus::RequiresPayment => "requires_payment",
            PaymentStatus::Processing => "processing",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: PaymentKind,
    pub order_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    /// A user, or an organization paying through one of its people.
    pub payer_id: Uuid,
    pub payer_org_id: Option<Uuid>,
    /// The seller, or whoever receives the contribution; none for an invoice (the platform
    /// is paid).
    pub payee_id: Option<Uuid>,
    pub payee_org_id: Option<Uuid>,
    /// The payee's ledger account the money goes to.
    pub account_id: Uuid,
    /// The resource whose fund a contribution goes to.
    pub resource_id: Option<Uuid>,
    /// The person who paid.
    pub creator_id: Uuid,
    pub amount_minor: i64,
    /// The platform's fee, taken from what the payee receives.
    pub fee_minor: i64,
    pub refunded_minor: i64,
    pub currency: String,
    pub status: PaymentStatus,
    /// The provider's name: `test`, `stripe`.
    pub provider: String,
    /// The provider's id of the charge (Stripe's PaymentIntent `pi_…`).
    pub provider_ref: Option<String>,
    /// What the payer's browser confirms a pending charge with (Stripe.js's client secret);
    /// shown to the person who paid alone.
    pub client_secret: Option<String>,
    pub failure_reason: Option<String>,
    /// A contribution whose giver only the payee's side sees.
    pub anonymous: bool,
    pub message: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When it succeeded, failed or was cancelled.
    pub settled_at: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
