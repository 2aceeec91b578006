//! SA1 and SA2: creating an order, moving it through its lifecycle, and reading orders.

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, outbox, tenant, text};
use commons_orgs::service::access::active_writer;
use commons_resources::entity::{product, resource};
use commons_resources::service::reading::may_see;
use commons_resources::{Scope, Status};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entity::order::{self, OrderStatus};
use crate::entity::{order_change, order_line};
use crate::error::Error;
use crate::events::OrderStatusChanged;
use crate::lifecycle::{self, Side};
use crate::parties::{self, holds};
use crate::stock;
use crate::{Sales, customers};

const MAX_LINES: usize = 100;
const MAX_QUANTITY: i32 = 10_000;
const MAX_NOTE: usize = 2_000;

/// One product and how many of it.
#[derive(Clone, Debug)]
pub struct LineInput {
    pub product_id: Uuid,
    pub quantity: i32,
}

/// A new order, a draft until its customer places it.
#[derive(Clone, Debug, Default)]
pub struct CreateOrder {
    /// An organization buying through the actor (who needs its `purchase` permission);
    /// the actor themselves when absent.
    pub customer_id: Option<Uuid>,
    /// Products of one seller, in one currency; a product named twice is ordered once with
    /// the quantities added.
    pub lines: Vec<LineInput>,
    pub note: Option<String>,
}

/// Which orders to list: one side's, optionally in one status.
#[derive(Clone, Debug)]
pub struct OrderFilter {
    pub side: Side,
    /// The seller (for [`Side::Seller`]) or customer (for [`Side::Customer`]).
    pub agent_id: Uuid,
    pub status: Option<OrderStatus>,
}

