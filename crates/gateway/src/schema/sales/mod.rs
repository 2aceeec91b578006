//! sales in GraphQL: orders (SA1), their lifecycle and history (SA2); stock moves with them
//! (SA3).

mod loader;
mod types;

pub use loader::SalesLoader;
pub use types::{Booking, BookingStatus, Customer, CustomerOrder, Order, OrderStatus, SellerCustomer};

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use commons_core::{PageRequest, Timestamp};
use commons_sales::{BookSpot, CreateOrder, LineInput, Side};

use crate::error::{GqlResult, SharedResult, coded};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::idempotency;
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

#[derive(InputObject)]
pub struct BookSpotInput {
    spot_id: ID,
    /// On a quarter hour, not yet begun.
    starts_at: Timestamp,
    /// On a quarter hour, at most a day after the start.
    ends_at: Timestamp,
    /// An organization you book for (you need its `purchase` permission); yourself when
    /// absent.
    customer_id: Option<ID>,
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

/// Whose bookings: a spot owner's or a customer's; yours when neither is given.
#[derive(InputObject, Default)]
pub struct BookingFilter {
    seller_id: Option<ID>,
    customer_id: Option<ID>,
}

/// The side a list is of, and whose: the seller, the customer, or (neither given) the
/// caller as customer; `None` for an anonymous caller, who has none.
fn side_of(
    actor: &commons_core::Actor,
    seller_id: Option<&ID>,
    customer_id: Option<&ID>,
) -> async_graphql::Result<Option<(Side, uuid::Uuid)>> {
    Ok(match (seller_id, customer_id) {
        (Some(_), Some(_)) => {
            return Err(coded(
                commons_core::ErrorCode::BadUserInput,
                "give sellerId or customerId, not both",
            ));
        }
        (Some(seller), None) => Some((Side::Seller, any_id(seller, "Organization", "sellerId")?)),
        (None, Some(customer)) => Some((Side::Customer, any_id(customer, "Organization", "customerId")?)),
        (None, None) => actor.user_id().map(|me| (Side::Customer, me)),
    })
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
        let Some((side, agent_id)) = side_of(actor, filter.seller_id.as_ref(), filter.customer_id.as_ref())?
        else {
            return Ok(Connection::new(false, false));
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

    /// A booking you made or received; null otherwise.
    async fn booking(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Booking>> {
        let id = expect_id(&id, "Booking", "id")?;
        Ok(load_bookings(ctx, vec![id]).await?.remove(&id))
    }

    /// One side's bookings, newest first: a spot owner's (`sellerId`) or a customer's
    /// (`customerId`; yours when neither is given).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn bookings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<BookingFilter>,
    ) -> async_graphql::Result<Connection<String, Booking>> {
        let s = ctx.services();
        let actor = ctx.actor()?;
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default();
        let Some((side, agent_id)) = side_of(actor, filter.seller_id.as_ref(), filter.customer_id.as_ref())?
        else {
            return Ok(Connection::new(false, false));
        };
        let found = s
            .sales
            .bookings(&s.db, actor, side, agent_id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Booking))
    }
}

/// The bookings of `ids` the caller sees, batched with every other booking of the request.
pub async fn load_bookings(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
) -> async_graphql::Result<std::collections::HashMap<uuid::Uuid, Booking>> {
    let found = ctx
        .data_unchecked::<crate::schema::loaders::RequestLoader<SalesLoader>>()
        .load_many(ids.into_iter().map(loader::BookingId))
        .await
        .unshared()?;
    Ok(found.into_iter().map(|(id, b)| (id.0, Booking(b))).collect())
}

/// The orders of `ids` the caller sees, batched with every other order of the request.
pub async fn load_orders(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
) -> async_graphql::Result<std::collections::HashMap<uuid::Uuid, Order>> {
    let found = ctx
        .data_unchecked::<crate::schema::loaders::RequestLoader<SalesLoader>>()
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
        let create = CreateOrder {
            customer_id,
            lines,
            note: input.note,
        };
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| Ok(load_orders(ctx, vec![id]).await?.remove(&id)),
            async |db| Ok(Order(s.sales.create_order(db, ctx.actor()?, create).await.gql()?)),
            |order| order.0.id,
        )
        .await
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

    /// Books a spot's time: confirmed at once, or requested where the spot asks for approval.
    async fn book_spot(
        &self,
        ctx: &Context<'_>,
        input: BookSpotInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Booking> {
        let s = ctx.services();
        let book = BookSpot {
            spot_id: any_resource_id(&input.spot_id, "spotId")?,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            customer_id: input
                .customer_id
                .map(|id| any_id(&id, "Organization", "customerId"))
                .transpose()?,
            note: input.note,
        };
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| Ok(s.sales.booking(&s.db, ctx.actor()?, id).await.gql()?.map(Booking)),
            async |db| Ok(Booking(s.sales.book_spot(db, ctx.actor()?, book).await.gql()?)),
            |booking| booking.0.id,
        )
        .await
    }

    /// The spot owner's answer to a requested booking; declining needs a reason.
    async fn decide_booking(
        &self,
        ctx: &Context<'_>,
        booking_id: ID,
        approve: bool,
        reason: Option<String>,
    ) -> async_graphql::Result<Booking> {
        let s = ctx.services();
        let id = expect_id(&booking_id, "Booking", "bookingId")?;
        let decided = s
            .sales
            .decide_booking(&s.db, ctx.actor()?, id, approve, reason.as_deref())
            .await
            .gql()?;
        Ok(Booking(decided))
    }

    /// Calls a booking off, from either side; the time is free again.
    async fn cancel_booking(
        &self,
        ctx: &Context<'_>,
        booking_id: ID,
        reason: Option<String>,
    ) -> async_graphql::Result<Booking> {
        let s = ctx.services();
        let id = expect_id(&booking_id, "Booking", "bookingId")?;
        let cancelled = s
            .sales
            .cancel_booking(&s.db, ctx.actor()?, id, reason.as_deref())
            .await
            .gql()?;
        Ok(Booking(cancelled))
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
