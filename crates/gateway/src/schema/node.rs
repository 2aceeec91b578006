//! Relay: the `Node` interface, opaque global ids, `node(id:)` and `nodes(ids:)`.

use async_graphql::{Context, ID, Interface, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use commons_core::ErrorCode;
use uuid::Uuid;

use std::collections::HashMap;

use super::governance::{Ballot, Poll, PollOption, Task, TaskReport, load_polls, load_tasks};
use super::identity::ApiKey;
use super::identity::User;
use super::messaging::{Conversation, Message, Notification, PushToken};
use super::orgs::{AuditEvent, DepartmentMember, Invite, Membership};
use super::orgs::{Department, Organization, Owner, load_owners};
use super::payments::{Invoice, Payout, PlanSubscription, Refund};
use super::payments::{Payment, load_payments};
use super::reactions::{Comment, Rating};
use super::resources::{
    Blogpost, Event, Initiative, Media, Page, Photo, Product, Registration, Resource, Spot, load_resources,
};
use super::sales::{Booking, Order, load_bookings, load_orders};
use crate::error::{GqlResult, coded};
use crate::schema::context::ContextExt;

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
    TaskReport(TaskReport),
    Conversation(Conversation),
    Notification(Notification),
    Comment(Comment),
    Invite(Invite),
    Invoice(Invoice),
    Message(Message),
    Membership(Membership),
    DepartmentMember(DepartmentMember),
    ApiKey(ApiKey),
    Media(Media),
    Rating(Rating),
    Refund(Refund),
    PlanSubscription(PlanSubscription),
    Ballot(Ballot),
    PollOption(PollOption),
    Registration(Registration),
    AuditEvent(AuditEvent),
    PushToken(PushToken),
    Payout(Payout),
}

impl From<Resource> for Node {
    fn from(resource: Resource) -> Node {
        match resource {
            Resource::Blogpost(r) => Node::Blogpost(r),
            Resource::Event(r) => Node::Event(r),
            Resource::Initiative(r) => Node::Initiative(r),
            Resource::Page(r) => Node::Page(r),
            Resource::Photo(r) => Node::Photo(r),
            Resource::Product(r) => Node::Product(r),
            Resource::Spot(r) => Node::Spot(r),
        }
    }
}

