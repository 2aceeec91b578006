//! Event registrations (RS5): register and cancel, capacity with a waitlist that fills freed
//! seats in the order people asked, a ticket with an unguessable code, check-in by code, and
//! the participant list as the organizer sets it.
//!
//! Seats are held by the database: every transaction that changes an event's seats first
//! locks the event's row (an `UPDATE` of it), then reads the count and decides. Concurrent
//! registrations queue on that lock on PostgreSQL and on the write lock on SQLite, so the count
//! never passes the capacity and a freed seat never sits empty while someone waits.

use std::collections::HashMap;

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::outbox;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use commons_orgs::Permission;
use commons_orgs::service::access::active_writer;
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::writing::{live, scope_of};
use crate::Resources;
use crate::entity::event_registration::{self as registration, RegistrationStatus};
use crate::entity::{event, resource};
use crate::error::Error;
use crate::events::{EventRegistered, SeatGranted};
use crate::kind;

/// A registration as its viewer may see it: the ticket code only for its holder.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub id: Uuid,
    pub event_id: Uuid,
    pub user_id: Uuid,
    pub status: RegistrationStatus,
    /// What the ticket's QR code carries; only its holder sees it.
    pub ticket_code: Option<String>,
    pub requested_at: Timestamp,
    pub cancelled_at: Option<Timestamp>,
    pub checked_in_at: Option<Timestamp>,
    /// 1 for the next to get a seat; only for the holder of a waitlisted registration.
    pub waitlist_position: Option<u64>,
}

impl Registration {
    fn seen_by(model: registration::Model, actor: &Actor) -> Registration {
        let own = actor.user_id() == Some(model.user_id);
        Registration {
            id: model.id,
            event_id: model.event_id,
            user_id: model.user_id,
            status: model.status,
            ticket_code: own.then_some(model.ticket_code),
            requested_at: model.requested_at,
            cancelled_at: model.cancelled_at,
            checked_in_at: model.checked_in_at,
            waitlist_position: None,
        }
    }
}

