//! The events payments writes, and who hears of them.

use commons_core::audience::{Audience, EventRules, Notice, NotifiedTopic, RuleError};
use commons_core::{Event, money, outbox};
use commons_identity::service::users::name_of;
use commons_orgs::Permission;
use commons_orgs::service::access::holders;
use commons_resources::entity::resource;
use sea_orm::{DatabaseTransaction, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::payment;

/// What every payment event says of its payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFacts {
    pub payment: Uuid,
    /// `order` or `contribution`.
    pub kind: String,
    pub payer: Uuid,
    /// None for an invoice: the platform was paid.
    pub payee: Option<Uuid>,
    /// The person who paid.
    pub creator: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    pub order: Option<Uuid>,
    /// The resource whose fund a contribution went to.
    pub resource: Option<Uuid>,
    pub anonymous: bool,
    /// The payee's organization, if any.
    pub org: Option<Uuid>,
}

impl PaymentFacts {
    pub(crate) fn of(p: &payment::Model) -> PaymentFacts {
        PaymentFacts {
            payment: p.id,
            kind: match p.kind {
                payment::PaymentKind::Order => "order".into(),
                payment::PaymentKind::Contribution => "contribution".into(),
                payment::PaymentKind::Invoice => "invoice".into(),
            },
            payer: p.payer_id,
            payee: p.payee_id,
            creator: p.creator_id,
            amount_minor: p.amount_minor,
            currency: p.currency.clone(),
            order: p.order_id,
            resource: p.resource_id,
            anonymous: p.anonymous,
            org: p.payee_org_id,
        }
    }
}

/// The money arrived (PA1). Governance counts contributions to an initiative's fund by it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSucceeded {
    #[serde(flatten)]
    pub facts: PaymentFacts,
    /// Whether it ended after the payer's request (a webhook), so the payer is told.
    pub was_pending: bool,
}

impl Event for PaymentSucceeded {
    const TOPIC: &'static str = "payment.succeeded";
    fn subject(&self) -> Option<Uuid> {
        Some(self.facts.payment)
    }
    fn org(&self) -> Option<Uuid> {
        self.facts.org
    }
}

/// The payment failed or was cancelled at the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFailed {
    #[serde(flatten)]
    pub facts: PaymentFacts,
    pub reason: String,
}

impl Event for PaymentFailed {
    const TOPIC: &'static str = "payment.failed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.facts.payment)
    }
    fn org(&self) -> Option<Uuid> {
        self.facts.org
    }
}

/// Money of a payment went back to its payer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRefunded {
    #[serde(flatten)]
    pub facts: PaymentFacts,
    pub refund: Uuid,
    pub refunded_minor: i64,
}

impl Event for PaymentRefunded {
    const TOPIC: &'static str = "payment.refunded";
    fn subject(&self) -> Option<Uuid> {
        Some(self.facts.payment)
    }
    fn org(&self) -> Option<Uuid> {
        self.facts.org
    }
}

/// At most this many people of one organization are told of one contribution.
const MAX_TOLD: u64 = 50;

/// Who hears of the payments events (registered with the server's rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct PaymentRules;

#[async_trait::async_trait]
impl EventRules for PaymentRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[
            NotifiedTopic::pushed(PaymentSucceeded::TOPIC),
            NotifiedTopic::pushed(PaymentFailed::TOPIC),
            NotifiedTopic::pushed(PaymentRefunded::TOPIC),
            NotifiedTopic::pushed(InvoiceSettled::TOPIC),
        ];
        NOTIFIED
    }

    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
        if let Some(settled) = event.decode::<InvoiceSettled>() {
            return invoice_audience(tx, &settled).await;
        }
        if let Some(failed) = event.decode::<PaymentFailed>() {
            let f = &failed.facts;
            if f.kind == "invoice" {
                // Told with the invoice (`invoice.settled`), to all who manage billing.
                return Ok(Audience::nobody());
            }
            let amount = money::format(f.amount_minor, &f.currency);
            return Ok(Audience::each(
                vec![f.creator],
                format!("Your payment of {amount} failed: {}", failed.reason),
            ));
        }
        if let Some(refunded) = event.decode::<PaymentRefunded>() {
            let f = &refunded.facts;
            let amount = money::format(refunded.refunded_minor, &f.currency);
            return Ok(Audience::each(
                vec![f.creator],
                format!("{amount} of your payment was refunded"),
            ));
        }
        let Some(succeeded) = event.decode::<PaymentSucceeded>() else {
            return Ok(Audience::nobody());
        };
        let f = &succeeded.facts;
        let amount = money::format(f.amount_minor, &f.currency);
        let mut notices = Vec::new();
        if succeeded.was_pending && f.kind != "invoice" {
            notices.push(Notice::new(
                f.creator,
                format!("Your payment of {amount} succeeded"),
            ));
        }
        // An order's seller hears of it from the order, confirmed by the payment.
        if let (Some(payee), "contribution") = (f.payee, f.kind.as_str()) {
            let who = if f.anonymous {
                "Someone".to_owned()
            } else {
                name_of(tx, Some(f.creator)).await?
            };
            let to = match f.resource {
                Some(id) => resource::Entity::find_by_id(id).one(tx).await?.map_or_else(
                    || "your fund".to_owned(),
                    |r| commons_core::text::quoted(&r.title),
                ),
                None => "you".to_owned(),
            };
            let summary = format!("{who} contributed {amount} to {to}");
            let people = match f.org {
                None => vec![payee],
                Some(org) => {
                    let department = (org != payee).then_some(payee);
                    holders(tx, org, department, Permission::ManageBilling, MAX_TOLD).await?
                }
            };
            notices.extend(people.into_iter().map(|id| Notice::new(id, summary.clone())));
        }
        Ok(Audience::of(notices))
    }
}

/// An organization's invoice was paid or failed (PA6): its billing people hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSettled {
    pub invoice: Uuid,
    pub org: Uuid,
    /// The organization's name, for the notice.
    pub organization: String,
    /// `paid` or `failed`.
    pub status: String,
    pub plan: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: Option<String>,
}

impl Event for InvoiceSettled {
    const TOPIC: &'static str = "invoice.settled";
    fn subject(&self) -> Option<Uuid> {
        Some(self.invoice)
    }
    fn org(&self) -> Option<Uuid> {
        Some(self.org)
    }
}

/// Who is told how an invoice ended, and in which words.
async fn invoice_audience(tx: &DatabaseTransaction, settled: &InvoiceSettled) -> Result<Audience, RuleError> {
    let amount = money::format(settled.amount_minor, &settled.currency);
    let summary = match (settled.status.as_str(), &settled.reason) {
        ("failed", Some(reason)) => format!(
            "{}'s {} plan invoice of {amount} could not be paid ({reason}); the free plan's limits apply until it is",
            settled.organization, settled.plan
        ),
        (status, _) => format!(
            "{}'s {} plan invoice of {amount} is {status}",
            settled.organization, settled.plan
        ),
    };
    let people = holders(tx, settled.org, None, Permission::ManageBilling, MAX_TOLD).await?;
    Ok(Audience::each(people, summary))
}
