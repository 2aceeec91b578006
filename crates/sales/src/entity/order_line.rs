use sea_orm::entity::prelude::*;

/// A product in an order, with its title and price as they were when it was ordered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    /// The product (a resource); once per order.
    pub product_id: Uuid,
    pub title: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    /// `quantity × unit_price_minor`.
    pub total_minor: i64,
    /// Whether placing took the quantity from the product's counted stock.
    pub reserved: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
