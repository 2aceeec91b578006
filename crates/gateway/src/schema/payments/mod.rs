//! payments in GraphQL: paying orders and contributing (PA1), refunds, balances (PA4) and an
//! agent's payment history (PA5). Money mutations require an idempotency key (PA3); the
//! payments crate claims it in the transaction that makes the payment.

mod loader;
mod types;

pub use loader::{PaymentsLoader, RaisedFor};
pub use types::{
    Balance, Contributor, FundingReport, Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentKind,
    PaymentStatus, Payout, PlanSubscription, PlanSubscriptionStatus, Refund, RefundStatus, Spending,
};

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use commons_core::{ErrorCode, PageRequest, Timestamp};
use commons_payments::{AcceptContributions, Contribute, HistoryFilter, Target};

use crate::error::{GqlResult, SharedResult, coded};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::node::expect_id;
use crate::schema::orgs::Plan;
use crate::schema::resources::{any_id, any_resource_id};

/// A contribution: to an agent (`agentId`) or to the fund its owner keeps for a resource
/// (`resourceId`).
#[derive(InputObject)]
pub struct ContributeInput {
    agent_id: Option<ID>,
    resource_id: Option<ID>,
    /// In the currency's minor units.
    amount_minor: i64,
    /// ISO 4217.
    currency: String,
    /// An organization giving through you (you need its `manage_billing`); yourself when
    /// absent.
    payer_id: Option<ID>,
    /// Show who gave to no one but the giver.
    #[graphql(default)]
    anonymous: bool,
    message: Option<String>,
    /// Your own name for this request: the same key again returns the first result.
    idempotency_key: String,
}

#[derive(InputObject)]
pub struct RefundPaymentInput {
    payment_id: ID,
    /// All that is left when absent.
    amount_minor: Option<i64>,
    reason: Option<String>,
    /// Your own name for this request: the same key again returns the first result.
    idempotency_key: String,
}

/// Opens an account (an agent's own, or a fund for one of its resources) to contributions,
/// or closes it.
#[derive(InputObject)]
pub struct AcceptContributionsInput {
    agent_id: Option<ID>,
    resource_id: Option<ID>,
    currency: String,
    /// What the fund asks for, in minor units.
    goal_minor: Option<i64>,
    #[graphql(default = true)]
    accepting: bool,
}

/// Money out of an account: withdrawn, or spent on what a fund is for.
#[derive(InputObject)]
pub struct PayOutInput {
    agent_id: Option<ID>,
    resource_id: Option<ID>,
    amount_minor: i64,
    currency: String,
    /// What it is for.
    description: String,
    /// A receipt you uploaded (`uploadMedia`): an image or a PDF.
    receipt_media_id: Option<ID>,
    /// Your own name for this request: the same key again returns the first result.
    idempotency_key: String,
}

/// Whose payments: made or received by an agent (you when absent).
#[derive(InputObject, Default)]
pub struct PaymentFilter {
    agent_id: Option<ID>,
    status: Option<PaymentStatus>,
    /// Made at or after.
    since: Option<Timestamp>,
    /// Made before.
    until: Option<Timestamp>,
}

/// An agent's account or a resource's fund: exactly one of the two ids.
fn target(agent_id: Option<&ID>, resource_id: Option<&ID>) -> async_graphql::Result<Target> {
    match (agent_id, resource_id) {
        (Some(agent), None) => Ok(Target::Agent(any_id(agent, "Organization", "agentId")?)),
        (None, Some(resource)) => Ok(Target::Resource(any_resource_id(resource, "resourceId")?)),
        _ => Err(coded(
            ErrorCode::BadUserInput,
            "give agentId or resourceId, one of them",
        )),
    }
}

#[derive(Default)]
pub struct PaymentsQuery;

#[Object]
impl PaymentsQuery {
    /// A payment you made, received or act for; null otherwise.
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Payment>> {
        let id = expect_id(&id, "Payment", "id")?;
        Ok(load_payments(ctx, vec![id]).await?.remove(&id))
    }

