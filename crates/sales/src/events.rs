//! The events sales writes, and who hears of them.

use commons_core::audience::{Audience, EventRules, NotifiedTopic, RuleError};
use commons_core::text::quoted;
use commons_core::{Event, money, outbox};
use commons_identity::service::users::name_of;
use commons_orgs::service::access::holders;
use commons_resources::entity::resource;
use sea_orm::{DatabaseTransaction, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::order::OrderStatus;
use crate::entity::{booking, order};
use crate::lifecycle::Side;
use crate::parties::{self, Sided};

/// An order moved (SA2): the other side hears of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatusChanged {
    pub order: Uuid,
    pub seller: Uuid,
    pub customer: Uuid,
    pub creator: Uuid,
    /// Statuses by their API names: `placed`, `confirmed`.
    pub from: String,
    pub to: String,
    /// Whether the seller's side moved it (else the customer's).
    pub by_seller: bool,
    pub total_minor: i64,
    pub currency: String,
    /// The selling organization, if any.
    pub org: Option<Uuid>,
}

impl OrderStatusChanged {
    /// `order` moved from `from` to `to`, by the seller's side or the customer's.
    pub(crate) fn of(
        order: &order::Model,
        from: OrderStatus,
        to: OrderStatus,
        by_seller: bool,
    ) -> OrderStatusChanged {
        OrderStatusChanged {
            order: order.id,
            seller: order.seller_id,
            customer: order.customer_id,
            creator: order.creator_id,
            from: crate::lifecycle::name(from).into(),
            to: crate::lifecycle::name(to).into(),
            by_seller,
            total_minor: order.total_minor,
            currency: order.currency.clone(),
            org: order.seller_org_id,
        }
    }
}

impl Event for OrderStatusChanged {
    const TOPIC: &'static str = "order.status_changed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.order)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A booking was made or moved (SA4): the other side hears of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingChanged {
    pub booking: Uuid,
    pub spot: Uuid,
    /// `None` when it was just made.
    pub from: Option<String>,
    /// `requested`, `confirmed`, `declined` or `cancelled`.
    pub to: String,
    pub by_seller: bool,
    pub starts_at: commons_core::Timestamp,
    pub org: Option<Uuid>,
}

impl Event for BookingChanged {
    const TOPIC: &'static str = "booking.changed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.booking)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// At most this many people of one organization are told of one order.
const MAX_TOLD: u64 = 50;

/// Who hears of the sales events (registered with the server's rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct SalesRules;

#[async_trait::async_trait]
impl EventRules for SalesRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[
            NotifiedTopic::pushed(OrderStatusChanged::TOPIC),
            NotifiedTopic::pushed(BookingChanged::TOPIC),
        ];
        NOTIFIED
    }

    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
        if let Some(booked) = event.decode::<BookingChanged>() {
            return booking_audience(tx, &booked).await;
        }
        let Some(changed) = event.decode::<OrderStatusChanged>() else {
            return Ok(Audience::nobody());
        };
        let Some(order) = order::Entity::find_by_id(changed.order).one(tx).await? else {
            return Ok(Audience::nobody());
        };
        let amount = money::format(changed.total_minor, &changed.currency);
        let (told, summary) = if changed.by_seller {
            let people = side_people(tx, &order, Side::Customer).await?;
            (people, format!("Your order of {amount} is {}", changed.to))
        } else {
            let who = name_of(tx, Some(changed.creator)).await?;
            let summary = match changed.to.as_str() {
                "placed" => format!("{who} placed an order of {amount}"),
                to => format!("{who}'s order of {amount} is {to}"),
            };
            (side_people(tx, &order, Side::Seller).await?, summary)
        };
        Ok(Audience::each(told, summary))
    }
}

/// The other side of a booking, told in words that fit the move.
async fn booking_audience(tx: &DatabaseTransaction, booked: &BookingChanged) -> Result<Audience, RuleError> {
    let Some(found) = booking::Entity::find_by_id(booked.booking).one(tx).await? else {
        return Ok(Audience::nobody());
    };
    let spot = resource::Entity::find_by_id(booked.spot)
        .one(tx)
        .await?
        .map_or_else(|| "the spot".to_owned(), |r| quoted(&r.title));
    let when = booked.starts_at.format("%Y-%m-%d %H:%M UTC");
    let (told, summary) = if booked.by_seller {
        let people = side_people(tx, &found, Side::Customer).await?;
        (
            people,
            format!("Your booking of {spot} on {when} is {}", booked.to),
        )
    } else {
        let who = name_of(tx, Some(found.creator_id)).await?;
        let summary = match booked.to.as_str() {
            "requested" => format!("{who} asks to book {spot} on {when}"),
            "confirmed" => format!("{who} booked {spot} on {when}"),
            to => format!("{who}'s booking of {spot} on {when} is {to}"),
        };
        (side_people(tx, &found, Side::Seller).await?, summary)
    };
    Ok(Audience::each(told, summary))
}

/// The people who act for `side` of a sale: the person, or the holders of the side's
/// permission (and, for a buying organization, whoever made the sale).
async fn side_people(
    tx: &DatabaseTransaction,
    sale: &(impl Sided + Sync),
    side: Side,
) -> Result<Vec<Uuid>, RuleError> {
    let (person, org, department) = match side {
        Side::Seller => sale.seller(),
        Side::Customer => {
            let (person, org) = sale.customer();
            (person, org, None)
        }
    };
    let Some(org_id) = org else {
        return Ok(vec![person]);
    };
    let mut people = holders(tx, org_id, department, parties::permission(side), MAX_TOLD).await?;
    if side == Side::Customer && !people.contains(&sale.creator()) {
        people.push(sale.creator());
    }
    Ok(people)
}
