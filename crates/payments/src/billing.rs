//! Billing (PA6): an organization subscribes to a plan of `commons_orgs` through the payment
//! provider. The first month is invoiced and charged at once; each month after is invoiced
//! when the last ends ([`Payments::bill_due`], run by `commons billing` or the server's
//! scheduler, safe with several processes: an invoice is unique per subscription, kind and
//! period start, and an invoice has at most one open payment). A bigger plan mid-month is
//! invoiced for the rest of the month at the difference ([`prorate`]); a smaller one applies
//! at once, without credit. A renewal that fails makes the subscription `past_due`, and the
//! organization falls back to the free plan's limits (`commons_orgs`) until the invoice is
//! paid ([`Payments::pay_invoice`]), which restores the plan.

use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, outbox, tenant};
use commons_orgs::entity::organization;
use commons_orgs::service::billing as org_billing;
use commons_orgs::{BillingStatus, Plan};
use commons_resources::Scope;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::Payments;
use crate::access::{Use, acts_for};
use crate::entity::invoice::{self, InvoiceKind, InvoiceStatus};
use crate::entity::payment::{self, PaymentKind};
use crate::entity::subscription::{self, SubscriptionStatus};
use crate::error::Error;
use crate::events::InvoiceSettled;
use crate::paying::NewPayment;

/// Monthly prices of the plans, in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prices {
    pub currency: String,
    pub starter_minor: i64,
    pub growth_minor: i64,
    pub pro_minor: i64,
    pub enterprise_minor: i64,
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            currency: "USD".into(),
            starter_minor: 900,
            growth_minor: 2_900,
            pro_minor: 9_900,
            enterprise_minor: 49_900,
        }
    }
}

impl Prices {
    pub fn monthly(&self, plan: Plan) -> i64 {
        match plan {
            Plan::Free => 0,
            Plan::Starter => self.starter_minor,
            Plan::Growth => self.growth_minor,
            Plan::Pro => self.pro_minor,
            Plan::Enterprise => self.enterprise_minor,
        }
    }
}

/// What an upgrade from a plan priced `old_minor` to one priced `new_minor` costs for the
/// rest of the period `[start, end)` from `at`: the difference times the share of the period
/// left, rounded half up to the minor unit. Nothing for a downgrade or past the period.
pub fn prorate(old_minor: i64, new_minor: i64, start: Timestamp, end: Timestamp, at: Timestamp) -> i64 {
    let total = (end - start).num_seconds();
    let left = (end - at).num_seconds().clamp(0, total.max(0));
    if total <= 0 || new_minor <= old_minor {
        return 0;
    }
    let difference = i128::from(new_minor - old_minor);
    let (left, total) = (i128::from(left), i128::from(total));
    i64::try_from((2 * difference * left + total) / (2 * total)).unwrap_or(i64::MAX)
}

/// The month after `start`.
fn month_after(start: Timestamp) -> Timestamp {
    start
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(start + chrono::Duration::days(30))
}

/// What a billing run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BillingRun {
    /// Renewal invoices made.
    pub invoiced: usize,
    pub paid: usize,
    pub failed: usize,
}

