//! SA3: stock moves in the transaction that moves the order. Taking is one conditional update
//! per counted product (`stock = stock - q WHERE stock >= q`): concurrent placings queue on the
//! product's row, and each sees what the one before left, so stock never goes below zero (the
//! column's CHECK would refuse it too). Products are updated in id order, so two orders
//! sharing products cannot deadlock.

use commons_resources::entity::product;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use uuid::Uuid;

use crate::entity::order_line;
use crate::error::Error;

/// Takes each line's quantity from its product's stock, where it is `counted` (the products
/// whose stock placing found counted), and marks the line reserved, or refuses the first that
/// lacks it (the caller's transaction is then rolled back, with all it took). The caller has
/// checked that every product is still on sale.
pub(crate) async fn take(
    tx: &impl ConnectionTrait,
    lines: &[order_line::Model],
    counted: &[Uuid],
) -> Result<(), Error> {
    for line in in_id_order(lines)
        .into_iter()
        .filter(|l| counted.contains(&l.product_id))
    {
        let taken = product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).sub(line.quantity),
            )
            .filter(product::Column::ResourceId.eq(line.product_id))
            .filter(product::Column::Stock.gte(line.quantity))
            .exec(tx)
            .await?;
        if taken.rows_affected == 0 {
            let left = product::Entity::find_by_id(line.product_id)
                .one(tx)
                .await?
                .and_then(|p| p.stock)
                .unwrap_or(0);
            return Err(Error::OutOfStock {
                product: line.product_id,
                title: line.title.clone(),
                left,
            });
        }
        order_line::Entity::update_many()
            .col_expr(order_line::Column::Reserved, Expr::value(true))
            .filter(order_line::Column::Id.eq(line.id))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Gives back what placing took: the quantity of each reserved line.
pub(crate) async fn give_back(tx: &impl ConnectionTrait, lines: &[order_line::Model]) -> Result<(), Error> {
    for line in in_id_order(lines).into_iter().filter(|l| l.reserved) {
        product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).add(line.quantity),
            )
            .filter(product::Column::ResourceId.eq(line.product_id))
            .filter(product::Column::Stock.is_not_null())
            .exec(tx)
            .await?;
    }
    Ok(())
}

fn in_id_order(lines: &[order_line::Model]) -> Vec<&order_line::Model> {
    let mut sorted: Vec<&order_line::Model> = lines.iter().collect();
    sorted.sort_by_key(|l| l.product_id);
    sorted
}