impl Resources {
    /// Registers the actor for an event they may see: a seat while there are seats, else a
    /// place on the waitlist. Registering again returns the registration they have.
    pub async fn register_for_event<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        event_id: Uuid,
    ) -> Result<Registration, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let found = live(&tx, actor, event_id).await?;
        if found.kind != kind::event::KIND {
            return Err(Error::invalid("eventId", "only events take registrations"));
        }
        if found.status != resource::Status::Published {
            return Err(Error::RegistrationClosed("the event is not published".into()));
        }
        let event = lock_event_for_request(&tx, event_id).await?;
        if let Some(opens) = event.registration_opens_at
            && now < opens
        {
            return Err(Error::RegistrationClosed(format!(
                "registration opens at {}",
                opens.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        let closes = event.registration_closes_at.unwrap_or(event.ends_at);
        if now >= closes {
            return Err(Error::RegistrationClosed(format!(
                "registration closed at {}",
                closes.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        let existing = registration::Entity::find()
            .filter(registration::Column::EventId.eq(event_id))
            .filter(registration::Column::UserId.eq(user_id))
            .one(&tx)
            .await?;
        if let Some(existing) = existing
            .as_ref()
            .filter(|r| r.status != RegistrationStatus::Cancelled)
        {
            let mine = with_position(&tx, actor, existing.clone()).await?;
            tx.commit().await?;
            return Ok(mine);
        }
        let status = if take_seat(&tx, &event).await? {
            RegistrationStatus::Registered
        } else {
            RegistrationStatus::Waitlisted
        };
        let fresh = registration::ActiveModel {
            status: Set(status),
            ticket_code: Set(ticket_code()),
            requested_at: Set(now),
            request_number: Set(event.requests_made),
            cancelled_at: Set(None),
            checked_in_at: Set(None),
            checked_in_by: Set(None),
            ..Default::default()
        };
        let saved = match existing {
            // Coming back after cancelling: a new request, at the end of any waitlist.
            Some(cancelled) => {
                let mut model = fresh;
                model.id = Set(cancelled.id);
                model.update(&tx).await?
            }
            None => {
                let mut model = fresh;
                model.id = Set(commons_core::id::new());
                model.event_id = Set(event_id);
                model.user_id = Set(user_id);
                model.org_id = Set(found.org_id);
                model.insert(&tx).await?
            }
        };
        audit::record(
            &tx,
            actor,
            Entry::new("event.registered")
                .target("resource", event_id)
                .in_org(found.org_id)
                .metadata(serde_json::json!({ "registration": saved.id, "status": status.to_value() })),
            now,
        )
        .await?;
        let event = EventRegistered {
            resource: event_id,
            registration: saved.id,
            user: user_id,
            status: status.to_value(),
            org: found.org_id,
        };
        outbox::append(&tx, actor, &event, now).await?;
        let mine = with_position(&tx, actor, saved).await?;
        tx.commit().await?;
        Ok(mine)
    }

    /// Cancels a registration: its holder may, and the event's moderators. A freed seat goes
    /// to the first on the waitlist.
    pub async fn cancel_registration<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        registration_id: Uuid,
    ) -> Result<Registration, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let current = registration::Entity::find_by_id(registration_id)
            .one(&tx)
            .await?
            .ok_or(Error::RegistrationNotFound)?;
        // The event as it is, hidden since or not: holding the ticket (or running the event)
        // is what lets one cancel it.
        tenant::act_as(&tx, &Actor::System).await?;
        let event = resource::Entity::find_by_id(current.event_id)
            .one(&tx)
            .await?
            .ok_or(Error::RegistrationNotFound)?;
        tenant::act_as(&tx, actor).await?;
        if current.user_id != user_id {
            // Someone else's registration exists only for the event's organizers.
            if !organizes(&tx, actor, &event).await? {
                return Err(Error::RegistrationNotFound);
            }
            self.authorize(&tx, actor, scope_of(&event), Permission::ModerateResources)
                .await?;
        }
        if current.status == RegistrationStatus::Cancelled {
            tx.commit().await?;
            return Ok(Registration::seen_by(current, actor));
        }
        if let Some(at) = current.checked_in_at {
            return Err(Error::AlreadyCheckedIn { at });
        }
        // The seat count is the event's row: moved as the system (see above).
        tenant::act_as(&tx, &Actor::System).await?;
        lock_event(&tx, current.event_id).await?;
        let had_seat = current.status == RegistrationStatus::Registered;
        let mut model: registration::ActiveModel = current.into();
        model.status = Set(RegistrationStatus::Cancelled);
        model.cancelled_at = Set(Some(now));
        let cancelled = model.update(&tx).await?;
        if had_seat {
            event::Entity::update_many()
                .col_expr(
                    event::Column::RegisteredCount,
                    Expr::col(event::Column::RegisteredCount).sub(1),
                )
                .filter(event::Column::ResourceId.eq(cancelled.event_id))
                .exec(&tx)
                .await?;
            fill_seats(&tx, actor, cancelled.event_id, now).await?;
        }
        tenant::act_as(&tx, actor).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("event.registration_cancelled")
                .target("resource", cancelled.event_id)
                .in_org(event.org_id)
                .metadata(serde_json::json!({ "registration": cancelled.id })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Registration::seen_by(cancelled, actor))
    }

    /// Checks a ticket in at the door, for holders of `check_in` where the event is. A ticket
    /// checks in once; the second time names the first.
    pub async fn check_in<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ticket_code: &str,
    ) -> Result<Registration, Error> {
        let now = self.now();
        let code = normalize_code(ticket_code);
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let current = registration::Entity::find()
            .filter(registration::Column::TicketCode.eq(code))
            .one(&tx)
            .await?
            .ok_or(Error::TicketNotFound)?;
        let event = resource::Entity::find_by_id(current.event_id)
            .filter(resource::Column::DeletedAt.is_null())
            .one(&tx)
            .await?
            .ok_or(Error::TicketNotFound)?;
        self.authorize(&tx, actor, scope_of(&event), Permission::CheckIn)
            .await?;
        match current.status {
            RegistrationStatus::Registered => {}
            RegistrationStatus::Waitlisted => {
                return Err(Error::TicketNotValid(
                    "its holder is on the waitlist, without a seat",
                ));
            }
            RegistrationStatus::Cancelled => return Err(Error::TicketNotValid("it was cancelled")),
        }
        let updated = registration::Entity::update_many()
            .col_expr(registration::Column::CheckedInAt, Expr::value(now))
            .col_expr(registration::Column::CheckedInBy, Expr::value(user_id))
            .filter(registration::Column::Id.eq(current.id))
            .filter(registration::Column::CheckedInAt.is_null())
            .exec(&tx)
            .await?;
        if updated.rows_affected == 0 {
            let first = registration::Entity::find_by_id(current.id)
                .one(&tx)
                .await?
                .and_then(|r| r.checked_in_at)
                .unwrap_or(now);
            return Err(Error::AlreadyCheckedIn { at: first });
        }
        audit::record(
            &tx,
            actor,
            Entry::new("event.checked_in")
                .target("resource", event.id)
                .in_org(event.org_id)
                .metadata(serde_json::json!({ "registration": current.id })),
            now,
        )
        .await?;
        let checked = registration::Entity::find_by_id(current.id)
            .one(&tx)
            .await?
            .ok_or(Error::TicketNotFound)?;
        tx.commit().await?;
        Ok(Registration::seen_by(checked, actor))
    }

    /// Who registered for an event, in the order they registered. Its organizers (`check_in`
    /// or `moderate_resources`) see everyone with a seat or on the waitlist; others who may see
    /// the event see those with a seat if the organizer shows the list, and else nobody (an
    /// empty page, not an error: an event page asks for the list whoever looks at it).
    pub async fn registrations<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        event_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Registration>, Error> {
        let tx = tenant::read(db, actor).await?;
        let found = live(&tx, actor, event_id).await?;
        let event = event::Entity::find_by_id(event_id)
            .one(&tx)
            .await?
            .ok_or_else(|| Error::invalid("eventId", "only events take registrations"))?;
        let mut query = registration::Entity::find().filter(registration::Column::EventId.eq(event_id));
        if organizes(&tx, actor, &found).await? {
            query = query.filter(registration::Column::Status.ne(RegistrationStatus::Cancelled));
            // The organizer reads everyone's rows, whatever row level security shows them.
            tenant::act_as(&tx, &Actor::System).await?;
        } else if event.participants_visible {
            query = query.filter(registration::Column::Status.eq(RegistrationStatus::Registered));
            tenant::act_as(&tx, &Actor::System).await?;
        } else {
            tx.commit().await?;
            return Ok(Page::empty());
        }
        let found = page::fetch(
            &tx,
            query,
            Keyset::oldest_first(registration::Column::Id),
            page,
            |r| Cursor::by_id(r.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found.map(|r| Registration::seen_by(r, actor)))
    }

    /// The registrations of `ids` as [`Resources::registrations`] and the actor's own tickets
    /// show them: their own (with the place in line), everyone's but the cancelled to the
    /// event's organizers, and those with a seat where the organizer shows the list.
    pub async fn registrations_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<Registration>, Error> {
        let tx = tenant::read(db, actor).await?;
        // Read as the system; what the actor may see of them is decided below.
        tenant::act_as(&tx, &Actor::System).await?;
        let rows = registration::Entity::find()
            .filter(registration::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        tenant::act_as(&tx, actor).await?;
        let me = actor.user_id();
        let (mine, others): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| Some(r.user_id) == me);
        let mut shown = seen_with_positions(&tx, actor, mine).await?;
        // Per event: (organizes it, shows its list), or none when the event is hidden.
        let mut events = commons_core::AskOnce::default();
        for row in others {
            let rule = events
                .get(row.event_id, async |event_id| {
                    match live(&tx, actor, event_id).await {
                        Ok(found) => {
                            let organizer = organizes(&tx, actor, &found).await?;
                            let listed = event::Entity::find_by_id(event_id)
                                .one(&tx)
                                .await?
                                .is_some_and(|e| e.participants_visible);
                            Ok(Some((organizer, listed)))
                        }
                        Err(Error::NotFound) => Ok(None),
                        Err(e) => Err(e),
                    }
                })
                .await?;
            let visible = match rule {
                Some((true, _)) => row.status != RegistrationStatus::Cancelled,
                Some((false, true)) => row.status == RegistrationStatus::Registered,
                _ => false,
            };
            if visible {
                shown.push(Registration::seen_by(row, actor));
            }
        }
        tx.commit().await?;
        Ok(shown)
    }

    /// The actor's own registrations for these events (cancelled ones included), by event:
    /// what an event page shows as "your ticket".
    pub async fn my_registrations_for<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        event_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Registration>, Error> {
        let Some(user_id) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        if event_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let tx = tenant::read(db, actor).await?;
        let mine = registration::Entity::find()
            .filter(registration::Column::UserId.eq(user_id))
            .filter(registration::Column::EventId.is_in(event_ids.iter().copied()))
            .all(&tx)
            .await?;
        let seen = seen_with_positions(&tx, actor, mine).await?;
        tx.commit().await?;
        Ok(seen.into_iter().map(|r| (r.event_id, r)).collect())
    }

    /// The actor's registrations, newest first: their tickets.
    pub async fn my_registrations<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<Registration>, Error> {
        let user_id = actor.user_id().ok_or(Error::NotSignedIn)?;
        let tx = tenant::read(db, actor).await?;
        let found = page::fetch(
            &tx,
            registration::Entity::find().filter(registration::Column::UserId.eq(user_id)),
            Keyset::newest_first(registration::Column::Id),
            page,
            |r| Cursor::by_id(r.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found.map(|r| Registration::seen_by(r, actor)))
    }
}

/// Registrations as `actor` sees them, each waitlisted one with its place in line.
async fn seen_with_positions(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    models: Vec<registration::Model>,
) -> Result<Vec<Registration>, Error> {
    let positions = waitlist_positions(tx, actor, &models).await?;
    Ok(models
        .into_iter()
        .map(|model| {
            let position = positions.get(&model.id).copied();
            let mut seen = Registration::seen_by(model, actor);
            seen.waitlist_position = position;
            seen
        })
        .collect())
}

/// One registration as its holder sees it, with its place in line.
async fn with_position(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    model: registration::Model,
) -> Result<Registration, Error> {
    seen_with_positions(tx, actor, vec![model])
        .await?
        .pop()
        .ok_or(Error::RegistrationNotFound)
}

/// Whether `actor` runs the event: checks people in or moderates where it is, or owns it.
pub(crate) async fn organizes(
    db: &impl ConnectionTrait,
    actor: &Actor,
    event: &resource::Model,
) -> Result<bool, Error> {
    super::holds_any(
        db,
        actor,
        scope_of(event),
        &[Permission::CheckIn, Permission::ModerateResources],
    )
    .await
}

/// Locks the event's row for the rest of the transaction and reads it as it now is.
async fn lock_event(tx: &impl ConnectionTrait, event_id: Uuid) -> Result<event::Model, Error> {
    let unchanged = Expr::col(event::Column::RegisteredCount);
    lock_event_setting(tx, event_id, event::Column::RegisteredCount, unchanged).await
}

/// Locks the event's row as [`lock_event`] does, and in the same UPDATE gives this request
/// the event's next number (`requests_made` as read back): requests are numbered in the
/// order they hold the lock, whatever their clocks said.
async fn lock_event_for_request(tx: &impl ConnectionTrait, event_id: Uuid) -> Result<event::Model, Error> {
    let next = Expr::col(event::Column::RequestsMade).add(1);
    lock_event_setting(tx, event_id, event::Column::RequestsMade, next).await
}

/// The lock is an UPDATE of the row (portable: a row lock on PostgreSQL, the write lock on
/// SQLite), which sets `column` to `value`; then the row is read as it now is.
async fn lock_event_setting(
    tx: &impl ConnectionTrait,
    event_id: Uuid,
    column: event::Column,
    value: impl Into<sea_orm::sea_query::SimpleExpr>,
) -> Result<event::Model, Error> {
    event::Entity::update_many()
        .col_expr(column, value.into())
        .filter(event::Column::ResourceId.eq(event_id))
        .exec(tx)
        .await?;
    event::Entity::find_by_id(event_id)
        .one(tx)
        .await?
        .ok_or(Error::NotFound)
}

/// Takes a seat of the (locked) event if one is free.
async fn take_seat(tx: &impl ConnectionTrait, event: &event::Model) -> Result<bool, Error> {
    let mut update = event::Entity::update_many()
        .col_expr(
            event::Column::RegisteredCount,
            Expr::col(event::Column::RegisteredCount).add(1),
        )
        .filter(event::Column::ResourceId.eq(event.resource_id));
    if event.capacity.is_some() {
        update =
            update.filter(Expr::col(event::Column::RegisteredCount).lt(Expr::col(event::Column::Capacity)));
    }
    Ok(update.exec(tx).await?.rows_affected == 1)
}

/// An event changed hands: its registrations follow it into the new organization's wall (row
/// level security), as the system, since the giver may not see them all.
pub(crate) async fn move_to_organization(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    event_id: Uuid,
    org_id: Option<Uuid>,
) -> Result<(), Error> {
    tenant::act_as(tx, &Actor::System).await?;
    registration::Entity::update_many()
        .col_expr(registration::Column::OrgId, Expr::value(org_id))
        .filter(registration::Column::EventId.eq(event_id))
        .exec(tx)
        .await?;
    tenant::act_as(tx, actor).await?;
    Ok(())
}

/// Gives the event's free seats to the waitlist, first asked first served. Runs as the
/// system: whoever freed the seat may not see the others' registrations.
pub(crate) async fn fill_seats(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    event_id: Uuid,
    now: Timestamp,
) -> Result<Vec<Uuid>, Error> {
    tenant::act_as(tx, &Actor::System).await?;
    let event = lock_event(tx, event_id).await?;
    let free = match event.capacity {
        None => u64::MAX,
        Some(capacity) => u64::try_from(capacity - event.registered_count).unwrap_or(0),
    };
    let mut promoted = Vec::new();
    if free > 0 {
        let org_id = resource::Entity::find_by_id(event_id)
            .one(tx)
            .await?
            .and_then(|r| r.org_id);
        let next: Vec<(Uuid, Uuid)> = registration::Entity::find()
            .select_only()
            .column(registration::Column::Id)
            .column(registration::Column::UserId)
            .filter(registration::Column::EventId.eq(event_id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
            .order_by_asc(registration::Column::RequestNumber)
            .limit(Ord::min(free, 10_000))
            .into_tuple()
            .all(tx)
            .await?;
        for (id, user) in next {
            if !take_seat(tx, &event).await? {
                break;
            }
            registration::Entity::update_many()
                .col_expr(
                    registration::Column::Status,
                    Expr::value(RegistrationStatus::Registered),
                )
                .filter(registration::Column::Id.eq(id))
                .exec(tx)
                .await?;
            // The person waiting hears they have a seat now.
            let seat = SeatGranted {
                resource: event_id,
                registration: id,
                user,
                org: org_id,
            };
            outbox::append(tx, actor, &seat, now).await?;
            promoted.push(id);
        }
    }
    tenant::act_as(tx, actor).await?;
    Ok(promoted)
}

/// Where each waitlisted registration of `mine` stands (1 = next), counted as the system: the
/// others ahead are not the actor's to see, only their number.
async fn waitlist_positions(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    mine: &[registration::Model],
) -> Result<HashMap<Uuid, u64>, Error> {
    let waiting: Vec<&registration::Model> = mine
        .iter()
        .filter(|r| r.status == RegistrationStatus::Waitlisted)
        .collect();
    let mut positions = HashMap::new();
    if waiting.is_empty() {
        return Ok(positions);
    }
    tenant::act_as(tx, &Actor::System).await?;
    let queues: Vec<(Uuid, Uuid)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .column(registration::Column::EventId)
        .filter(registration::Column::EventId.is_in(waiting.iter().map(|r| r.event_id)))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::RequestNumber)
        .into_tuple()
        .all(tx)
        .await?;
    tenant::act_as(tx, actor).await?;
    let mut seen: HashMap<Uuid, u64> = HashMap::new();
    for (id, event_id) in queues {
        let place = seen.entry(event_id).or_default();
        *place += 1;
        if waiting.iter().any(|r| r.id == id) {
            positions.insert(id, *place);
        }
    }
    Ok(positions)
}

/// The alphabet of ticket codes: Crockford's base 32, without letters that look like digits.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// 26 characters of 5 random bits each (130 bits): unguessable, and easy to read aloud or type
/// when a QR scan fails.
fn ticket_code() -> String {
    let mut rng = rand::rng();
    (0..26)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..32)]))
        .collect()
}

/// A typed code as stored: upper case, without spaces or dashes, with the letters people
/// mistake for digits read as those digits.
fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_and_read_back_as_typed() {
        let code = ticket_code();
        assert_eq!(code.len(), 26);
        assert_ne!(code, ticket_code());
        assert_eq!(normalize_code(&code.to_lowercase()), code);
        assert_eq!(normalize_code("ab-o1 il"), "AB0111");
    }
}
