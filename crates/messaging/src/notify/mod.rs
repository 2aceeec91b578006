//! Who hears of an event, and in what words: one rule per topic, reading the payloads the
//! other crates write. Rules run as the system (inside the handler's transaction) and are
//! forgiving: an event whose subject is gone, or whose payload lacks a field, tells nobody.
//!
//! Nobody is told of their own action, except registering for an event, whose notification
//! is the confirmation (with the seat or the waitlist in it).

mod words;

use std::collections::HashSet;

use commons_core::outbox::{self, payload_uuid as uuid_in};
use commons_identity::entity::user;
use commons_orgs::entity::organization;
use commons_reactions::entity::comment;
use commons_resources::entity::{event_registration, resource};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::entity::conversation::{self, ConversationKind};
use crate::entity::participant;
use crate::error::Error;
use words::{name_of, quoted};

/// One person to tell, and the sentence to tell them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recipient {
    pub user_id: Uuid,
    pub summary: String,
}

/// Whom to tell of an event.
pub(crate) struct Told {
    /// The people it concerns, each once.
    pub people: Vec<Recipient>,
    /// For news about a resource that people besides its staff hear of: the resource (read
    /// once), which each of them must still be able to see, or they would learn of what they
    /// may no longer read.
    pub must_see: Option<resource::Model>,
}