    /// An agent's payments, made or received, newest first: yours, or an organization's for
    /// its people with `manage_billing` or `manage_sales`.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<PaymentFilter>,
    ) -> async_graphql::Result<Connection<String, Payment>> {
        let s = ctx.services();
        let actor = ctx.actor()?;
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default();
        let agent_id = match &filter.agent_id {
            Some(id) => any_id(id, "Organization", "agentId")?,
            None => match actor.user_id() {
                Some(me) => me,
                None => return Ok(Connection::new(false, false)),
            },
        };
        let found = s
            .payments
            .history(
                &s.db,
                actor,
                HistoryFilter {
                    agent_id,
                    status: filter.status.map(Into::into),
                    since: filter.since,
                    until: filter.until,
                },
                &page,
            )
            .await
            .gql()?;
        Ok(connection(&page, found, Payment))
    }

    /// What the platform holds for an agent, per currency and per fund: yours, or an
    /// organization's for its people with `manage_billing` or `manage_sales`.
    async fn balance(&self, ctx: &Context<'_>, agent_id: ID) -> async_graphql::Result<Vec<Balance>> {
        let s = ctx.services();
        let agent = any_id(&agent_id, "Organization", "agentId")?;
        let accounts = s.payments.balance(&s.db, ctx.actor()?, agent).await.gql()?;
        Ok(accounts.into_iter().map(Balance).collect())
    }

    /// How the money of a resource's fund (for anyone who sees the resource) or of an agent's
    /// own account (for its people) came and went; null when it has had none in `currency`.
    /// The same as a spreadsheet: `GET /exports/funding/{id}?currency=KZT&format=csv|xlsx`.
    async fn funding_report(
        &self,
        ctx: &Context<'_>,
        resource_id: Option<ID>,
        agent_id: Option<ID>,
        currency: String,
    ) -> async_graphql::Result<Option<FundingReport>> {
        let s = ctx.services();
        let target = target(agent_id.as_ref(), resource_id.as_ref())?;
        let report = s
            .payments
            .funding_report(&s.db, ctx.actor()?, target, &currency)
            .await
            .gql()?;
        Ok(report.map(FundingReport))
    }

    /// An organization's subscription to its plan (PA6), for its owner and admins; null on
    /// the free plan without one.
    async fn plan_subscription(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
    ) -> async_graphql::Result<Option<PlanSubscription>> {
        let s = ctx.services();
        let org = expect_id(&organization_id, "Organization", "organizationId")?;
        let found = s.payments.subscription(&s.db, ctx.actor()?, org).await.gql()?;
        Ok(found.map(PlanSubscription))
    }

    /// An organization's invoices, newest first, for its owner and admins.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Invoice>> {
        let s = ctx.services();
        let org = expect_id(&organization_id, "Organization", "organizationId")?;
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s.payments.invoices(&s.db, ctx.actor()?, org, &page).await.gql()?;
        Ok(connection(&page, found, Invoice))
    }
}

/// The payments of `ids` the caller sees, batched with every other payment of the request.
pub async fn load_payments(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
) -> async_graphql::Result<std::collections::HashMap<uuid::Uuid, Payment>> {
    let found = ctx
        .data_unchecked::<crate::schema::loaders::RequestLoader<PaymentsLoader>>()
        .load_many(ids)
        .await
        .unshared()?;
    Ok(found.into_iter().map(|(id, p)| (id, Payment(p))).collect())
}

#[derive(Default)]
pub struct PaymentsMutation;

