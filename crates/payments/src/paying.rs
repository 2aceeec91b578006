//! Paying (PA1, PA3): an order's total to its seller. Every payment is made in three steps,
//! so that no database transaction waits on the provider and no replay or crash charges
//! twice:
//!
//! 1. In one transaction: claim the idempotency key, check the rules, write the payment
//!    (`requires_payment`) and record it as the key's result. Two payments of one order meet
//!    on a unique index (`AlreadyPaid`); two requests with one key meet on the key.
//! 2. Ask the provider to charge, with the payment's id as its idempotency key.
//! 3. Settle the payment by the answer ([`crate::settling`]), or leave it to the webhook.
//!
//! A replay of the key returns the payment as it is now; one that finds it still waiting
//! for step 2 (the first request died, or the provider did not answer) asks the provider
//! again, which charges once for that payment however often it is asked.

use commons_core::db::Conn;
use commons_core::idempotency::{self, Claimed, Request};
use commons_core::{Actor, Timestamp, tenant};
use commons_orgs::service::access::active_writer;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, SqlErr};
use uuid::Uuid;

use crate::entity::account::AccountKind;
use crate::entity::payment::{self, PaymentKind, PaymentStatus};
use crate::error::Error;
use crate::ledger::{self, Holder};
use crate::provider::{ChargeRequest, Unreachable};
use crate::{Payments, fingerprint};

/// A payment about to be written.
pub(crate) struct NewPayment {
    pub kind: PaymentKind,
    pub order_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub payer_id: Uuid,
    pub payer_org_id: Option<Uuid>,
    /// The payee and the account its money goes to; none for an invoice, which pays the
    /// platform (its `fees` account).
    pub payee: Option<Holder>,
    pub amount_minor: i64,
    pub currency: String,
    pub anonymous: bool,
    pub message: Option<String>,
}

/// A keyed request's transaction, begun and claimed.
pub(crate) struct Keyed<T> {
    pub tx: T,
    /// The person acting.
    pub creator: Uuid,
    pub request: Request,
    /// What an earlier request with the key made, if it did.
    pub replayed: Option<Uuid>,
}

