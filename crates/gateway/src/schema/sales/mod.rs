//! sales in GraphQL: orders (SA1), their lifecycle and history (SA2); stock moves with them
//! (SA3).

mod loader;
mod types;

pub use loader::SalesLoader;
pub use types::{Customer, CustomerOrder, Order, OrderStatus, SellerCustomer};

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use commons_core::PageRequest;
use commons_sales::{CreateOrder, LineInput, Side};

use crate::error::{GqlResult, SharedResult, coded};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::idempotency::{self, Begun};
use crate::schema::node::expect_id;
use crate::schema::resources::{any_id, any_resource_id};

#[derive(InputObject)]
pub struct OrderLineInput {
    product_id: ID,
    quantity: i32,
}

#[derive(InputObject)]
pub struct CreateOrderInput {
    /// An organization you buy for (you need its `purchase` permission); yourself when
    /// absent.
    customer_id: Option<ID>,
    /// Products of one seller, in one currency.
    lines: Vec<OrderLineInput>,
    note: Option<String>,
}

/// Whose orders: a seller's (for its people with `manage_sales`) or a customer's; your own
/// purchases when neither is given.
#[derive(InputObject, Default)]
pub struct OrderFilter {
    seller_id: Option<ID>,
    customer_id: Option<ID>,
    status: Option<OrderStatus>,
}

#[derive(Default)]
pub struct SalesQuery;

#[Object]
impl SalesQuery {
    /// An order you buy or sell; null otherwise.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Order>> {
        let id = expect_id(&id, "Order", "id")?;
        Ok(load_orders(ctx, vec![id]).await?.remove(&id))
    }

    /// One side's orders, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<OrderFilter>,
    ) -> async_graphql::Result<Connection<String, Order>> {
        let s = ctx.services();
        let actor = ctx.actor()?;
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default();
        let (side, agent_id) = match (&filter.seller_id, &filter.customer_id) {
            (Some(_), Some(_)) => {
                return Err(coded(
                    commons_core::ErrorCode::BadUserInput,
                    "give sellerId or customerId, not both",
                ));
            }
            (Some(seller), None) => (Side::Seller, any_id(seller, "Organization", "sellerId")?),
            (None, Some(customer)) => (Side::Customer, any_id(customer, "Organization", "customerId")?),
            (None, None) => match actor.user_id() {
                Some(me) => (Side::Customer, me),
                None => return Ok(Connection::new(false, false)),
            },
        };
        let found = s
            .sales
            .orders(
                &s.db,
                actor,
                commons_sales::OrderFilter {
                    side,
                    agent_id,
                    status: filter.status.map(Into::into),
                },
                &page,
            )
            .await
            .gql()?;
        Ok(connection(&page, found, Order))
    }

    /// A seller's customers, with what each ordered and spent (for its people with
    /// `manage_sales`).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        seller_id: ID,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default_with = "CustomerOrder::TotalSpent")] order_by: CustomerOrder,
    ) -> async_graphql::Result<Connection<String, SellerCustomer>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let seller = any_id(&seller_id, "Organization", "sellerId")?;
        let found = s
            .sales
            .customers(&s.db, ctx.actor()?, seller, order_by.into(), &page)
            .await
            .gql()?;
        Ok(connection(&page, found, SellerCustomer))
    }
}

/// The orders of `ids` the caller sees, batched with every other order of the request.
pub async fn load_orders(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
) -> async_graphql::Result<std::collections::HashMap<uuid::Uuid, Order>> {
    let found = ctx
        .data_unchecked::<async_graphql::dataloader::DataLoader<SalesLoader>>()
        .load_many(ids)
        .await
        .unshared()?;
    Ok(found.into_iter().map(|(id, o)| (id, Order(o))).collect())
}

#[derive(Default)]
pub struct SalesMutation;

#[Object]
impl SalesMutation {
    /// Starts an order as a draft: lines keep each product's title and price as they are
    /// now, and the total is computed here.
    async fn create_order(
        &self,
        ctx: &Context<'_>,
        input: CreateOrderInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Order> {
        let s = ctx.services();
        let customer_id = input
            .customer_id
            .map(|id| any_id(&id, "Organization", "customerId"))
            .transpose()?;
        let lines = input
            .lines
            .iter()
            .map(|line| {
                Ok(LineInput {
                    product_id: any_resource_id(&line.product_id, "productId")?,
                    quantity: line.quantity,
                })
            })
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let fresh = match idempotency::begin(ctx, idempotency_key.as_deref()).await? {
            Begun::Replay(id) => {
                return load_orders(ctx, vec![id])
                    .await?
                    .remove(&id)
                    .ok_or_else(idempotency::gone);
            }
            Begun::Fresh(fresh) => fresh,
        };
        let created = s
            .sales
            .create_order(
                &fresh.db(),
                ctx.actor()?,
                CreateOrder {
                    customer_id,
                    lines,
                    note: input.note,
                },
            )
            .await
            .gql()?;
        fresh.finish(created.id).await?;
        Ok(Order(created))
    }

    /// Sends a draft to the seller, reserving its stock: `transitionOrder(to: PLACED)`.
    async fn place_order(&self, ctx: &Context<'_>, order_id: ID) -> async_graphql::Result<Order> {
        move_order(ctx, &order_id, commons_sales::OrderStatus::Placed, None).await
    }

    /// Moves an order on: each move is the customer's or the seller's (see `nextStatuses`).
    async fn transition_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        to: OrderStatus,
        note: Option<String>,
    ) -> async_graphql::Result<Order> {
        move_order(ctx, &order_id, to.into(), note.as_deref()).await
    }
}

async fn move_order(
    ctx: &Context<'_>,
    order_id: &ID,
    to: commons_sales::OrderStatus,
    note: Option<&str>,
) -> async_graphql::Result<Order> {
    let s = ctx.services();
    let id = expect_id(order_id, "Order", "orderId")?;
    let moved = s
        .sales
        .transition_order(&s.db, ctx.actor()?, id, to, note)
        .await
        .gql()?;
    Ok(Order(moved))
}
