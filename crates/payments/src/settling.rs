//! How a payment ends: by the provider's answer to the charge, or by its signed event,
//! whichever comes first. The status changes with a conditional update, so of two reports of
//! one ending (the answer and a webhook, or one webhook delivered twice) exactly one moves it,
//! posts the money and confirms the order; the other finds it done.

use commons_core::{Actor, Timestamp, outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Payments;
use crate::entity::account::AccountKind;
use crate::entity::entry::EntryKind;
use crate::entity::payment::{self, PaymentKind, PaymentStatus};
use crate::error::Error;
use crate::events::{PaymentFacts, PaymentFailed, PaymentSucceeded};
use crate::ledger::{self, Posting};
use crate::provider::ChargeOutcome;

/// How a charge went or ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeeded {
        reference: String,
    },
    Pending {
        reference: String,
        client_secret: Option<String>,
    },
    Failed {
        reference: Option<String>,
        reason: String,
    },
    Cancelled,
}

impl From<ChargeOutcome> for Outcome {
    fn from(outcome: ChargeOutcome) -> Outcome {
        match outcome {
            ChargeOutcome::Succeeded { reference } => Outcome::Succeeded { reference },
            ChargeOutcome::Pending {
                reference,
                client_secret,
            } => Outcome::Pending {
                reference,
                client_secret,
            },
            ChargeOutcome::Failed { reference, reason } => Outcome::Failed { reference, reason },
        }
    }
}

impl Payments {
    /// Applies `outcome` to `payment_id` in `tx`, which acts as the system. Returns the
    /// payment as it is now.
    pub(crate) async fn settle(
        &self,
        tx: &impl ConnectionTrait,
        payment_id: Uuid,
        outcome: Outcome,
        now: Timestamp,
    ) -> Result<payment::Model, Error> {
        let current = payment::Entity::find_by_id(payment_id)
            .one(tx)
            .await?
            .ok_or(Error::PaymentNotFound)?;
        if !current.status.is_open() {
            return Ok(current);
        }
        let (status, reference, reason) = match &outcome {
            Outcome::Succeeded { reference } => (PaymentStatus::Succeeded, Some(reference.clone()), None),
            Outcome::Pending { reference, .. } => (PaymentStatus::Processing, Some(reference.clone()), None),
            Outcome::Failed { reference, reason } => {
                (PaymentStatus::Failed, reference.clone(), Some(reason.clone()))
            }
            Outcome::Cancelled => (PaymentStatus::Cancelled, None, None),
        };
        let from: &[PaymentStatus] = if status == PaymentStatus::Processing {
            &[PaymentStatus::RequiresPayment]
        } else {
            &[PaymentStatus::RequiresPayment, PaymentStatus::Processing]
        };
        let mut update = payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(status))
            .col_expr(payment::Column::UpdatedAt, Expr::value(now));
        if let Some(reference) = reference {
            update = update.col_expr(payment::Column::ProviderRef, Expr::value(reference));
        }
        if let Outcome::Pending {
            client_secret: Some(secret),
            ..
        } = &outcome
        {
            update = update.col_expr(payment::Column::ClientSecret, Expr::value(secret.clone()));
        }
        if status != PaymentStatus::Processing {
            update = update
                .col_expr(payment::Column::SettledAt, Expr::value(now))
                .col_expr(payment::Column::FailureReason, Expr::value(reason.clone()));
        }
        let moved = update
            .filter(payment::Column::Id.eq(payment_id))
            .filter(payment::Column::Status.is_in(from.iter().copied()))
            .exec(tx)
            .await?;
        let settled = payment::Entity::find_by_id(payment_id)
            .one(tx)
            .await?
            .ok_or(Error::PaymentNotFound)?;
        if moved.rows_affected == 0 {
            return Ok(settled);
        }
        let was_pending = current.status == PaymentStatus::Processing;
        match status {
            PaymentStatus::Succeeded => self.succeeded(tx, &settled, was_pending, now).await?,
            PaymentStatus::Failed | PaymentStatus::Cancelled => {
                let event = PaymentFailed {
                    facts: PaymentFacts::of(&settled),
                    reason: reason.unwrap_or_else(|| "the payment was cancelled".into()),
                };
                if let Some(invoice) = settled.invoice_id {
                    self.invoice_failed(tx, invoice, &event.reason, now).await?;
                }
                outbox::append(tx, &Actor::System, &event, now).await?;
            }
            PaymentStatus::RequiresPayment | PaymentStatus::Processing => {}
        }
        Ok(settled)
    }

    /// The money arrived: the payee's account gets it less the fee, the order is confirmed.
    async fn succeeded(
        &self,
        tx: &impl ConnectionTrait,
        paid: &payment::Model,
        was_pending: bool,
        now: Timestamp,
    ) -> Result<(), Error> {
        let clearing = ledger::platform_account(tx, AccountKind::Clearing, &paid.currency, now).await?;
        let fees = ledger::platform_account(tx, AccountKind::Fees, &paid.currency, now).await?;
        let posting = Posting {
            kind: EntryKind::Payment,
            currency: paid.currency.clone(),
            payment_id: Some(paid.id),
            refund_id: None,
            description: None,
            receipt_media_id: None,
            created_by: Some(paid.creator_id),
            lines: vec![
                (clearing.id, -paid.amount_minor),
                (paid.account_id, paid.amount_minor - paid.fee_minor),
                (fees.id, paid.fee_minor),
            ],
        };
        ledger::post(tx, &Actor::System, posting, now).await?;
        if let (PaymentKind::Invoice, Some(invoice)) = (paid.kind, paid.invoice_id) {
            self.invoice_paid(tx, invoice, now).await?;
        }
        if let (PaymentKind::Order, Some(order_id)) = (paid.kind, paid.order_id) {
            let confirmed = self
                .sales
                .confirm_paid(tx, order_id, paid.creator_id, now)
                .await?;
            if !confirmed {
                tracing::warn!(payment = %paid.id, order = %order_id,
                    "a payment succeeded for an order that is no longer placed; the seller should refund it");
            }
        }
        let event = PaymentSucceeded {
            facts: PaymentFacts::of(paid),
            was_pending,
        };
        outbox::append(tx, &Actor::System, &event, now).await?;
        Ok(())
    }
}
