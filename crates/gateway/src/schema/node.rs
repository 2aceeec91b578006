//! Relay: the `Node` interface, opaque global ids, `node(id:)` and `nodes(ids:)`.

use async_graphql::{Context, ID, Interface, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use commons_core::ErrorCode;
use uuid::Uuid;

use super::governance::{Poll, Task, load_polls, load_tasks};
use super::identity::User;
use super::orgs::{Department, Organization, Owner, load_owners};
use super::payments::{Payment, load_payments};
use super::resources::{Blogpost, Event, Initiative, Page, Photo, Product, Resource, Spot, load_resources};
use super::sales::{Booking, Order, load_bookings, load_orders};
use crate::error::coded;

/// A global id: base64url of `Type:uuid`. Clients treat it as opaque.
pub fn global_id(type_name: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// The type name and UUID inside a global id, if it is one.
pub fn parse_global_id(id: &str) -> Option<(String, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let (type_name, uuid) = text.split_once(':')?;
    Some((type_name.to_owned(), uuid.parse().ok()?))
}

/// The UUID of a global id that must name a `type_name`; `BAD_USER_INPUT` on `field` otherwise.
pub fn expect_id(id: &ID, type_name: &str, field: &str) -> async_graphql::Result<Uuid> {
    match parse_global_id(id) {
        Some((t, uuid)) if t == type_name => Ok(uuid),
        _ => Err(crate::error::to_graphql(BadId {
            field: field.to_owned(),
            expected: type_name.to_owned(),
        })),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{field} is not the id of a {expected}")]
struct BadId {
    field: String,
    expected: String,
}

impl commons_core::CodedError for BadId {
    fn code(&self) -> ErrorCode {
        ErrorCode::BadUserInput
    }

    fn field(&self) -> Option<&str> {
        Some(&self.field)
    }
}

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "A globally unique, opaque id."))]
pub enum Node {
    User(User),
    Organization(Organization),
    Department(Department),
    Blogpost(Blogpost),
    Event(Event),
    Initiative(Initiative),
    Page(Page),
    Photo(Photo),
    Product(Product),
    Spot(Spot),
    Order(Order),
    Booking(Booking),
    Payment(Payment),
    Poll(Poll),
    Task(Task),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when it does not exist or is not visible to you.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        Ok(load_nodes(ctx, std::slice::from_ref(&id)).await?.pop().flatten())
    }

    /// Several objects by global id, in the order asked; null for those not found.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > commons_core::PageRequest::MAX_FIRST as usize {
            return Err(coded(ErrorCode::BadUserInput, "ask for at most 100 ids at once"));
        }
        load_nodes(ctx, &ids).await
    }
}

/// Users, organizations and departments are agents: one batch finds each id's kind, then one
/// batch per kind loads them.
async fn load_nodes(ctx: &Context<'_>, ids: &[ID]) -> async_graphql::Result<Vec<Option<Node>>> {
    const AGENT_TYPES: [&str; 3] = ["User", "Organization", "Department"];
    const RESOURCE_TYPES: [&str; 7] = [
        "Blogpost",
        "Event",
        "Initiative",
        "Page",
        "Photo",
        "Product",
        "Spot",
    ];
    let parsed: Vec<Option<(String, Uuid)>> = ids.iter().map(|id| parse_global_id(id)).collect();
    let agent_ids: Vec<Uuid> = parsed
        .iter()
        .flatten()
        .filter(|(t, _)| AGENT_TYPES.contains(&t.as_str()))
        .map(|(_, id)| *id)
        .collect();
    let mut owners: std::collections::HashMap<Uuid, Owner> = agent_ids
        .iter()
        .copied()
        .zip(load_owners(ctx, agent_ids.clone()).await?)
        .filter_map(|(id, owner)| owner.map(|o| (id, o)))
        .collect();
    let resource_ids: Vec<Uuid> = parsed
        .iter()
        .flatten()
        .filter(|(t, _)| RESOURCE_TYPES.contains(&t.as_str()))
        .map(|(_, id)| *id)
        .collect();
    let mut resources = load_resources(ctx, resource_ids).await?;
    let of_type = |name: &str| -> Vec<Uuid> {
        parsed
            .iter()
            .flatten()
            .filter(|(t, _)| t == name)
            .map(|(_, id)| *id)
            .collect()
    };
    let mut orders = load_orders(ctx, of_type("Order")).await?;
    let mut bookings = load_bookings(ctx, of_type("Booking")).await?;
    let mut payments = load_payments(ctx, of_type("Payment")).await?;
    let mut polls = load_polls(ctx, of_type("Poll")).await?;
    let mut tasks = load_tasks(ctx, of_type("Task")).await?;
    Ok(parsed
        .into_iter()
        .map(|p| {
            let (type_name, id) = p?;
            match type_name.as_str() {
                "Order" => return orders.remove(&id).map(Node::Order),
                "Booking" => return bookings.remove(&id).map(Node::Booking),
                "Payment" => return payments.remove(&id).map(Node::Payment),
                "Poll" => return polls.remove(&id).map(Node::Poll),
                "Task" => return tasks.remove(&id).map(Node::Task),
                _ => {}
            }
            if RESOURCE_TYPES.contains(&type_name.as_str()) {
                // The kind named in the id must be the resource's kind.
                return match resources.remove(&id)? {
                    Resource::Blogpost(r) if type_name == "Blogpost" => Some(Node::Blogpost(r)),
                    Resource::Event(r) if type_name == "Event" => Some(Node::Event(r)),
                    Resource::Initiative(r) if type_name == "Initiative" => Some(Node::Initiative(r)),
                    Resource::Page(r) if type_name == "Page" => Some(Node::Page(r)),
                    Resource::Photo(r) if type_name == "Photo" => Some(Node::Photo(r)),
                    Resource::Product(r) if type_name == "Product" => Some(Node::Product(r)),
                    Resource::Spot(r) if type_name == "Spot" => Some(Node::Spot(r)),
                    _ => None,
                };
            }
            // The kind named in the id must be the kind the agent is.
            match (type_name.as_str(), owners.remove(&id)?) {
                ("User", Owner::User(u)) => Some(Node::User(u)),
                ("Organization", Owner::Organization(o)) => Some(Node::Organization(o)),
                ("Department", Owner::Department(d)) => Some(Node::Department(d)),
                _ => None,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip() {
        let id = Uuid::now_v7();
        let global = global_id("User", id);
        assert_eq!(parse_global_id(&global), Some(("User".to_owned(), id)));
        assert_eq!(parse_global_id("garbage"), None);
        assert_eq!(parse_global_id(&URL_SAFE_NO_PAD.encode("User:not-a-uuid")), None);
    }
}