impl Payments {
    /// Pays the placed order `order_id` (its total, to its seller) as its customer, with the
    /// client's `idempotency_key`.
    pub async fn pay_order<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        order_id: Uuid,
        idempotency_key: &str,
    ) -> Result<payment::Model, Error> {
        let now = self.now();
        let keyed = self
            .begin_keyed(
                db,
                actor,
                "payOrder",
                &[&order_id.to_string()],
                idempotency_key,
                now,
            )
            .await?;
        if let Some(id) = keyed.replayed {
            keyed.tx.commit().await?;
            return self.replayed(db, actor, id).await;
        }
        let tx = keyed.tx;
        let order = self.sales.order_to_pay(&tx, actor, order_id).await?;
        let new = NewPayment {
            kind: PaymentKind::Order,
            order_id: Some(order.id),
            invoice_id: None,
            payer_id: order.customer_id,
            payer_org_id: order.customer_org_id,
            payee: Some(Holder {
                agent_id: order.seller_id,
                org_id: order.seller_org_id,
                resource_id: None,
            }),
            amount_minor: order.total_minor,
            currency: order.currency.clone(),
            anonymous: false,
            message: None,
        };
        let payment = self
            .open(&tx, actor, keyed.creator, &keyed.request, new, now)
            .await?;
        tx.commit().await?;
        self.charge(db, payment).await
    }

    /// Begins the write transaction of a keyed money mutation and claims its key.
    pub(crate) async fn begin_keyed<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        operation: &str,
        input: &[&str],
        key: &str,
        now: Timestamp,
    ) -> Result<Keyed<C::Transaction>, Error> {
        let tx = tenant::write(db, actor).await?;
        let creator = active_writer(&tx, actor).await?;
        let request = Request {
            actor_id: creator,
            key: key.to_owned(),
            operation: operation.to_owned(),
            fingerprint: fingerprint::of(operation, input),
        };
        let replayed = match idempotency::claim(&tx, &request, now).await? {
            Claimed::First => None,
            Claimed::Replay(id) => Some(id),
        };
        Ok(Keyed {
            tx,
            creator,
            request,
            replayed,
        })
    }

    /// Writes `new` as a payment waiting to be charged, and records it as the key's result.
    pub(crate) async fn open(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        creator: Uuid,
        request: &Request,
        new: NewPayment,
        now: Timestamp,
    ) -> Result<payment::Model, Error> {
        let payment = self.write_payment(tx, actor, creator, new, now).await?;
        idempotency::complete(tx, request, payment.id).await?;
        Ok(payment)
    }

    /// Writes `new` as a payment waiting to be charged.
    pub(crate) async fn write_payment(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        creator: Uuid,
        new: NewPayment,
        now: Timestamp,
    ) -> Result<payment::Model, Error> {
        // The payee's account is the platform's book: made and read as the system.
        tenant::act_as(tx, &Actor::System).await?;
        let account = match new.payee {
            Some(payee) => ledger::agent_account(tx, payee, &new.currency, now).await?,
            None => ledger::platform_account(tx, AccountKind::Fees, &new.currency, now).await?,
        };
        tenant::act_as(tx, actor).await?;
        let payment = payment::Model {
            id: commons_core::id::new(),
            kind: new.kind,
            order_id: new.order_id,
            invoice_id: new.invoice_id,
            payer_id: new.payer_id,
            payer_org_id: new.payer_org_id,
            payee_id: new.payee.map(|p| p.agent_id),
            payee_org_id: new.payee.and_then(|p| p.org_id),
            account_id: account.id,
            resource_id: new.payee.and_then(|p| p.resource_id),
            creator_id: creator,
            amount_minor: new.amount_minor,
            fee_minor: self.fee.on(new.amount_minor),
            refunded_minor: 0,
            currency: new.currency,
            status: PaymentStatus::RequiresPayment,
            provider: self.provider.name().to_owned(),
            provider_ref: None,
            client_secret: None,
            failure_reason: None,
            anonymous: new.anonymous,
            message: new.message,
            created_at: now,
            updated_at: now,
            settled_at: None,
        };
        let row: payment::ActiveModel = payment.clone().into();
        match payment::Entity::insert(row).exec_without_returning(tx).await {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(Error::AlreadyPaid),
            Err(e) => return Err(e.into()),
        }
        Ok(payment)
    }

    /// What a replayed key made, as it is now; asked of the provider again if the first
    /// request never got its answer.
    pub(crate) async fn replayed<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<payment::Model, Error> {
        let found = self.payment(db, actor, id).await?.ok_or(Error::PaymentNotFound)?;
        if found.status == PaymentStatus::RequiresPayment {
            return self.charge(db, found).await;
        }
        Ok(found)
    }

    /// Steps 2 and 3: charges `payment` and settles it by the answer.
    pub(crate) async fn charge<C: Conn>(
        &self,
        db: &C,
        payment: payment::Model,
    ) -> Result<payment::Model, Error> {
        let request = ChargeRequest {
            payment_id: payment.id,
            amount_minor: payment.amount_minor,
            currency: payment.currency.clone(),
            description: match (payment.order_id, payment.invoice_id) {
                (Some(order), _) => format!("Order {order}"),
                (_, Some(invoice)) => format!("Invoice {invoice}"),
                _ => "Contribution".to_owned(),
            },
        };
        let outcome = match self.provider.charge(&request).await {
            Ok(outcome) => outcome,
            Err(Unreachable(reason)) => {
                tracing::warn!(payment = %payment.id, %reason, "the payment provider did not answer");
                return Err(Error::ProviderUnavailable);
            }
        };
        let tx = tenant::write(db, &Actor::System).await?;
        let settled = self.settle(&tx, payment.id, outcome.into(), self.now()).await?;
        tx.commit().await?;
        Ok(settled)
    }
}

pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
