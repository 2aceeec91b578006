use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    /// In the currency's minor units (cents, tiyn).
    pub price_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    pub sku: Option<String>,
    /// `None`: not counted.
    pub stock: Option<i32>,
    /// Whether it can be ordered now.
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Feeds read this model by position (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Model {
    resource_id,
    price_minor,
    currency,
    sku: Option,
    stock: Option,
    active
});
