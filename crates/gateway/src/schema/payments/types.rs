//! Payments, refunds and balances as GraphQL types.

use crate::schema::loaders::RequestLoader;
use async_graphql::{Context, Enum, ID, Object};
use commons_core::Timestamp;
use commons_payments::entity::{account, payment, refund};

use super::loader::{PaymentsLoader, RefundsOf};
use crate::error::SharedResult;
use crate::schema::context::ContextExt;
use crate::schema::identity::{User, load_users};
use crate::schema::node::global_id;
use crate::schema::orgs::{Owner, Plan, load_owners};
use crate::schema::resources::{Resource, load_resources};
use crate::schema::sales::{Order, load_orders};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_payments::PaymentStatus")]
pub enum PaymentStatus {
    /// Made, not yet accepted by the provider.
    RequiresPayment,
    /// The provider has it and will tell how it ended.
    Processing,
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_payments::PaymentKind")]
pub enum PaymentKind {
    /// An order's total, to its seller.
    Order,
    /// A gift to an agent or to a resource's fund.
    Contribution,
    /// An organization's invoice for its plan.
    Invoice,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_payments::RefundStatus")]
pub enum RefundStatus {
    /// Taken from the payee's account; the provider is returning it.
    Pending,
    Succeeded,
    /// The provider refused: the amount is back on the payee's account.
    Failed,
}

async fn owner(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<Owner>> {
    Ok(load_owners(ctx, vec![id]).await?.pop().flatten())
}

async fn resource(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> async_graphql::Result<Option<Resource>> {
    let Some(id) = id else { return Ok(None) };
    Ok(load_resources(ctx, vec![id]).await?.remove(&id))
}

/// Money paid through a provider: an order's total, or a contribution.
pub struct Payment(pub payment::Model);

impl Payment {
    /// Whether the caller may see who paid (an anonymous gift names no one but to its giver).
    fn payer_shown(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(ctx.services().payments.shows_payer(ctx.actor()?, &self.0))
    }
}

#[Object]
impl Payment {
    pub async fn id(&self) -> ID {
        global_id("Payment", self.0.id)
    }

    async fn kind(&self) -> PaymentKind {
        self.0.kind.into()
    }

    async fn status(&self) -> PaymentStatus {
        self.0.status.into()
    }

    /// In the currency's minor units.
    async fn amount_minor(&self) -> i64 {
        self.0.amount_minor
    }

    /// The platform's fee, taken from what the payee receives.
    async fn fee_minor(&self) -> i64 {
        self.0.fee_minor
    }

    /// How much has been given back so far.
    async fn refunded_minor(&self) -> i64 {
        self.0.refunded_minor
    }

    /// ISO 4217.
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// The order paid for, if any (when the caller sees it).
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
        let Some(id) = self.0.order_id else {
            return Ok(None);
        };
        Ok(load_orders(ctx, vec![id]).await?.remove(&id))
    }

    /// Who paid; null for an anonymous contribution, except to its giver.
    async fn payer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        if !self.payer_shown(ctx)? {
            return Ok(None);
        }
        owner(ctx, self.0.payer_id).await
    }

    /// Who is paid: the seller, or the receiver of the contribution; null for an invoice
    /// (the platform is paid).
    async fn payee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        match self.0.payee_id {
            Some(id) => owner(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The resource whose fund a contribution went to.
    async fn resource(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Resource>> {
        resource(ctx, self.0.resource_id).await
    }

    /// The person who paid; null for an anonymous contribution, except to its giver.
    async fn creator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if !self.payer_shown(ctx)? {
            return Ok(None);
        }
        Ok(load_users(ctx, vec![self.0.creator_id])
            .await?
            .remove(&self.0.creator_id))
    }

    async fn anonymous(&self) -> bool {
        self.0.anonymous
    }

    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// What your browser confirms the charge with while it waits (Stripe.js's
    /// `confirmPayment`); only for the person who pays.
    async fn client_secret(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(ctx.services().payments.client_secret_for(ctx.actor()?, &self.0))
    }

    /// The provider that moved the money: `test`, `stripe`.
    async fn provider(&self) -> &str {
        &self.0.provider
    }

    /// Why it failed, in the provider's words.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    /// When it succeeded, failed or was cancelled.
    async fn settled_at(&self) -> Option<Timestamp> {
        self.0.settled_at
    }

    /// Money given back from it, oldest first.
    async fn refunds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Refund>> {
        let found = ctx
            .data_unchecked::<RequestLoader<PaymentsLoader>>()
            .load_one(RefundsOf(self.0.id))
            .await
            .unshared()?;
        Ok(found.unwrap_or_default().into_iter().map(Refund).collect())
    }
}

/// Money given back from a payment.
pub struct Refund(pub refund::Model);

#[Object]
impl Refund {
    pub async fn id(&self) -> ID {
        global_id("Refund", self.0.id)
    }

    async fn amount_minor(&self) -> i64 {
        self.0.amount_minor
    }

    async fn status(&self) -> RefundStatus {
        self.0.status.into()
    }

    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// Why the provider refused it.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    /// The payment it gives back from.
    async fn payment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Payment>> {
        Ok(super::load_payments(ctx, vec![self.0.payment_id])
            .await?
            .remove(&self.0.payment_id))
    }
}

/// What the platform holds for an agent in one currency: its own account, or a fund it keeps
/// for one of its resources.
pub struct Balance(pub account::Model);

#[Object]
impl Balance {
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// In the currency's minor units; never below zero.
    async fn balance_minor(&self) -> i64 {
        self.0.balance_minor
    }

    /// The resource the money is kept for; null for the agent's own account.
    async fn resource(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Resource>> {
        resource(ctx, self.0.resource_id).await
    }

    /// Whether people may contribute to it.
    async fn accepts_contributions(&self) -> bool {
        self.0.accepts_contributions
    }

    /// What the fund asks for, if it says.
    async fn goal_minor(&self) -> Option<i64> {
        self.0.goal_minor
    }
}

/// Money that left an account (withdrawn, or spent on what a fund is for).
pub struct Payout(pub commons_payments::PaidOut);

#[Object]
impl Payout {
    pub async fn id(&self) -> ID {
        global_id("Payout", self.0.entry.id)
    }

    async fn amount_minor(&self) -> i64 {
        self.0.amount_minor
    }

    async fn currency(&self) -> &str {
        &self.0.entry.currency
    }

    async fn description(&self) -> Option<&str> {
        self.0.entry.description.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.entry.created_at
    }

    /// The account it left, as it is after.
    async fn balance(&self) -> Balance {
        Balance(self.0.account.clone())
    }
}

/// How an account's money came and went (a resource's fund, or an agent's own account).
pub struct FundingReport(pub commons_payments::FundingReport);

/// How many of a report's list to show: 20 unless asked, at most 100.
fn bounded(first: Option<i32>) -> async_graphql::Result<usize> {
    match first.unwrap_or(20) {
        n @ 0..=100 => Ok(n as usize),
        _ => Err(crate::error::coded(
            commons_core::ErrorCode::BadUserInput,
            "first must be between 0 and 100",
        )),
    }
}

#[Object]
impl FundingReport {
    /// ISO 4217.
    async fn currency(&self) -> &str {
        &self.0.account.currency
    }

    /// What the fund asks for, if it says.
    async fn goal_minor(&self) -> Option<i64> {
        self.0.account.goal_minor
    }

    async fn accepts_contributions(&self) -> bool {
        self.0.account.accepts_contributions
    }

    /// Received in succeeded payments, less refunds.
    async fn raised_minor(&self) -> i64 {
        self.0.raised_minor
    }

    /// Kept by the platform as fees.
    async fn fees_minor(&self) -> i64 {
        self.0.fees_minor
    }

    /// Paid out or spent, each with what it was for.
    async fn spent_minor(&self) -> i64 {
        self.0.spent_minor
    }

    /// What the account holds now: raised less fees and spending.
    async fn remaining_minor(&self) -> i64 {
        self.0.remaining_minor
    }

    /// How many gave (the anonymous givers count as one).
    async fn contributor_count(&self) -> usize {
        self.0.contributors.len()
    }

    /// Who gave how much, largest first; anonymous givers together, unnamed.
    async fn contributors(&self, first: Option<i32>) -> async_graphql::Result<Vec<Contributor>> {
        let n = bounded(first)?;
        Ok(self
            .0
            .contributors
            .iter()
            .take(n)
            .cloned()
            .map(Contributor)
            .collect())
    }

    /// Money that left the account, newest first.
    async fn spending(&self, first: Option<i32>) -> async_graphql::Result<Vec<Spending>> {
        let n = bounded(first)?;
        Ok(self.0.spending.iter().take(n).cloned().map(Spending).collect())
    }
}

/// One giver's total in a funding report.
pub struct Contributor(pub commons_payments::Contributor);

#[Object]
impl Contributor {
    /// Who gave; null for the anonymous givers.
    async fn giver(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        match self.0.payer_id {
            Some(id) => owner(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn anonymous(&self) -> bool {
        self.0.payer_id.is_none()
    }

    /// Given, less refunds.
    async fn total_minor(&self) -> i64 {
        self.0.total_minor
    }

    /// How many payments.
    async fn payments(&self) -> u32 {
        self.0.payments
    }
}

/// Money that left an account, with what it was for.
pub struct Spending(pub commons_payments::Spending);

#[Object]
impl Spending {
    async fn amount_minor(&self) -> i64 {
        self.0.amount_minor
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Where the receipt is served (`/media/{id}`), if one was attached.
    async fn receipt_url(&self) -> Option<String> {
        self.0
            .receipt_media_id
            .map(commons_resources::Resources::media_url)
    }

    /// Who paid it out.
    async fn by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.created_by else {
            return Ok(None);
        };
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_payments::entity::subscription::SubscriptionStatus")]
pub enum PlanSubscriptionStatus {
    /// Waiting for its first invoice to be paid.
    Incomplete,
    Active,
    /// A renewal failed: the free plan's limits apply until it is paid.
    PastDue,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_payments::entity::invoice::InvoiceKind")]
pub enum InvoiceKind {
    /// The first month.
    Initial,
    /// A month after the last.
    Renewal,
    /// The rest of the month at the price of a bigger plan.
    Proration,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_payments::entity::invoice::InvoiceStatus")]
pub enum InvoiceStatus {
    Open,
    Paid,
    /// Its payment failed; `payInvoice` tries again.
    Failed,
    /// No longer owed.
    Void,
}

/// An organization's subscription to a plan (PA6).
pub struct PlanSubscription(pub commons_payments::entity::subscription::Model);

#[Object]
impl PlanSubscription {
    pub async fn id(&self) -> ID {
        global_id("PlanSubscription", self.0.id)
    }

    async fn plan(&self) -> Plan {
        self.0.plan.into()
    }

    async fn status(&self) -> PlanSubscriptionStatus {
        self.0.status.into()
    }

    /// The plan's monthly price, in minor units of `currency`.
    async fn price_minor(&self) -> i64 {
        self.0.price_minor
    }

    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// The month paid for (or being paid for).
    async fn period_start(&self) -> Timestamp {
        self.0.period_start
    }

    /// When the next renewal is invoiced.
    async fn period_end(&self) -> Timestamp {
        self.0.period_end
    }
}

/// What an organization owes for its plan for a period.
pub struct Invoice(pub commons_payments::entity::invoice::Model);

#[Object]
impl Invoice {
    pub async fn id(&self) -> ID {
        global_id("Invoice", self.0.id)
    }

    async fn kind(&self) -> InvoiceKind {
        self.0.kind.into()
    }

    /// The plan it pays for.
    async fn plan(&self) -> Plan {
        self.0.plan.into()
    }

    async fn status(&self) -> InvoiceStatus {
        self.0.status.into()
    }

    async fn amount_minor(&self) -> i64 {
        self.0.amount_minor
    }

    async fn currency(&self) -> &str {
        &self.0.currency
    }

    async fn period_start(&self) -> Timestamp {
        self.0.period_start
    }

    async fn period_end(&self) -> Timestamp {
        self.0.period_end
    }

    /// Why its last payment failed, in the provider's words.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}