/// What a notification's subject is, by its topic (the events' `subject()`).
enum Subject {
    /// A type whose global id is known from the id alone.
    Named(&'static str),
    /// A resource: its global id names its kind, read from the resource.
    Resource,
}

fn subject_of(topic: &str) -> Option<Subject> {
    use Subject::{Named, Resource};
    Some(match topic {
        "badge.awarded" | "invite.accepted" | "member.role_changed" | "notification.created" => Named("User"),
        "invite.created" => Named("Invite"),
        "message.created" => Named("Conversation"),
        "booking.changed" => Named("Booking"),
        "order.status_changed" => Named("Order"),
        "payment.succeeded" | "payment.failed" | "payment.refunded" => Named("Payment"),
        "invoice.settled" => Named("Invoice"),
        "poll.closed" => Named("Poll"),
        "task.claimed" => Named("Task"),
        "task.report_submitted" | "task.report_reviewed" => Named("TaskReport"),
        "comment.created"
        | "reaction.changed"
        | "event.registered"
        | "event.seat_granted"
        | "resource.approved"
        | "resource.rejected"
        | "initiative.joined"
        | "initiative.status_changed" => Resource,
        _ => return None,
    })
}

/// The global id of a notification's subject: null for a topic without one, and for a
/// resource that is gone or hidden from the caller.
pub async fn subject_id(
    ctx: &Context<'_>,
    topic: &str,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<ID>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(match subject_of(topic) {
        Some(Subject::Named(type_name)) => Some(global_id(type_name, id)),
        Some(Subject::Resource) => load_resources(ctx, vec![id])
            .await?
            .remove(&id)
            .map(|r| global_id(r.type_name(), id)),
        None => None,
    })
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

/// The types that are neither agents nor resources, each loaded by its own service in one
/// batch (none when no id names it), as the caller sees them.
async fn load_records(
    ctx: &Context<'_>,
    parsed: &[Option<(String, Uuid)>],
) -> async_graphql::Result<HashMap<(String, Uuid), Node>> {
    let of_type = |name: &str| -> Vec<Uuid> {
        parsed
            .iter()
            .flatten()
            .filter(|(t, _)| t == name)
            .map(|(_, id)| *id)
            .collect()
    };
    let mut found: HashMap<(String, Uuid), Node> = HashMap::new();
    let mut keep = |name: &str, id: Uuid, node: Node| {
        found.insert((name.to_owned(), id), node);
    };
    for (id, order) in load_orders(ctx, of_type("Order")).await? {
        keep("Order", id, Node::Order(order));
    }
    for (id, booking) in load_bookings(ctx, of_type("Booking")).await? {
        keep("Booking", id, Node::Booking(booking));
    }
    for (id, payment) in load_payments(ctx, of_type("Payment")).await? {
        keep("Payment", id, Node::Payment(payment));
    }
    for (id, poll) in load_polls(ctx, of_type("Poll")).await? {
        keep("Poll", id, Node::Poll(poll));
    }
    for (id, task) in load_tasks(ctx, of_type("Task")).await? {
        keep("Task", id, Node::Task(task));
    }
    let (s, actor) = (ctx.services(), ctx.actor()?);
    let db = &s.db;
    let asked = |name: &str| Some(of_type(name)).filter(|ids| !ids.is_empty());
    if let Some(ids) = asked("Conversation") {
        for c in s.messaging.conversations_by_ids(db, actor, &ids).await.gql()? {
            keep("Conversation", c.id, Node::Conversation(Conversation(c)));
        }
    }
    if let Some(ids) = asked("Notification") {
        for n in s.messaging.notifications_by_ids(db, actor, &ids).await.gql()? {
            keep("Notification", n.id, Node::Notification(Notification(n)));
        }
    }
    if let Some(ids) = asked("Comment") {
        for c in s.reactions.comments_by_ids(db, actor, &ids).await.gql()? {
            keep("Comment", c.id, Node::Comment(Comment::from(c)));
        }
    }
    if let Some(ids) = asked("Invite") {
        for i in s.orgs.invites_by_ids(db, actor, &ids).await.gql()? {
            keep("Invite", i.id, Node::Invite(Invite(i)));
        }
    }
    if let Some(ids) = asked("Invoice") {
        for i in s.payments.invoices_by_ids(db, actor, &ids).await.gql()? {
            keep("Invoice", i.id, Node::Invoice(Invoice(i)));
        }
    }
    if let Some(ids) = asked("TaskReport") {
        for r in s.governance.reports_by_ids(db, actor, &ids).await.gql()? {
            keep("TaskReport", r.id, Node::TaskReport(TaskReport(r)));
        }
    }
    if let Some(ids) = asked("Message") {
        for m in s.messaging.messages_by_ids(db, actor, &ids).await.gql()? {
            keep("Message", m.id, Node::Message(Message(m)));
        }
    }
    if let Some(ids) = asked("Membership") {
        for m in s.orgs.memberships_by_ids(db, actor, &ids).await.gql()? {
            keep("Membership", m.id, Node::Membership(Membership(m)));
        }
    }
    if let Some(ids) = asked("DepartmentMember") {
        for m in s.orgs.department_members_by_ids(db, actor, &ids).await.gql()? {
            keep(
                "DepartmentMember",
                m.id,
                Node::DepartmentMember(DepartmentMember(m)),
            );
        }
    }
    if let Some(ids) = asked("ApiKey") {
        for k in s.identity.api_keys_by_ids(db, actor, &ids).await.gql()? {
            keep("ApiKey", k.id, Node::ApiKey(ApiKey(k)));
        }
    }
    if let Some(ids) = asked("Media") {
        for m in s.resources.media_by_ids(db, &ids).await.gql()? {
            keep("Media", m.id, Node::Media(Media(m)));
        }
    }
    if let Some(ids) = asked("Rating") {
        for r in s.reactions.ratings_by_ids(db, actor, &ids).await.gql()? {
            keep("Rating", r.id, Node::Rating(Rating(r)));
        }
    }
    if let Some(ids) = asked("Refund") {
        for r in s.payments.refunds_by_ids(db, actor, &ids).await.gql()? {
            keep("Refund", r.id, Node::Refund(Refund(r)));
        }
    }
    if let Some(ids) = asked("PlanSubscription") {
        for p in s.payments.subscriptions_by_ids(db, actor, &ids).await.gql()? {
            keep(
                "PlanSubscription",
                p.id,
                Node::PlanSubscription(PlanSubscription(p)),
            );
        }
    }
    if let Some(ids) = asked("Ballot") {
        for b in s.governance.ballots_by_ids(db, actor, &ids).await.gql()? {
            keep("Ballot", b.ballot.id, Node::Ballot(Ballot(b)));
        }
    }
    if let Some(ids) = asked("Registration") {
        for r in s.resources.registrations_by_ids(db, actor, &ids).await.gql()? {
            keep("Registration", r.id, Node::Registration(Registration(r)));
        }
    }
    if let Some(ids) = asked("AuditEvent") {
        for e in s.orgs.audit_events_by_ids(db, actor, &ids).await.gql()? {
            keep("AuditEvent", e.id, Node::AuditEvent(AuditEvent::from(e)));
        }
    }
    if let Some(ids) = asked("PushToken") {
        for t in s.messaging.push_tokens_by_ids(db, actor, &ids).await.gql()? {
            keep("PushToken", t.id, Node::PushToken(PushToken::from(t)));
        }
    }
    if let Some(ids) = asked("Payout") {
        for p in s.payments.payouts_by_ids(db, actor, &ids).await.gql()? {
            keep("Payout", p.entry.id, Node::Payout(Payout(p)));
        }
    }
    if let Some(ids) = asked("PollOption") {
        for o in s.governance.poll_options_by_ids(db, actor, &ids).await.gql()? {
            keep("PollOption", o.id, Node::PollOption(PollOption(o)));
        }
    }
    Ok(found)
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
    let mut records = load_records(ctx, &parsed).await?;
    Ok(parsed
        .into_iter()
        .map(|p| {
            let (type_name, id) = p?;
            if let Some(record) = records.remove(&(type_name.clone(), id)) {
                return Some(record);
            }
            if RESOURCE_TYPES.contains(&type_name.as_str()) {
                // The kind named in the id must be the resource's kind.
                let resource = resources.remove(&id)?;
                return (resource.type_name() == type_name).then(|| resource.into());
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
    fn every_notified_topic_has_a_subject_type() {
        for notified in crate::rules().notified() {
            assert!(
                subject_of(notified.topic).is_some(),
                "{}: add it to subject_of so its notifications can be followed",
                notified.topic
            );
        }
    }

    #[test]
    fn global_ids_round_trip() {
        let id = Uuid::now_v7();
        let global = global_id("User", id);
        assert_eq!(parse_global_id(&global), Some(("User".to_owned(), id)));
        assert_eq!(parse_global_id("garbage"), None);
        assert_eq!(parse_global_id(&URL_SAFE_NO_PAD.encode("User:not-a-uuid")), None);
    }
}