/// Whom `event` concerns.
pub(crate) async fn recipients(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Told, Error> {
    let p = &event.payload;
    let (found, must_see) = match event.topic.as_str() {
        "comment.created" => comment_created(tx, event).await?,
        "reaction.changed" if p.get("added").and_then(Value::as_bool) == Some(true) => {
            reaction_added(tx, event).await?
        }
        "event.registered" => (registered(tx, event).await?, None),
        "event.seat_granted" => (seat_granted(tx, event).await?, None),
        "resource.approved" | "resource.rejected" => (reviewed(tx, event).await?, None),
        "invite.created" => (invited(tx, event).await?, None),
        "invite.accepted" => (invite_accepted(tx, event).await?, None),
        "member.role_changed" => (role_changed(tx, event).await?, None),
        "message.created" => (message_created(tx, event).await?, None),
        _ => (Vec::new(), None),
    };
    // The doer hears nothing of their own action; registering is confirmed to the registrant.
    let doer = match event.topic.as_str() {
        "event.registered" => None,
        "comment.created" => uuid_in(p, "author").or(event.actor_id),
        "reaction.changed" => uuid_in(p, "user").or(event.actor_id),
        _ => event.actor_id,
    };
    let mut seen = HashSet::new();
    let people = found
        .into_iter()
        .filter(|r| Some(r.user_id) != doer && seen.insert(r.user_id))
        .collect();
    Ok(Told { people, must_see })
}

/// Recipients of news about `resource`, who must still see it.
type AboutResource = (Vec<Recipient>, Option<resource::Model>);

fn tell(user_id: Uuid, summary: String) -> Recipient {
    Recipient { user_id, summary }
}

async fn resource_of(
    tx: &impl ConnectionTrait,
    event: &outbox::Model,
) -> Result<Option<resource::Model>, Error> {
    let Some(id) = event.subject_id else {
        return Ok(None);
    };
    Ok(resource::Entity::find_by_id(id).one(tx).await?)
}

async fn organization_name(tx: &impl ConnectionTrait, org_id: Option<Uuid>) -> Result<Option<String>, Error> {
    let Some(org_id) = org_id else {
        return Ok(None);
    };
    Ok(organization::Entity::find_by_id(org_id)
        .one(tx)
        .await?
        .map(|o| o.name))
}

/// The resource's creator; and the author of the comment answered, told so in other words.
async fn comment_created(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<AboutResource, Error> {
    let Some(target) = resource_of(tx, event).await? else {
        return Ok((Vec::new(), None));
    };
    // A comment deleted or hidden before it was handled (catching up) is news to nobody.
    let shown = match uuid_in(&event.payload, "comment") {
        Some(id) => comment::Entity::find_by_id(id)
            .one(tx)
            .await?
            .is_some_and(|c| c.deleted_at.is_none() && c.hidden_at.is_none()),
        None => false,
    };
    if !shown {
        return Ok((Vec::new(), None));
    }
    let who = name_of(tx, uuid_in(&event.payload, "author")).await?;
    let title = quoted(&target.title);
    let mut found = Vec::new();
    if let Some(parent) = uuid_in(&event.payload, "parent")
        && let Some(parent) = comment::Entity::find_by_id(parent).one(tx).await?
    {
        found.push(tell(
            parent.author_id,
            format!("{who} replied to your comment on {title}"),
        ));
    }
    found.push(tell(target.creator_id, format!("{who} commented on {title}")));
    Ok((found, Some(target)))
}

async fn reaction_added(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<AboutResource, Error> {
    let Some(target) = resource_of(tx, event).await? else {
        return Ok((Vec::new(), None));
    };
    let who = name_of(tx, uuid_in(&event.payload, "user")).await?;
    let summary = match event.payload.get("kind").and_then(Value::as_str) {
        Some(kind) => format!("{who} reacted with {kind} to {}", quoted(&target.title)),
        None => format!("{who} reacted to {}", quoted(&target.title)),
    };
    Ok((vec![tell(target.creator_id, summary)], Some(target)))
}

async fn registered(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Vec<Recipient>, Error> {
    let (Some(user_id), Some(target)) = (uuid_in(&event.payload, "user"), resource_of(tx, event).await?)
    else {
        return Ok(Vec::new());
    };
    let title = quoted(&target.title);
    let summary = match event.payload.get("status").and_then(Value::as_str) {
        Some("waitlisted") => format!("You are on the waitlist for {title}"),
        _ => format!("You have a seat at {title}"),
    };
    Ok(vec![tell(user_id, summary)])
}

/// Someone waiting got a seat: the registration says who.
async fn seat_granted(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Vec<Recipient>, Error> {
    let Some(registration) = uuid_in(&event.payload, "registration") else {
        return Ok(Vec::new());
    };
    let (Some(registration), Some(target)) = (
        event_registration::Entity::find_by_id(registration)
            .one(tx)
            .await?,
        resource_of(tx, event).await?,
    ) else {
        return Ok(Vec::new());
    };
    Ok(vec![tell(
        registration.user_id,
        format!("A seat opened up for you at {}", quoted(&target.title)),
    )])
}

async fn reviewed(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Vec<Recipient>, Error> {
    let (Some(creator), Some(target)) = (uuid_in(&event.payload, "creator"), resource_of(tx, event).await?)
    else {
        return Ok(Vec::new());
    };
    let title = quoted(&target.title);
    let summary = if event.topic == "resource.approved" {
        format!("{title} was approved and published")
    } else {
        match event.payload.get("reason").and_then(Value::as_str) {
            Some(reason) => format!("{title} was not approved: {reason}"),
            None => format!("{title} was not approved"),
        }
    };
    Ok(vec![tell(creator, summary)])
}

/// An invite locked to an email reaches the person with that email, if they have an account.
async fn invited(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Vec<Recipient>, Error> {
    let Some(email) = event.payload.get("email").and_then(Value::as_str) else {
        return Ok(Vec::new());
    };
    let Some(invitee) = user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(tx)
        .await?
    else {
        return Ok(Vec::new());
    };
    let who = name_of(tx, event.actor_id).await?;
    let summary = match organization_name(tx, event.org_id).await? {
        Some(org) => format!("{who} invited you to join {org}"),
        None => format!("{who} sent you an invite"),
    };
    Ok(vec![tell(invitee.id, summary)])
}

async fn invite_accepted(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Vec<Recipient>, Error> {
    let Some(inviter) = uuid_in(&event.payload, "inviter") else {
        return Ok(Vec::new());
    };
    let who = name_of(tx, uuid_in(&event.payload, "user").or(event.actor_id)).await?;
    Ok(vec![tell(inviter, format!("{who} accepted your invite"))])
}

async fn role_changed(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Vec<Recipient>, Error> {
    let Some(member) = uuid_in(&event.payload, "user") else {
        return Ok(Vec::new());
    };
    let role = event
        .payload
        .get("to")
        .and_then(Value::as_str)
        .unwrap_or("changed");
    let summary = match organization_name(tx, event.org_id).await? {
        Some(org) => format!("Your role in {org} is now {role}"),
        None => format!("Your role is now {role}"),
    };
    Ok(vec![tell(member, summary)])
}

/// Everyone in the conversation now, but the author.
async fn message_created(tx: &impl ConnectionTrait, event: &outbox::Model) -> Result<Vec<Recipient>, Error> {
    let Some(conversation_id) = uuid_in(&event.payload, "conversation").or(event.subject_id) else {
        return Ok(Vec::new());
    };
    let Some(found) = conversation::Entity::find_by_id(conversation_id).one(tx).await? else {
        return Ok(Vec::new());
    };
    let author = uuid_in(&event.payload, "author").or(event.actor_id);
    let who = name_of(tx, author).await?;
    let summary = match (found.kind, &found.title) {
        (ConversationKind::Group, Some(title)) => format!("{who} wrote in {}", quoted(title)),
        _ => format!("{who} sent you a message"),
    };
    let people = participant::Entity::find()
        .filter(participant::Column::ConversationId.eq(found.id))
        .all(tx)
        .await?;
    Ok(people
        .into_iter()
        .filter(|p| Some(p.user_id) != author)
        .map(|p| tell(p.user_id, summary.clone()))
        .collect())
}
