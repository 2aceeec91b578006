//! Refunds (PA1): all or part of a succeeded payment back to its payer, never more than was
//! paid, also when refunds run at once: the payment's `refunded_minor` grows with a
//! conditional update (`… WHERE refunded_minor + amount <= amount_minor`), under a `CHECK`
//! that says the same. Made in the three steps payments are (see [`crate::paying`]): the
//! money leaves the payee's account with the refund's row; the provider is asked with the
//! refund's id as its idempotency key; a refusal puts the money back (a reversal entry).
//!
//! The fee goes back in proportion: after refunds of `r` in all, the platform keeps
//! `fee - floor(fee * r / amount)`, so a full refund returns all of it.

use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, money, outbox, tenant, text};
use commons_sales::entity::order;
use commons_sales::lifecycle;
use commons_sales::{OrderStatus, Side};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Payments;
use crate::access::{Use, acts_for};
use crate::entity::account::AccountKind;
use crate::entity::entry::EntryKind;
use crate::entity::payment::{self, PaymentKind, PaymentStatus};
use crate::entity::refund::{self, RefundStatus};
use crate::error::Error;
use crate::events::{PaymentFacts, PaymentRefunded};
use crate::ledger::{self, Posting};
use crate::provider::{RefundOutcome, RefundRequest, Unreachable};
use crate::reading::seen_payments;

const MAX_REASON: usize = 500;

/// Money to give back from a payment.
#[derive(Clone, Debug)]
pub struct Refund {
    pub payment_id: Uuid,
    /// All that is left when absent.
    pub amount_minor: Option<i64>,
    pub reason: Option<String>,
    pub idempotency_key: String,
}

