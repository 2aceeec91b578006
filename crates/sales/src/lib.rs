//! Commons sales (SA1–SA3): orders of products from a seller (a user, an organization or a
//! department) by a customer (a user, or an organization through a holder of its `purchase`
//! permission). Lines snapshot each product's title and price; the server computes the total
//! in the one currency of all lines. An order moves through its [`lifecycle`], each move made
//! by one side only and kept as history; placing reserves stock with a conditional update in
//! the placing transaction, and cancelling or refunding before fulfilment returns it. A
//! seller lists its [`customers`] with what each ordered and spent (SA5). People book a
//! spot's time ([`bookings`], SA4), never the same time twice.

pub mod bookings;
pub mod customers;
pub mod entity;
pub mod error;
pub mod events;
pub mod lifecycle;
pub mod orders;
mod parties;
mod paying;
mod stock;

use commons_resources::Resources;

pub use bookings::BookSpot;
pub use customers::CustomerOrder;
pub use entity::booking::BookingStatus;
pub use entity::order::OrderStatus;
pub use error::Error;
pub use lifecycle::Side;
pub use orders::{CreateOrder, LineInput, OrderFilter};

/// The sales services and what they share.
#[derive(Clone, Debug)]
pub struct Sales {
    pub(crate) resources: Resources,
}

impl Sales {
    pub fn new(resources: Resources) -> Sales {
        Sales { resources }
    }

    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    pub(crate) fn now(&self) -> commons_core::Timestamp {
        self.resources.orgs().identity().now()
    }
}
