//! Products: a price in integer minor units of an ISO 4217 currency, an optional SKU and stock.

use commons_core::{money, text};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::entity::product;
use crate::error::Error;

pub const KIND: &str = "product";

#[derive(Clone, Debug)]
pub struct ProductInput {
    pub price_minor: i64,
    pub currency: String,
    pub sku: Option<String>,
    /// Not counted when absent.
    pub stock: Option<i32>,
    pub active: bool,
}

impl ProductInput {
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<product::Model, Error> {
        Ok(self.checked(resource_id)?.insert(db).await?)
    }

    /// Writes these fields over the product's row in place: an order placed meanwhile waits
    /// for the row instead of finding it gone (stock is set to what the seller says).
    pub(crate) async fn replace(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<product::Model, Error> {
        Ok(self.checked(resource_id)?.update(db).await?)
    }

    fn checked(self, resource_id: Uuid) -> Result<product::ActiveModel, Error> {
        if self.price_minor < 0 {
            return Err(Error::invalid("priceMinor", "a price cannot be negative"));
        }
        let currency = money::currency(&self.currency)
            .ok_or_else(|| Error::invalid("currency", "use an ISO 4217 currency code such as KZT or EUR"))?;
        let sku = text::optional("sku", self.sku.as_deref(), 64)?;
        if let Some(sku) = &sku
            && !sku
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(Error::invalid("sku", "a SKU is letters, digits, - _ and ."));
        }
        if self.stock.is_some_and(|s| s < 0) {
            return Err(Error::invalid("stock", "stock cannot be negative"));
        }
        Ok(product::ActiveModel {
            resource_id: Set(resource_id),
            price_minor: Set(self.price_minor),
            currency: Set(currency),
            sku: Set(sku),
            stock: Set(self.stock),
            active: Set(self.active),
        })
    }
}
