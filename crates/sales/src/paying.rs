//! What payments (PA1) asks of sales: the order an actor may pay, who sells it, and the
//! order moving to confirmed once its payment succeeds. Payments links sales; sales knows
//! nothing of payments.

use commons_core::{Actor, Timestamp, outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Sales;
use crate::entity::order::{self, OrderStatus};
use crate::error::Error;
use crate::events::OrderStatusChanged;
use crate::lifecycle::{self, Side};
use crate::orders::record_change;
use crate::parties;

impl Sales {
    /// The order `actor` is about to pay, read in `tx`: placed, and the actor acts for its
    /// customer (the person, or a holder of the buying organization's `purchase`).
    pub async fn order_to_pay(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        order_id: Uuid,
    ) -> Result<order::Model, Error> {
        let found = order::Entity::find_by_id(order_id)
            .one(tx)
            .await?
            .ok_or(Error::OrderNotFound)?;
        if !parties::acts_for(tx, actor, &found, Side::Customer).await? {
            if found.status != OrderStatus::Draft
                && parties::acts_for(tx, actor, &found, Side::Seller).await?
            {
                return Err(Error::NotAllowed("only the customer pays for an order"));
            }
            return Err(Error::OrderNotFound);
        }
        match found.status {
            OrderStatus::Placed => Ok(found),
            OrderStatus::Draft => Err(Error::invalid("orderId", "place the order before paying for it")),
            status => Err(Error::NotPayable {
                status: lifecycle::name(status),
            }),
        }
    }

    /// Whether `actor` acts for the seller of `order` (who refunds it).
    pub async fn sells(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        order: &order::Model,
    ) -> Result<bool, Error> {
        parties::acts_for(tx, actor, order, Side::Seller).await
    }

    /// Moves a placed order whose payment succeeded to confirmed, recorded as moved by
    /// `payer` (the person who paid) and told to the seller's side. An order that is no
    /// longer placed stays as it is (`false`): the seller refunds what it cannot serve.
    pub async fn confirm_paid(
        &self,
        tx: &impl ConnectionTrait,
        order_id: Uuid,
        payer: Uuid,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let moved = order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Confirmed))
            .col_expr(order::Column::UpdatedAt, Expr::value(now))
            .filter(order::Column::Id.eq(order_id))
            .filter(order::Column::Status.eq(OrderStatus::Placed))
            .exec(tx)
            .await?;
        if moved.rows_affected == 0 {
            return Ok(false);
        }
        let Some(paid) = order::Entity::find_by_id(order_id).one(tx).await? else {
            return Ok(false);
        };
        let (from, to) = (OrderStatus::Placed, OrderStatus::Confirmed);
        record_change(tx, order_id, payer, Some(from), to, Some("paid".into()), now).await?;
        let event = OrderStatusChanged::of(&paid, from, to, false);
        outbox::append(tx, &Actor::System, &event, now).await?;
        Ok(true)
    }
}