impl Payments {
    /// Moves `org_id` to `plan` (owners and admins: `manage_billing`). A first subscription
    /// or a bigger plan is invoiced and charged now; the free plan ends the subscription.
    pub async fn subscribe<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        plan: Plan,
        idempotency_key: &str,
    ) -> Result<subscription::Model, Error> {
        let now = self.now();
        let keyed = self
            .begin_keyed(
                db,
                actor,
                "subscribe",
                &[&org_id.to_string(), plan.name()],
                idempotency_key,
                now,
            )
            .await?;
        let tx = keyed.tx;
        if let Some(id) = keyed.replayed {
            let found = subscription::Entity::find_by_id(id).one(&tx).await?;
            tx.commit().await?;
            return found.ok_or(Error::SubscriptionNotFound);
        }
        self.manages_billing(&tx, actor, org_id).await?;
        let current = subscription::Entity::find()
            .filter(subscription::Column::OrgId.eq(org_id))
            .one(&tx)
            .await?;
        let price = self.prices.monthly(plan);
        let (subscription, invoice) = match current {
            Some(sub) if sub.status == SubscriptionStatus::PastDue && plan != Plan::Free => {
                return Err(Error::PastDue);
            }
            Some(sub) if sub.plan == plan && sub.status == SubscriptionStatus::Active => (sub, None),
            Some(sub)
                if matches!(
                    sub.status,
                    SubscriptionStatus::Active | SubscriptionStatus::PastDue
                ) =>
            {
                if plan == Plan::Free {
                    (self.end_subscription(&tx, actor, sub, now).await?, None)
                } else if price > sub.price_minor {
                    let amount = prorate(sub.price_minor, price, sub.period_start, sub.period_end, now);
                    let invoice = self
                        .invoice(
                            &tx,
                            &sub,
                            InvoiceKind::Proration,
                            plan,
                            amount,
                            now,
                            sub.period_end,
                            now,
                        )
                        .await?;
                    (sub, invoice)
                } else {
                    (self.downgrade(&tx, actor, sub, plan, price, now).await?, None)
                }
            }
            _ if plan == Plan::Free => {
                return Err(Error::invalid("plan", "the free plan needs no subscription"));
            }
            existing => {
                let sub = self
                    .start_subscription(&tx, existing, org_id, plan, price, keyed.creator, now)
                    .await?;
                let invoice = self
                    .invoice(
                        &tx,
                        &sub,
                        InvoiceKind::Initial,
                        plan,
                        price,
                        sub.period_start,
                        sub.period_end,
                        now,
                    )
                    .await?;
                (sub, invoice)
            }
        };
        commons_core::idempotency::complete(&tx, &keyed.request, subscription.id).await?;
        let payment = match invoice {
            Some(invoice) => Some(
                self.open_invoice_payment(&tx, actor, keyed.creator, &invoice, now)
                    .await?,
            ),
            None => None,
        };
        tx.commit().await?;
        if let Some(payment) = payment {
            self.charge(db, payment).await?;
        }
        self.subscription(db, actor, org_id)
            .await?
            .ok_or(Error::SubscriptionNotFound)
    }

    /// Pays an open or failed invoice again (owners and admins); paying a renewal restores
    /// the plan of a `past_due` organization.
    pub async fn pay_invoice<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        invoice_id: Uuid,
        idempotency_key: &str,
    ) -> Result<invoice::Model, Error> {
        let now = self.now();
        let keyed = self
            .begin_keyed(
                db,
                actor,
                "payInvoice",
                &[&invoice_id.to_string()],
                idempotency_key,
                now,
            )
            .await?;
        let tx = keyed.tx;
        let payment = match keyed.replayed {
            Some(id) => {
                tx.commit().await?;
                self.replayed(db, actor, id).await?
            }
            None => {
                let owed = invoice::Entity::find_by_id(invoice_id)
                    .one(&tx)
                    .await?
                    .ok_or(Error::InvoiceNotFound)?;
                self.manages_billing(&tx, actor, owed.org_id).await?;
                if !matches!(owed.status, InvoiceStatus::Open | InvoiceStatus::Failed) {
                    return Err(Error::InvoiceClosed {
                        status: invoice_status_name(owed.status),
                    });
                }
                let payment = self
                    .open_invoice_payment(&tx, actor, keyed.creator, &owed, now)
                    .await?;
                commons_core::idempotency::complete(&tx, &keyed.request, payment.id).await?;
                tx.commit().await?;
                self.charge(db, payment).await?
            }
        };
        let tx = tenant::read(db, actor).await?;
        let found = invoice::Entity::find_by_id(payment.invoice_id.unwrap_or(invoice_id))
            .one(&tx)
            .await?;
        tx.commit().await?;
        found.ok_or(Error::InvoiceNotFound)
    }

    /// Invoices and charges every subscription whose month has ended, as the system: what
    /// `commons billing` and the server's scheduler run.
    pub async fn bill_due<C: Conn>(&self, db: &C) -> Result<BillingRun, Error> {
        let now = self.now();
        let mut run = BillingRun::default();
        loop {
            let tx = tenant::write(db, &Actor::System).await?;
            // Those whose renewal is not yet invoiced: one still being charged (a pending
            // provider) must not hold the others back.
            let due = subscription::Entity::find()
                .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
                .filter(subscription::Column::PeriodEnd.lte(now))
                .filter(Expr::cust(
                    "NOT EXISTS (SELECT 1 FROM invoices i WHERE i.subscription_id = subscriptions.id \
                     AND i.kind = 'renewal' AND i.period_start = subscriptions.period_end)",
                ))
                .order_by_asc(subscription::Column::PeriodEnd)
                .limit(50)
                .all(&tx)
                .await?;
            let mut payments = Vec::new();
            for sub in &due {
                let start = sub.period_end;
                let Some(owed) = self
                    .invoice(
                        &tx,
                        sub,
                        InvoiceKind::Renewal,
                        sub.plan,
                        sub.price_minor,
                        start,
                        month_after(start),
                        now,
                    )
                    .await?
                else {
                    continue;
                };
                run.invoiced += 1;
                match self
                    .open_invoice_payment(&tx, &Actor::System, sub.created_by, &owed, now)
                    .await
                {
                    Ok(payment) => payments.push(payment),
                    // Another process is charging it.
                    Err(Error::AlreadyPaid) => {}
                    Err(e) => return Err(e),
                }
            }
            tx.commit().await?;
            if payments.is_empty() {
                return Ok(run);
            }
            for payment in payments {
                match self.charge(db, payment).await?.status {
                    crate::PaymentStatus::Succeeded => run.paid += 1,
                    crate::PaymentStatus::Failed | crate::PaymentStatus::Cancelled => run.failed += 1,
                    _ => {}
                }
            }
        }
    }

    /// The organization's subscription, for its people with `manage_billing`.
    pub async fn subscription<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
    ) -> Result<Option<subscription::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        self.sees_billing(&tx, actor, org_id).await?;
        let found = subscription::Entity::find()
            .filter(subscription::Column::OrgId.eq(org_id))
            .one(&tx)
            .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The organization's invoices, newest first, for its people with `manage_billing`.
    pub async fn invoices<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<invoice::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        self.sees_billing(&tx, actor, org_id).await?;
        let select = invoice::Entity::find().filter(invoice::Column::OrgId.eq(org_id));
        let found = page::fetch(
            &tx,
            select,
            Keyset::newest_first(invoice::Column::Id),
            page,
            |i| Cursor::by_id(i.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The invoices of `ids` the actor may see (as [`Payments::invoices`] decides).
    pub async fn invoices_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<invoice::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = invoice::Entity::find()
            .filter(invoice::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let seen = self.billing_seen(&tx, actor, rows, |i| i.org_id).await?;
        tx.commit().await?;
        Ok(seen)
    }

    /// The plan subscriptions of `ids` the actor may see (as [`Payments::subscription`]).
    pub async fn subscriptions_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<subscription::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = subscription::Entity::find()
            .filter(subscription::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let seen = self.billing_seen(&tx, actor, rows, |s| s.org_id).await?;
        tx.commit().await?;
        Ok(seen)
    }

    /// Of `rows`, those of organizations whose billing the actor sees, asking once per
    /// organization.
    async fn billing_seen<T>(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        rows: Vec<T>,
        org_of: impl Fn(&T) -> Uuid,
    ) -> Result<Vec<T>, Error> {
        let mut allowed = commons_core::AskOnce::default();
        let mut seen = Vec::with_capacity(rows.len());
        for row in rows {
            let may = allowed
                .get(org_of(&row), async |org| {
                    match self.sees_billing(tx, actor, org).await {
                        Ok(()) => Ok(true),
                        Err(e) => match commons_core::CodedError::code(&e) {
                            // Not theirs to see: the row does not exist for them.
                            commons_core::ErrorCode::Unauthenticated
                            | commons_core::ErrorCode::Forbidden
                            | commons_core::ErrorCode::NotFound => Ok(false),
                            _ => Err(e),
                        },
                    }
                })
                .await?;
            if may {
                seen.push(row);
            }
        }
        Ok(seen)
    }

    /// Refuses anyone but the organization's people with `manage_billing` (its owner) and
    /// platform admins.
    async fn manages_billing(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        org_id: Uuid,
    ) -> Result<(), Error> {
        if org_level(acts_for(tx, actor, org_id, Use::Move).await?) {
            return Ok(());
        }
        Err(Error::NotAllowed(
            "only an organization's owner (manage_billing) changes or pays its plan",
        ))
    }

    /// Refuses anyone but those who run the organization: `manage_billing` or
    /// `manage_organization` (its owner and admins), and platform admins.
    async fn sees_billing(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        org_id: Uuid,
    ) -> Result<(), Error> {
        if org_level(acts_for(tx, actor, org_id, Use::SeeBilling).await?) {
            return Ok(());
        }
        Err(Error::NotAllowed(
            "only an organization's owner and admins see its plan and invoices",
        ))
    }

    /// A subscription waiting for its first invoice, made or started over from `existing`.
    #[allow(clippy::too_many_arguments)]
    async fn start_subscription(
        &self,
        tx: &impl ConnectionTrait,
        existing: Option<subscription::Model>,
        org_id: Uuid,
        plan: Plan,
        price: i64,
        creator: Uuid,
        now: Timestamp,
    ) -> Result<subscription::Model, Error> {
        let sub = subscription::Model {
            id: existing.as_ref().map_or_else(commons_core::id::new, |s| s.id),
            org_id,
            plan,
            status: SubscriptionStatus::Incomplete,
            currency: self.prices.currency.clone(),
            price_minor: price,
            period_start: now,
            period_end: month_after(now),
            created_by: creator,
            created_at: existing.as_ref().map_or(now, |s| s.created_at),
            updated_at: now,
        };
        let row = subscription::ActiveModel::from(sub.clone()).reset_all();
        if existing.is_some() {
            subscription::Entity::update(row).exec(tx).await?;
        } else {
            subscription::Entity::insert(row)
                .exec_without_returning(tx)
                .await?;
        }
        Ok(sub)
    }

    /// The free plan: the subscription ends now (no refund of the month paid).
    async fn end_subscription(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        sub: subscription::Model,
        now: Timestamp,
    ) -> Result<subscription::Model, Error> {
        let ended = subscription::Model {
            status: SubscriptionStatus::Cancelled,
            updated_at: now,
            ..sub
        };
        subscription::Entity::update(subscription::ActiveModel::from(ended.clone()).reset_all())
            .exec(tx)
            .await?;
        void_open(tx, ended.id, now).await?;
        as_system(
            tx,
            actor,
            ended.org_id,
            Some(Plan::Free),
            BillingStatus::Active,
            now,
        )
        .await?;
        Ok(ended)
    }

    /// A smaller plan: at once, at its price from the next month.
    async fn downgrade(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        sub: subscription::Model,
        plan: Plan,
        price: i64,
        now: Timestamp,
    ) -> Result<subscription::Model, Error> {
        let smaller = subscription::Model {
            plan,
            price_minor: price,
            updated_at: now,
            ..sub
        };
        subscription::Entity::update(subscription::ActiveModel::from(smaller.clone()).reset_all())
            .exec(tx)
            .await?;
        let status = billing_of(smaller.status);
        as_system(tx, actor, smaller.org_id, Some(plan), status, now).await?;
        Ok(smaller)
    }

    /// An invoice of `kind` for `[start, end)`, unless one exists (then `None`): of two
    /// processes billing at once, one makes it. Nothing is owed for a zero amount.
    #[allow(clippy::too_many_arguments)]
    async fn invoice(
        &self,
        tx: &impl ConnectionTrait,
        sub: &subscription::Model,
        kind: InvoiceKind,
        plan: Plan,
        amount_minor: i64,
        start: Timestamp,
        end: Timestamp,
        now: Timestamp,
    ) -> Result<Option<invoice::Model>, Error> {
        if amount_minor <= 0 {
            return Ok(None);
        }
        let owed = invoice::Model {
            id: commons_core::id::new(),
            org_id: sub.org_id,
            subscription_id: sub.id,
            kind,
            plan,
            amount_minor,
            currency: sub.currency.clone(),
            period_start: start,
            period_end: end,
            status: InvoiceStatus::Open,
            failure_reason: None,
            created_at: now,
            updated_at: now,
        };
        let made = invoice::Entity::insert(invoice::ActiveModel::from(owed.clone()))
            .on_conflict(
                OnConflict::columns([
                    invoice::Column::SubscriptionId,
                    invoice::Column::Kind,
                    invoice::Column::PeriodStart,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
        Ok((made == 1).then_some(owed))
    }

    /// The payment of `owed` by its organization, waiting to be charged.
    async fn open_invoice_payment(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        creator: Uuid,
        owed: &invoice::Model,
        now: Timestamp,
    ) -> Result<payment::Model, Error> {
        let new = NewPayment {
            kind: PaymentKind::Invoice,
            order_id: None,
            invoice_id: Some(owed.id),
            payer_id: owed.org_id,
            payer_org_id: Some(owed.org_id),
            payee: None,
            amount_minor: owed.amount_minor,
            currency: owed.currency.clone(),
            anonymous: false,
            message: None,
        };
        // The key (if any) is completed by the caller; an invoice payment is recorded as the
        // invoice's, not the key's.
        self.write_payment(tx, actor, creator, new, now).await
    }

    /// The invoice's payment succeeded: the invoice is paid and what it paid for applies.
    pub(crate) async fn invoice_paid(
        &self,
        tx: &impl ConnectionTrait,
        invoice_id: Uuid,
        now: Timestamp,
    ) -> Result<(), Error> {
        let Some(paid) = settle_invoice(tx, invoice_id, InvoiceStatus::Paid, None, now).await? else {
            return Ok(());
        };
        let Some(sub) = subscription::Entity::find_by_id(paid.subscription_id)
            .one(tx)
            .await?
        else {
            return Ok(());
        };
        let mut now_sub = subscription::Model {
            status: SubscriptionStatus::Active,
            updated_at: now,
            ..sub.clone()
        };
        match paid.kind {
            InvoiceKind::Initial => {
                now_sub.plan = paid.plan;
                now_sub.price_minor = paid.amount_minor;
                now_sub.period_start = paid.period_start;
                now_sub.period_end = paid.period_end;
            }
            InvoiceKind::Renewal => {
                // Only the month after the one paid so far moves the period on.
                if sub.period_end == paid.period_start {
                    now_sub.period_start = paid.period_start;
                    now_sub.period_end = paid.period_end;
                }
            }
            InvoiceKind::Proration => {
                now_sub.plan = paid.plan;
                now_sub.price_minor = self.prices.monthly(paid.plan);
            }
        }
        // An upgrade paid while a renewal is owed does not lift past_due.
        if sub.status == SubscriptionStatus::PastDue && paid.kind != InvoiceKind::Renewal {
            now_sub.status = SubscriptionStatus::PastDue;
        }
        subscription::Entity::update(subscription::ActiveModel::from(now_sub.clone()).reset_all())
            .exec(tx)
            .await?;
        org_billing::apply(
            tx,
            now_sub.org_id,
            Some(now_sub.plan),
            billing_of(now_sub.status),
            now,
        )
        .await?;
        told(tx, &paid, now).await
    }

    /// The invoice's payment failed: a renewal makes the subscription past due.
    pub(crate) async fn invoice_failed(
        &self,
        tx: &impl ConnectionTrait,
        invoice_id: Uuid,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        let Some(failed) = settle_invoice(tx, invoice_id, InvoiceStatus::Failed, Some(reason), now).await?
        else {
            return Ok(());
        };
        if failed.kind == InvoiceKind::Renewal {
            subscription::Entity::update_many()
                .col_expr(
                    subscription::Column::Status,
                    Expr::value(SubscriptionStatus::PastDue),
                )
                .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
                .filter(subscription::Column::Id.eq(failed.subscription_id))
                .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
                .exec(tx)
                .await?;
            org_billing::apply(tx, failed.org_id, None, BillingStatus::PastDue, now).await?;
        }
        told(tx, &failed, now).await
    }
}

/// The organization's plan and billing status changed, written as the system (the row is
/// the organization's), then back to `actor`.
async fn as_system(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    org_id: Uuid,
    plan: Option<Plan>,
    status: BillingStatus,
    now: Timestamp,
) -> Result<(), Error> {
    tenant::act_as(tx, &Actor::System).await?;
    org_billing::apply(tx, org_id, plan, status, now).await?;
    tenant::act_as(tx, actor).await?;
    Ok(())
}

/// Moves `invoice_id` from open or failed to `to`; `None` if it was not there to move.
async fn settle_invoice(
    tx: &impl ConnectionTrait,
    invoice_id: Uuid,
    to: InvoiceStatus,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<Option<invoice::Model>, Error> {
    let moved = invoice::Entity::update_many()
        .col_expr(invoice::Column::Status, Expr::value(to))
        .col_expr(
            invoice::Column::FailureReason,
            Expr::value(reason.map(str::to_owned)),
        )
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::Id.eq(invoice_id))
        .filter(invoice::Column::Status.is_in([InvoiceStatus::Open, InvoiceStatus::Failed]))
        .exec(tx)
        .await?;
    if moved.rows_affected == 0 {
        return Ok(None);
    }
    Ok(invoice::Entity::find_by_id(invoice_id).one(tx).await?)
}

/// Voids what is still owed on a subscription that ended.
async fn void_open(tx: &impl ConnectionTrait, subscription_id: Uuid, now: Timestamp) -> Result<(), Error> {
    invoice::Entity::update_many()
        .col_expr(invoice::Column::Status, Expr::value(InvoiceStatus::Void))
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::SubscriptionId.eq(subscription_id))
        .filter(invoice::Column::Status.is_in([InvoiceStatus::Open, InvoiceStatus::Failed]))
        .exec(tx)
        .await?;
    Ok(())
}

/// Whether `scope` is an organization itself (a plan is an organization's, not a person's or
/// a department's).
fn org_level(scope: Option<Scope>) -> bool {
    matches!(
        scope,
        Some(Scope::Organization {
            department_id: None,
            ..
        })
    )
}

/// The organization's billing status for a subscription's.
fn billing_of(status: SubscriptionStatus) -> BillingStatus {
    match status {
        SubscriptionStatus::PastDue => BillingStatus::PastDue,
        SubscriptionStatus::Cancelled => BillingStatus::Cancelled,
        SubscriptionStatus::Active | SubscriptionStatus::Incomplete => BillingStatus::Active,
    }
}

pub(crate) fn invoice_status_name(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Open => "open",
        InvoiceStatus::Paid => "paid",
        InvoiceStatus::Failed => "failed",
        InvoiceStatus::Void => "void",
    }
}

/// The organization's billing people hear how an invoice ended.
async fn told(tx: &impl ConnectionTrait, invoice: &invoice::Model, now: Timestamp) -> Result<(), Error> {
    let name = organization::Entity::find_by_id(invoice.org_id)
        .one(tx)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let event = InvoiceSettled {
        invoice: invoice.id,
        org: invoice.org_id,
        organization: name,
        status: invoice_status_name(invoice.status).into(),
        plan: invoice.plan.name().into(),
        amount_minor: invoice.amount_minor,
        currency: invoice.currency.clone(),
        reason: invoice.failure_reason.clone(),
    };
    outbox::append(tx, &Actor::System, &event, now).await?;
    Ok(())
}