#[Object]
impl PaymentsMutation {
    /// Pays a placed order's total to its seller, as its customer. A succeeded payment
    /// confirms the order; a pending one does when the provider reports it.
    async fn pay_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        #[graphql(
            desc = "Your own name for this payment: the same key again returns the first result and never charges twice."
        )]
        idempotency_key: String,
    ) -> async_graphql::Result<Payment> {
        let s = ctx.services();
        let order = expect_id(&order_id, "Order", "orderId")?;
        let paid = s
            .payments
            .pay_order(&s.db, ctx.actor()?, order, &idempotency_key)
            .await
            .gql()?;
        Ok(Payment(paid))
    }

    /// Gives money to an agent, or to the fund its owner keeps for a resource (one that
    /// accepts contributions in the currency).
    async fn contribute(&self, ctx: &Context<'_>, input: ContributeInput) -> async_graphql::Result<Payment> {
        let s = ctx.services();
        let gift = Contribute {
            target: target(input.agent_id.as_ref(), input.resource_id.as_ref())?,
            amount_minor: input.amount_minor,
            currency: input.currency,
            payer_id: input
                .payer_id
                .map(|id| any_id(&id, "Organization", "payerId"))
                .transpose()?,
            anonymous: input.anonymous,
            message: input.message,
            idempotency_key: input.idempotency_key,
        };
        let paid = s.payments.contribute(&s.db, ctx.actor()?, gift).await.gql()?;
        Ok(Payment(paid))
    }

    /// Gives back all or part of a succeeded payment, for the payee's side.
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        input: RefundPaymentInput,
    ) -> async_graphql::Result<Refund> {
        let s = ctx.services();
        let refund = commons_payments::Refund {
            payment_id: expect_id(&input.payment_id, "Payment", "paymentId")?,
            amount_minor: input.amount_minor,
            reason: input.reason,
            idempotency_key: input.idempotency_key,
        };
        let made = s
            .payments
            .refund_payment(&s.db, ctx.actor()?, refund)
            .await
            .gql()?;
        Ok(Refund(made))
    }

    /// Opens an account to contributions (or closes it), for those who manage its owner's
    /// billing.
    async fn accept_contributions(
        &self,
        ctx: &Context<'_>,
        input: AcceptContributionsInput,
    ) -> async_graphql::Result<Balance> {
        let s = ctx.services();
        let accept = AcceptContributions {
            target: target(input.agent_id.as_ref(), input.resource_id.as_ref())?,
            currency: input.currency,
            goal_minor: input.goal_minor,
            accepting: input.accepting,
        };
        let account = s
            .payments
            .accept_contributions(&s.db, ctx.actor()?, accept)
            .await
            .gql()?;
        Ok(Balance(account))
    }

    /// Moves an organization to a plan (its owner): the first month, or the rest of this one
    /// at a bigger plan's price, is charged now; a smaller plan applies at once; `FREE` ends
    /// the subscription.
    async fn subscribe(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        plan: Plan,
        #[graphql(desc = "Your own name for this request: the same key again returns the first result.")]
        idempotency_key: String,
    ) -> async_graphql::Result<PlanSubscription> {
        let s = ctx.services();
        let org = expect_id(&organization_id, "Organization", "organizationId")?;
        let subscribed = s
            .payments
            .subscribe(&s.db, ctx.actor()?, org, plan.into(), &idempotency_key)
            .await
            .gql()?;
        Ok(PlanSubscription(subscribed))
    }

    /// Pays an open or failed invoice (its organization's owner); paying a failed renewal
    /// restores the plan.
    async fn pay_invoice(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
        #[graphql(desc = "Your own name for this payment: the same key again returns the first result.")]
        idempotency_key: String,
    ) -> async_graphql::Result<Invoice> {
        let s = ctx.services();
        let id = expect_id(&invoice_id, "Invoice", "invoiceId")?;
        let paid = s
            .payments
            .pay_invoice(&s.db, ctx.actor()?, id, &idempotency_key)
            .await
            .gql()?;
        Ok(Invoice(paid))
    }

    /// Takes money out of an account, for those who manage its owner's billing; never more
    /// than it holds.
    async fn pay_out(&self, ctx: &Context<'_>, input: PayOutInput) -> async_graphql::Result<Payout> {
        let s = ctx.services();
        let payout = commons_payments::Payout {
            target: target(input.agent_id.as_ref(), input.resource_id.as_ref())?,
            amount_minor: input.amount_minor,
            currency: input.currency,
            description: input.description,
            receipt_media_id: input
                .receipt_media_id
                .map(|id| expect_id(&id, "Media", "receiptMediaId"))
                .transpose()?,
            idempotency_key: input.idempotency_key,
        };
        let paid = s.payments.pay_out(&s.db, ctx.actor()?, payout).await.gql()?;
        Ok(Payout(paid))
    }
}
