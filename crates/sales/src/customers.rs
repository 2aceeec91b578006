//! SA5: a seller's customers, with the orders they placed, what they spent and when they last
//! ordered. One row per seller, customer and currency, moved in the transaction that moves
//! the order (an upsert when placing, a conditional subtraction when an order ends unpaid),
//! so listing is a keyset page of rows, never a count of orders.

use commons_core::db::Conn;
use commons_core::page::{self, Keyset, SortKey};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use commons_resources::Scope;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Sales;
use crate::entity::{order, seller_customer};
use crate::error::Error;
use crate::lifecycle::Side;
use crate::parties::{self, holds};

/// How a seller's customers are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CustomerOrder {
    /// Who spent the most first.
    #[default]
    TotalSpent,
    /// Who ordered last first.
    LastOrder,
}

/// Counts `placed` for its customer: one more order, its total spent, ordered now. The row is
/// the seller's (walled from the customer on PostgreSQL), so the count is kept as the system,
/// and the transaction goes on as `actor`.
pub(crate) async fn placed(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    placed: &order::Model,
    now: Timestamp,
) -> Result<(), Error> {
    use seller_customer::{Column, Entity};
    tenant::act_as(tx, &Actor::System).await?;
    Entity::insert(seller_customer::ActiveModel {
        id: Set(commons_core::id::new()),
        seller_id: Set(placed.seller_id),
        seller_org_id: Set(placed.seller_org_id),
        customer_id: Set(placed.customer_id),
        currency: Set(placed.currency.clone()),
        order_count: Set(1),
        spent_minor: Set(placed.total_minor),
        last_order_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([Column::SellerId, Column::CustomerId, Column::Currency])
            .value(Column::OrderCount, Expr::col((Entity, Column::OrderCount)).add(1))
            .value(
                Column::SpentMinor,
                Expr::col((Entity, Column::SpentMinor)).add(placed.total_minor),
            )
            .value(Column::LastOrderAt, Expr::value(now))
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    tenant::act_as(tx, actor).await?;
    Ok(())
}

/// Takes back what `ended` (a placed order now cancelled or refunded) counted as spent, as
/// the system like [`placed`].
pub(crate) async fn ended(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    ended: &order::Model,
) -> Result<(), Error> {
    use seller_customer::{Column, Entity};
    tenant::act_as(tx, &Actor::System).await?;
    Entity::update_many()
        .col_expr(
            Column::SpentMinor,
            Expr::col(Column::SpentMinor).sub(ended.total_minor),
        )
        .filter(Column::SellerId.eq(ended.seller_id))
        .filter(Column::CustomerId.eq(ended.customer_id))
        .filter(Column::Currency.eq(ended.currency.as_str()))
        .filter(Column::SpentMinor.gte(ended.total_minor))
        .exec(tx)
        .await?;
    tenant::act_as(tx, actor).await?;
    Ok(())
}

impl Sales {
    /// A seller's customers (SA5), for its people with `manage_sales`, keyset-paginated.
    pub async fn customers<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        seller_id: Uuid,
        sort: CustomerOrder,
        page: &PageRequest,
    ) -> Result<Page<seller_customer::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let scope = Scope::of_owner(&tx, actor, seller_id).await?;
        if !holds(&tx, actor, scope, parties::permission(Side::Seller)).await? {
            return Err(Error::NotAllowed(
                "only the seller (or its people with manage_sales) lists its customers",
            ));
        }
        let select = seller_customer::Entity::find().filter(seller_customer::Column::SellerId.eq(seller_id));
        let (key, key_of): (_, fn(&seller_customer::Model) -> SortKey) = match sort {
            CustomerOrder::TotalSpent => (seller_customer::Column::SpentMinor, |c| {
                SortKey::Int(c.spent_minor)
            }),
            CustomerOrder::LastOrder => (seller_customer::Column::LastOrderAt, |c| {
                SortKey::Time(c.last_order_at)
            }),
        };
        let order = Keyset {
            key: Some(key),
            id: seller_customer::Column::Id,
            descending: true,
        };
        let found = page::fetch(&tx, select, order, page, |c| Cursor {
            key: Some(key_of(c)),
            id: c.id,
        })
        .await?;
        tx.commit().await?;
        Ok(found)
    }
}