impl Sales {
    /// Creates a draft order of published, active products of one seller (SA1). The lines
    /// keep each product's title and price as they are now; the total is their sum.
    pub async fn create_order<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateOrder,
    ) -> Result<order::Model, Error> {
        let note = text::optional("note", input.note.as_deref(), MAX_NOTE)?;
        let wanted = merge_lines(input.lines)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let creator = active_writer(&tx, actor).await?;
        let priced = priced_lines(&tx, actor, &wanted).await?;
        let seller_id = priced[0].0.owner_id;
        let seller = Scope::of_owner(&tx, actor, seller_id).await?;
        let (customer_id, customer_org_id) =
            parties::customer(&tx, actor, creator, input.customer_id).await?;
        if customer_id == seller_id {
            return Err(Error::invalid("customerId", "a seller cannot order from itself"));
        }
        let currency = priced[0].1.currency.clone();
        let mut lines = Vec::with_capacity(priced.len());
        let mut total: i64 = 0;
        let order_id = commons_core::id::new();
        for (resource, product, quantity) in &priced {
            let line_total = line_total(product.price_minor, *quantity)?;
            total = total.checked_add(line_total).ok_or_else(too_large)?;
            lines.push(order_line::ActiveModel {
                id: Set(commons_core::id::new()),
                order_id: Set(order_id),
                product_id: Set(resource.id),
                title: Set(resource.title.clone()),
                quantity: Set(*quantity),
                unit_price_minor: Set(product.price_minor),
                total_minor: Set(line_total),
                reserved: Set(false),
            });
        }
        let saved = order::ActiveModel {
            id: Set(order_id),
            seller_id: Set(seller_id),
            seller_org_id: Set(seller.org_id()),
            seller_department_id: Set(seller.department_id()),
            customer_id: Set(customer_id),
            customer_org_id: Set(customer_org_id),
            creator_id: Set(creator),
            status: Set(OrderStatus::Draft),
            currency: Set(currency),
            total_minor: Set(total),
            note: Set(note),
            created_at: Set(now),
            updated_at: Set(now),
            placed_at: Set(None),
        }
        .insert(&tx)
        .await?;
        order_line::Entity::insert_many(lines)
            .exec_without_returning(&tx)
            .await?;
        record_change(&tx, order_id, creator, None, OrderStatus::Draft, None, now).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Moves an order to `to` (SA2), if that follows from its status and the actor acts for
    /// the side that makes the move. Placing takes the stock; cancelling or refunding before
    /// fulfilment gives it back. The other side is notified.
    pub async fn transition_order<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        order_id: Uuid,
        to: OrderStatus,
        note: Option<&str>,
    ) -> Result<order::Model, Error> {
        let note = text::optional("note", note, MAX_NOTE)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let actor_id = active_writer(&tx, actor).await?;
        let current = order::Entity::find_by_id(order_id)
            .one(&tx)
            .await?
            .ok_or(Error::OrderNotFound)?;
        let sides = parties::sides(&tx, actor, &current, sides_seeing(&current)).await?;
        if sides.is_empty() {
            return Err(Error::OrderNotFound);
        }
        let from = current.status;
        if from == to {
            // A repeated move (a client retrying) finds it done.
            tx.commit().await?;
            return Ok(current);
        }
        let Some(side) = lifecycle::side_for(from, to) else {
            return Err(Error::WrongTransition {
                from,
                next: lifecycle::next(from),
            });
        };
        if !sides.contains(&side) {
            return Err(Error::NotYourMove { from, to, side });
        }
        let mut change = order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(to))
            .col_expr(order::Column::UpdatedAt, Expr::value(now));
        if to == OrderStatus::Placed {
            change = change.col_expr(order::Column::PlacedAt, Expr::value(now));
        }
        // Of two moves at once, the second finds the status changed and is refused.
        let moved = change
            .filter(order::Column::Id.eq(order_id))
            .filter(order::Column::Status.eq(from))
            .exec(&tx)
            .await?;
        if moved.rows_affected == 0 {
            let now = order::Entity::find_by_id(order_id)
                .one(&tx)
                .await?
                .map_or(from, |o| o.status);
            return Err(Error::Moved { now });
        }
        let lines = order_line::Entity::find()
            .filter(order_line::Column::OrderId.eq(order_id))
            .all(&tx)
            .await?;
        let current = if to == OrderStatus::Placed {
            let (repriced, lines, counted) = reprice(&tx, actor, current, lines).await?;
            stock::take(&tx, &lines, &counted).await?;
            customers::placed(&tx, actor, &repriced, now).await?;
            repriced
        } else {
            if lifecycle::returns_stock(from, to) {
                // The stock is the product's, whoever may still see it (an archived or
                // members-only product): given back as the system.
                tenant::act_as(&tx, &Actor::System).await?;
                stock::give_back(&tx, &lines).await?;
                tenant::act_as(&tx, actor).await?;
            }
            current
        };
        // A placed order that ends unpaid or paid back no longer counts as spent.
        if from != OrderStatus::Draft && matches!(to, OrderStatus::Cancelled | OrderStatus::Refunded) {
            customers::ended(&tx, actor, &current).await?;
        }
        record_change(&tx, order_id, actor_id, Some(from), to, note, now).await?;
        let event = OrderStatusChanged::of(&current, from, to, side == Side::Seller);
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        // What the conditional update wrote, without reading the row back.
        Ok(order::Model {
            status: to,
            updated_at: now,
            placed_at: if to == OrderStatus::Placed {
                Some(now)
            } else {
                current.placed_at
            },
            ..current
        })
    }

    /// An order the actor acts for on either side; `None` otherwise.
    pub async fn order<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Option<order::Model>, Error> {
        Ok(self.orders_by_ids(db, actor, &[id]).await?.pop())
    }

    /// The orders of `ids` the actor acts for on either side, in one query (and one access
    /// check per organization and department involved): what a DataLoader asks for.
    pub async fn orders_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<order::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let seen = seen_orders(&tx, actor, ids).await?;
        tx.commit().await?;
        Ok(seen)
    }

    /// One side's orders, newest first (keyset-paginated): a seller's sales for its people
    /// with `manage_sales`, a customer's purchases for the person or the holders of the
    /// organization's `purchase`.
    pub async fn orders<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        filter: OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<order::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let scope = Scope::of_owner(&tx, actor, filter.agent_id).await?;
        let column = match filter.side {
            Side::Seller => order::Column::SellerId,
            Side::Customer => {
                if scope.department_id().is_some() {
                    return Err(Error::invalid(
                        "customerId",
                        "a department does not buy; its organization does",
                    ));
                }
                order::Column::CustomerId
            }
        };
        if !holds(&tx, actor, scope, parties::permission(filter.side)).await? {
            return Err(Error::NotAllowed(match filter.side {
                Side::Seller => "only the seller (or its people with manage_sales) lists its orders",
                Side::Customer => "only the customer (or its people with purchase) lists its orders",
            }));
        }
        let mut select = order::Entity::find().filter(column.eq(filter.agent_id));
        if filter.side == Side::Seller {
            select = select.filter(order::Column::Status.ne(OrderStatus::Draft));
        }
        if let Some(status) = filter.status {
            select = select.filter(order::Column::Status.eq(status));
        }
        let found = page::fetch(&tx, select, Keyset::newest_first(order::Column::Id), page, |o| {
            Cursor::by_id(o.id)
        })
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The lines of the orders of `order_ids` the actor may see, by order, in one query for
    /// the lines (after [`Sales::orders_by_ids`]'s check).
    pub async fn lines<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        order_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<order_line::Model>>, Error> {
        let tx = tenant::read(db, actor).await?;
        let visible = seen_ids(&tx, actor, order_ids).await?;
        let rows = order_line::Entity::find()
            .filter(order_line::Column::OrderId.is_in(visible))
            .order_by_asc(order_line::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(group(rows, |l| l.order_id))
    }

    /// The history of the orders of `order_ids` the actor may see, oldest step first.
    pub async fn history<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        order_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<order_change::Model>>, Error> {
        let tx = tenant::read(db, actor).await?;
        let visible = seen_ids(&tx, actor, order_ids).await?;
        let rows = order_change::Entity::find()
            .filter(order_change::Column::OrderId.is_in(visible))
            .order_by_asc(order_change::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(group(rows, |c| c.order_id))
    }
}

/// The orders of `ids` that `actor` acts for on a side that sees them, read in `tx`.
async fn seen_orders(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<order::Model>, Error> {
    let found = order::Entity::find()
        .filter(order::Column::Id.is_in(ids.iter().copied()))
        .all(tx)
        .await?;
    parties::seen_by(tx, actor, found, sides_seeing).await
}

async fn seen_ids(tx: &impl ConnectionTrait, actor: &Actor, ids: &[Uuid]) -> Result<Vec<Uuid>, Error> {
    Ok(seen_orders(tx, actor, ids)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect())
}

/// The sides that see `order`: a draft is the customer's cart, not yet the seller's business.
fn sides_seeing(order: &order::Model) -> &'static [Side] {
    if order.status == OrderStatus::Draft {
        &[Side::Customer]
    } else {
        parties::BOTH
    }
}

/// Prices `order`'s lines again as they are now, as placing it does: every product still
/// visible, published and on sale, of the same seller and currency. Changed prices are written
/// to their lines and the total; returns the order and lines as placed, and the products whose
/// stock is counted.
async fn reprice(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    order: order::Model,
    lines: Vec<order_line::Model>,
) -> Result<(order::Model, Vec<order_line::Model>, Vec<Uuid>), Error> {
    let wanted: Vec<(Uuid, i32)> = lines.iter().map(|l| (l.product_id, l.quantity)).collect();
    let priced = priced_lines(tx, actor, &wanted).await?;
    let counted: Vec<Uuid> = priced
        .iter()
        .filter(|(_, product, _)| product.stock.is_some())
        .map(|(_, product, _)| product.resource_id)
        .collect();
    let mut total: i64 = 0;
    let mut placed = Vec::with_capacity(lines.len());
    for (line, (resource, product, _)) in lines.into_iter().zip(&priced) {
        if resource.owner_id != order.seller_id || product.currency != order.currency {
            return Err(Error::invalid(
                "lines",
                format!(
                    "{} is now sold elsewhere or in another currency: start a new order",
                    line.title
                ),
            ));
        }
        let line_total = line_total(product.price_minor, line.quantity)?;
        total = total.checked_add(line_total).ok_or_else(too_large)?;
        if product.price_minor == line.unit_price_minor {
            placed.push(line);
            continue;
        }
        let mut repriced: order_line::ActiveModel = line.into();
        repriced.unit_price_minor = Set(product.price_minor);
        repriced.total_minor = Set(line_total);
        placed.push(repriced.update(tx).await?);
    }
    if total == order.total_minor {
        return Ok((order, placed, counted));
    }
    let mut retotalled: order::ActiveModel = order.into();
    retotalled.total_minor = Set(total);
    Ok((retotalled.update(tx).await?, placed, counted))
}

fn line_total(price_minor: i64, quantity: i32) -> Result<i64, Error> {
    price_minor.checked_mul(i64::from(quantity)).ok_or_else(too_large)
}

fn too_large() -> Error {
    Error::invalid("lines", "the order's total is too large")
}

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

/// The lines checked and a product named twice merged, in the order first named.
fn merge_lines(lines: Vec<LineInput>) -> Result<Vec<(Uuid, i32)>, Error> {
    if lines.is_empty() {
        return Err(Error::invalid("lines", "an order needs at least one product"));
    }
    if lines.len() > MAX_LINES {
        return Err(Error::invalid(
            "lines",
            format!("an order holds at most {MAX_LINES} lines"),
        ));
    }
    let mut merged: Vec<(Uuid, i32)> = Vec::with_capacity(lines.len());
    for line in lines {
        if line.quantity < 1 {
            return Err(Error::invalid("quantity", "order at least one of each product"));
        }
        match merged.iter_mut().find(|(id, _)| *id == line.product_id) {
            Some((_, quantity)) => *quantity = quantity.saturating_add(line.quantity),
            None => merged.push((line.product_id, line.quantity)),
        }
    }
    if merged.iter().any(|(_, q)| *q > MAX_QUANTITY) {
        return Err(Error::invalid(
            "quantity",
            format!("order at most {MAX_QUANTITY} of one product"),
        ));
    }
    Ok(merged)
}

/// Each wanted product with its resource row and price, in two queries: all published, on
/// sale, visible to the actor, of one seller and in one currency.
async fn priced_lines(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    wanted: &[(Uuid, i32)],
) -> Result<Vec<(resource::Model, product::Model, i32)>, Error> {
    let ids: Vec<Uuid> = wanted.iter().map(|(id, _)| *id).collect();
    let resources = resource::Entity::find()
        .filter(resource::Column::Id.is_in(ids.iter().copied()))
        .filter(resource::Column::DeletedAt.is_null())
        .all(tx)
        .await?;
    let products = product::Entity::find()
        .filter(product::Column::ResourceId.is_in(ids))
        .all(tx)
        .await?;
    let mut priced = Vec::with_capacity(wanted.len());
    for (id, quantity) in wanted {
        let found = resources.iter().find(|r| r.id == *id);
        let visible = match found {
            Some(r) => may_see(tx, actor, r).await?,
            None => false,
        };
        let (Some(resource), true) = (found, visible) else {
            return Err(Error::invalid("productId", format!("no product has the id {id}")));
        };
        let Some(product) = products.iter().find(|p| p.resource_id == *id) else {
            return Err(Error::invalid(
                "productId",
                format!("{} is not a product", resource.title),
            ));
        };
        if resource.status != Status::Published || !product.active {
            return Err(Error::invalid(
                "productId",
                format!("{} is not on sale now", resource.title),
            ));
        }
        priced.push((resource.clone(), product.clone(), *quantity));
    }
    let (first, rest) = priced
        .split_first()
        .ok_or_else(|| Error::invalid("lines", "an order needs at least one product"))?;
    for (resource, product, _) in rest {
        if resource.owner_id != first.0.owner_id {
            return Err(Error::invalid(
                "lines",
                format!(
                    "{} and {} have different sellers: order from one seller at a time",
                    first.0.title, resource.title
                ),
            ));
        }
        if product.currency != first.1.currency {
            return Err(Error::invalid(
                "lines",
                format!(
                    "{} is priced in {}, {} in {}: an order is in one currency",
                    first.0.title, first.1.currency, resource.title, product.currency
                ),
            ));
        }
    }
    Ok(priced)
}

pub(crate) async fn record_change(
    tx: &impl ConnectionTrait,
    order_id: Uuid,
    actor_id: Uuid,
    from: Option<OrderStatus>,
    to: OrderStatus,
    note: Option<String>,
    at: Timestamp,
) -> Result<(), Error> {
    order_change::ActiveModel {
        id: Set(commons_core::id::new()),
        order_id: Set(order_id),
        actor_id: Set(actor_id),
        from_status: Set(from),
        to_status: Set(to),
        note: Set(note),
        at: Set(at),
    }
    .insert(tx)
    .await?;
    Ok(())
}
