//! The events sales writes, and who hears of them.

use commons_core::audience::{Audience, EventRules, Notice, NotifiedTopic, RuleError};
use commons_core::{Event, money, outbox};
use commons_identity::service::users::name_of;
use commons_orgs::service::access::holders;
use sea_orm::{DatabaseTransaction, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::order;
use crate::lifecycle::Side;
use crate::parties;

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

impl Event for OrderStatusChanged {
    const TOPIC: &'static str = "order.status_changed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.order)
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
        const NOTIFIED: &[NotifiedTopic] = &[NotifiedTopic::pushed(OrderStatusChanged::TOPIC)];
        NOTIFIED
    }

    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
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
        Ok(Audience::of(
            told.into_iter()
                .map(|id| Notice::new(id, summary.clone()))
                .collect(),
        ))
    }
}

/// The people who act for `side` of `order`: the person, or the holders of the side's
/// permission (and, for a buying organization, whoever created the order).
async fn side_people(
    tx: &DatabaseTransaction,
    order: &order::Model,
    side: Side,
) -> Result<Vec<Uuid>, RuleError> {
    let (person, org, department) = match side {
        Side::Seller => (order.seller_id, order.seller_org_id, order.seller_department_id),
        Side::Customer => (order.customer_id, order.customer_org_id, None),
    };
    let Some(org_id) = org else {
        return Ok(vec![person]);
    };
    let mut people = holders(tx, org_id, department, parties::permission(side), MAX_TOLD).await?;
    if side == Side::Customer && !people.contains(&order.creator_id) {
        people.push(order.creator_id);
    }
    Ok(people)
}