impl Payments {
    /// Refunds `input.amount_minor` (or all that is left) of a succeeded payment, for the
    /// payee's side: its people with `manage_billing`, or for an order the seller's with
    /// `manage_sales`. A full refund of an order's payment moves the order to refunded.
    pub async fn refund_payment<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: Refund,
    ) -> Result<refund::Model, Error> {
        if input.amount_minor.is_some_and(|a| a <= 0) {
            return Err(Error::invalid("amountMinor", "a refund is more than zero"));
        }
        let reason = text::optional("reason", input.reason.as_deref(), MAX_REASON)?;
        let now = self.now();
        let amount_text = input
            .amount_minor
            .map_or_else(|| "all".to_owned(), |a| a.to_string());
        let keyed = self
            .begin_keyed(
                db,
                actor,
                "refundPayment",
                &[
                    &input.payment_id.to_string(),
                    &amount_text,
                    reason.as_deref().unwrap_or(""),
                ],
                &input.idempotency_key,
                now,
            )
            .await?;
        let tx = keyed.tx;
        if let Some(id) = keyed.replayed {
            let found = refund::Entity::find_by_id(id).one(&tx).await?;
            tx.commit().await?;
            let found = found.ok_or(Error::RefundNotFound)?;
            return match found.status {
                RefundStatus::Pending => self.ask_refund(db, actor, found).await,
                _ => Ok(found),
            };
        }
        let paid = seen_payments(&tx, actor, &[input.payment_id])
            .await?
            .pop()
            .ok_or(Error::PaymentNotFound)?;
        if !self.refunds_it(&tx, actor, &paid).await? {
            return Err(Error::NotAllowed(
                "only the payee's side (manage_billing, or manage_sales for an order) refunds a payment",
            ));
        }
        if paid.status != PaymentStatus::Succeeded {
            return Err(Error::NotRefundable {
                status: paid.status.name(),
            });
        }
        let amount = input
            .amount_minor
            .unwrap_or(paid.amount_minor - paid.refunded_minor);
        let taken = payment::Entity::update_many()
            .col_expr(
                payment::Column::RefundedMinor,
                Expr::col(payment::Column::RefundedMinor).add(amount),
            )
            .col_expr(payment::Column::UpdatedAt, Expr::value(now))
            .filter(payment::Column::Id.eq(paid.id))
            .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
            .filter(
                Expr::col(payment::Column::RefundedMinor)
                    .add(amount)
                    .lte(Expr::col(payment::Column::AmountMinor)),
            )
            .exec(&tx)
            .await?;
        // Read after the update: on PostgreSQL the row is now this transaction's, so what
        // it holds includes every refund committed before this one.
        let now_paid = payment::Entity::find_by_id(paid.id)
            .one(&tx)
            .await?
            .ok_or(Error::PaymentNotFound)?;
        if taken.rows_affected == 0 || amount <= 0 {
            return Err(Error::RefundTooLarge {
                left: money::format(now_paid.amount_minor - now_paid.refunded_minor, &paid.currency),
            });
        }
        let refunded_before = now_paid.refunded_minor - amount;
        let made = refund::Model {
            id: commons_core::id::new(),
            payment_id: paid.id,
            amount_minor: amount,
            status: RefundStatus::Pending,
            reason,
            provider_ref: None,
            failure_reason: None,
            creator_id: keyed.creator,
            created_at: now,
            updated_at: now,
        };
        refund::Entity::insert(refund::ActiveModel::from(made.clone()))
            .exec_without_returning(&tx)
            .await?;
        let fee_back = fee_share(&paid, refunded_before + amount) - fee_share(&paid, refunded_before);
        let lines = refund_lines(&tx, &paid, amount, fee_back, now).await?;
        let posting = Posting {
            kind: EntryKind::Refund,
            currency: paid.currency.clone(),
            payment_id: Some(paid.id),
            refund_id: Some(made.id),
            description: made.reason.clone(),
            receipt_media_id: None,
            created_by: Some(keyed.creator),
            lines,
        };
        ledger::post(&tx, actor, posting, now).await?;
        commons_core::idempotency::complete(&tx, &keyed.request, made.id).await?;
        tx.commit().await?;
        self.ask_refund(db, actor, made).await
    }

    /// Whether `actor` refunds `paid`.
    async fn refunds_it(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        paid: &payment::Model,
    ) -> Result<bool, Error> {
        let Some(payee) = paid.payee_id else {
            // An invoice paid the platform: its admins refund it.
            return Ok(actor.is_admin());
        };
        if acts_for(tx, actor, payee, Use::Move).await?.is_some() {
            return Ok(true);
        }
        let Some(order_id) = paid.order_id.filter(|_| paid.kind == PaymentKind::Order) else {
            return Ok(false);
        };
        let Some(sold) = order::Entity::find_by_id(order_id).one(tx).await? else {
            return Ok(false);
        };
        Ok(self.sales.sells(tx, actor, &sold).await?)
    }

    /// Asks the provider for `made` and records its answer.
    async fn ask_refund<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        made: refund::Model,
    ) -> Result<refund::Model, Error> {
        let tx = tenant::read(db, &Actor::System).await?;
        let paid = payment::Entity::find_by_id(made.payment_id)
            .one(&tx)
            .await?
            .ok_or(Error::PaymentNotFound)?;
        tx.commit().await?;
        let request = RefundRequest {
            refund_id: made.id,
            charge_reference: paid.provider_ref.clone().unwrap_or_default(),
            amount_minor: made.amount_minor,
            currency: paid.currency.clone(),
        };
        let answer = match self.provider.refund(&request).await {
            Ok(answer) => answer,
            Err(Unreachable(reason)) => {
                tracing::warn!(refund = %made.id, %reason, "the payment provider did not answer a refund");
                return Err(Error::ProviderUnavailable);
            }
        };
        let now = self.now();
        let tx = tenant::write(db, &Actor::System).await?;
        let (status, reference, failure) = match &answer {
            RefundOutcome::Succeeded { reference } => {
                (RefundStatus::Succeeded, Some(reference.clone()), None)
            }
            RefundOutcome::Failed { reason } => (RefundStatus::Failed, None, Some(reason.clone())),
        };
        let moved = refund::Entity::update_many()
            .col_expr(refund::Column::Status, Expr::value(status))
            .col_expr(refund::Column::ProviderRef, Expr::value(reference))
            .col_expr(refund::Column::FailureReason, Expr::value(failure))
            .col_expr(refund::Column::UpdatedAt, Expr::value(now))
            .filter(refund::Column::Id.eq(made.id))
            .filter(refund::Column::Status.eq(RefundStatus::Pending))
            .exec(&tx)
            .await?;
        if moved.rows_affected == 1 {
            match status {
                RefundStatus::Succeeded => self.refunded(&tx, actor, &paid, &made, now).await?,
                _ => reverse(&tx, &paid, &made, now).await?,
            }
        }
        let found = refund::Entity::find_by_id(made.id)
            .one(&tx)
            .await?
            .ok_or(Error::RefundNotFound)?;
        tx.commit().await?;
        Ok(found)
    }

    /// The provider returned the money: the payer is told, and an order paid back in full
    /// is refunded when the refunding person sells it.
    async fn refunded(
        &self,
        tx: &impl Conn,
        actor: &Actor,
        paid: &payment::Model,
        made: &refund::Model,
        now: Timestamp,
    ) -> Result<(), Error> {
        let now_paid = payment::Entity::find_by_id(paid.id)
            .one(tx)
            .await?
            .ok_or(Error::PaymentNotFound)?;
        let event = PaymentRefunded {
            facts: PaymentFacts::of(&now_paid),
            refund: made.id,
            refunded_minor: made.amount_minor,
        };
        outbox::append(tx, &Actor::System, &event, now).await?;
        let Some(order_id) = now_paid.order_id else {
            return Ok(());
        };
        if now_paid.refunded_minor < now_paid.amount_minor {
            return Ok(());
        }
        let Some(sold) = order::Entity::find_by_id(order_id).one(tx).await? else {
            return Ok(());
        };
        let refundable = lifecycle::side_for(sold.status, OrderStatus::Refunded) == Some(Side::Seller);
        tenant::act_as(tx, actor).await?;
        if refundable && self.sales.sells(tx, actor, &sold).await? {
            self.sales
                .transition_order(
                    tx,
                    actor,
                    order_id,
                    OrderStatus::Refunded,
                    Some("refunded in full"),
                )
                .await?;
        }
        tenant::act_as(tx, &Actor::System).await?;
        Ok(())
    }
}

