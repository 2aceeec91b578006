//! Orders as GraphQL types.

use crate::schema::loaders::RequestLoader;
use async_graphql::{Context, Enum, ID, Object, Union};
use commons_core::Timestamp;
use commons_sales::entity::{booking, order, order_change, order_line, seller_customer};
use commons_sales::lifecycle;

use super::loader::{HistoryOf, LinesOf, SalesLoader};
use crate::error::SharedResult;
use crate::schema::identity::{User, load_users};
use crate::schema::node::global_id;
use crate::schema::orgs::{Organization, Owner, load_owners};
use crate::schema::resources::{Product, Resource, Spot, load_resources};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_sales::OrderStatus")]
pub enum OrderStatus {
    /// Being put together by the customer; holds no stock.
    Draft,
    /// Sent to the seller; its stock is reserved.
    Placed,
    Confirmed,
    /// Handed over or shipped.
    Fulfilled,
    Completed,
    Cancelled,
    Refunded,
}

/// Who buys: a person, or an organization through one of its people.
#[derive(Union, Clone)]
pub enum Customer {
    User(User),
    Organization(Organization),
}

/// An order of products from one seller, in one currency.
pub struct Order(pub order::Model);

fn loader<'a>(ctx: &'a Context<'_>) -> &'a RequestLoader<SalesLoader> {
    ctx.data_unchecked::<RequestLoader<SalesLoader>>()
}

/// The agent `id` as its GraphQL type, batched with every other owner of the request.
async fn owner(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<Owner>> {
    Ok(load_owners(ctx, vec![id]).await?.pop().flatten())
}

/// The customer `id` as its GraphQL type (batched like every owner).
async fn customer(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<Customer>> {
    Ok(match owner(ctx, id).await? {
        Some(Owner::User(u)) => Some(Customer::User(u)),
        Some(Owner::Organization(o)) => Some(Customer::Organization(o)),
        _ => None,
    })
}

#[Object]
impl Order {
    pub async fn id(&self) -> ID {
        global_id("Order", self.0.id)
    }

    async fn status(&self) -> OrderStatus {
        self.0.status.into()
    }

    /// The statuses that may follow this one (each moved by one side only).
    async fn next_statuses(&self) -> Vec<OrderStatus> {
        lifecycle::next(self.0.status)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// Whoever sells: the owner of the products.
    async fn seller(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        owner(ctx, self.0.seller_id).await
    }

    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        customer(ctx, self.0.customer_id).await
    }

    /// The person who created the order.
    async fn creator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.creator_id])
            .await?
            .remove(&self.0.creator_id))
    }

    /// ISO 4217; every line is in it.
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// The sum of the lines, in the currency's minor units.
    async fn total_minor(&self) -> i64 {
        self.0.total_minor
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at
    }

    async fn placed_at(&self) -> Option<Timestamp> {
        self.0.placed_at
    }

    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderLine>> {
        let found = loader(ctx).load_one(LinesOf(self.0.id)).await.unshared()?;
        Ok(found.unwrap_or_default().into_iter().map(OrderLine).collect())
    }

    /// Every move, oldest first, from its creation on.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderStatusChange>> {
        let found = loader(ctx).load_one(HistoryOf(self.0.id)).await.unshared()?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(OrderStatusChange)
            .collect())
    }
}

/// A product in an order, with its title and price as they were when it was ordered.
pub struct OrderLine(order_line::Model);

#[Object]
impl OrderLine {
    /// The product as it is now; null when it is gone or hidden from you.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let found = load_resources(ctx, vec![self.0.product_id]).await?;
        Ok(match found.into_values().next() {
            Some(Resource::Product(p)) => Some(p),
            _ => None,
        })
    }

    async fn product_id(&self) -> ID {
        global_id("Product", self.0.product_id)
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn quantity(&self) -> i32 {
        self.0.quantity
    }

    async fn unit_price_minor(&self) -> i64 {
        self.0.unit_price_minor
    }

    async fn total_minor(&self) -> i64 {
        self.0.total_minor
    }
}

/// One move of an order: who, when, from, to, and why.
pub struct OrderStatusChange(order_change::Model);

#[Object]
impl OrderStatusChange {
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.actor_id])
            .await?
            .remove(&self.0.actor_id))
    }

    /// Null for the order's creation.
    async fn from(&self) -> Option<OrderStatus> {
        self.0.from_status.map(Into::into)
    }

    async fn to(&self) -> OrderStatus {
        self.0.to_status.into()
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn at(&self) -> Timestamp {
        self.0.at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_sales::CustomerOrder")]
pub enum CustomerOrder {
    /// Who spent the most first.
    TotalSpent,
    /// Who ordered last first.
    LastOrder,
}

/// What one customer bought from a seller in one currency.
pub struct SellerCustomer(pub seller_customer::Model);

#[Object]
impl SellerCustomer {
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        customer(ctx, self.0.customer_id).await
    }

    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// Orders placed, cancelled and refunded ones included.
    async fn order_count(&self) -> i32 {
        self.0.order_count
    }

    /// What those orders came to, less what was cancelled or refunded, in minor units.
    async fn total_spent_minor(&self) -> i64 {
        self.0.spent_minor
    }

    async fn last_order_at(&self) -> Timestamp {
        self.0.last_order_at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_sales::BookingStatus")]
pub enum BookingStatus {
    /// Waiting for the owner's approval; the time is held meanwhile.
    Requested,
    Confirmed,
    /// The owner said no (see `reason`); the time is free again.
    Declined,
    /// Called off by either side; the time is free again.
    Cancelled,
}

/// A spot's time booked by a person or an organization.
pub struct Booking(pub booking::Model);

#[Object]
impl Booking {
    pub async fn id(&self) -> ID {
        global_id("Booking", self.0.id)
    }

    async fn status(&self) -> BookingStatus {
        self.0.status.into()
    }

    /// The spot as it is now; null when it is gone or hidden from you.
    async fn spot(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Spot>> {
        let found = load_resources(ctx, vec![self.0.spot_id]).await?;
        Ok(match found.into_values().next() {
            Some(Resource::Spot(s)) => Some(s),
            _ => None,
        })
    }

    /// The spot's owner.
    async fn seller(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        owner(ctx, self.0.seller_id).await
    }

    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        customer(ctx, self.0.customer_id).await
    }

    async fn starts_at(&self) -> Timestamp {
        self.0.starts_at
    }

    async fn ends_at(&self) -> Timestamp {
        self.0.ends_at
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// Why it was declined or cancelled.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}