/// The part of `paid`'s fee that refunds of `refunded` in all give back.
fn fee_share(paid: &payment::Model, refunded: i64) -> i64 {
    if paid.amount_minor == 0 {
        return 0;
    }
    let share = i128::from(paid.fee_minor) * i128::from(refunded) / i128::from(paid.amount_minor);
    i64::try_from(share).unwrap_or(paid.fee_minor)
}

/// The lines that give `amount` back: from the payee's account (less the fee given back),
/// from the fees account, to the provider's side.
async fn refund_lines(
    tx: &impl ConnectionTrait,
    paid: &payment::Model,
    amount: i64,
    fee_back: i64,
    now: Timestamp,
) -> Result<Vec<(Uuid, i64)>, Error> {
    tenant::act_as(tx, &Actor::System).await?;
    let clearing = ledger::platform_account(tx, AccountKind::Clearing, &paid.currency, now).await?;
    let fees = ledger::platform_account(tx, AccountKind::Fees, &paid.currency, now).await?;
    Ok(vec![
        (paid.account_id, -(amount - fee_back)),
        (fees.id, -fee_back),
        (clearing.id, amount),
    ])
}

/// The provider refused `made`: its money goes back to the payee, and the payment may be
/// refunded again.
async fn reverse(
    tx: &impl ConnectionTrait,
    paid: &payment::Model,
    made: &refund::Model,
    now: Timestamp,
) -> Result<(), Error> {
    let entry = crate::entity::entry::Entity::find()
        .filter(crate::entity::entry::Column::RefundId.eq(made.id))
        .one(tx)
        .await?
        .ok_or(Error::Unbalanced)?;
    let lines = crate::entity::line::Entity::find()
        .filter(crate::entity::line::Column::EntryId.eq(entry.id))
        .all(tx)
        .await?;
    payment::Entity::update_many()
        .col_expr(
            payment::Column::RefundedMinor,
            Expr::col(payment::Column::RefundedMinor).sub(made.amount_minor),
        )
        .filter(payment::Column::Id.eq(paid.id))
        .exec(tx)
        .await?;
    let posting = Posting {
        kind: EntryKind::Reversal,
        currency: paid.currency.clone(),
        payment_id: Some(paid.id),
        refund_id: Some(made.id),
        description: made.failure_reason.clone(),
        receipt_media_id: None,
        created_by: None,
        lines: lines.iter().map(|l| (l.account_id, -l.amount_minor)).collect(),
    };
    ledger::post(tx, &Actor::System, posting, now).await?;
    Ok(())
}
