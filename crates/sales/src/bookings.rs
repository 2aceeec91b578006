//! SA4: booking a spot's time. A booking holds the quarter hours it covers as rows of
//! `booking_slots`, unique per spot and start, inserted in the booking transaction: of two
//! bookings of the same time (or overlapping times) the database lets one through, on either
//! database, and the other is `CONFLICT`. A spot that asks for approval holds the time while
//! its owner decides (requested → confirmed or declined, with a reason); declining or
//! cancelling frees it. Event seats are booked by registering for the event (RS5): the seat is
//! the registration, kept by the resources crate.
//!
//! A request holds its time until the owner answers, so one customer could fill a venue's
//! calendar with requests: each customer may have [`MAX_PENDING_REQUESTS`] waiting per spot
//! (those whose time has not begun; a request whose time passes unanswered no longer counts
//! and holds nothing bookable). The count is taken under a lock on the spot's row, so
//! concurrent requests cannot all slip under it.

use chrono::{Duration, DurationRound};
use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, outbox, tenant, text};
use commons_orgs::service::access::active_writer;
use commons_resources::entity::spot;
use commons_resources::service::writing::live;
use commons_resources::{Scope, Status};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, SqlErr,
};
use uuid::Uuid;

use crate::Sales;
use crate::entity::booking::{self, BookingStatus};
use crate::entity::booking_slot;
use crate::error::Error;
use crate::events::BookingChanged;
use crate::lifecycle::Side;
use crate::parties;

/// Bookings start and end on a quarter hour (UTC quarter hours are quarter hours in every
/// time zone).
const SLOT_MINUTES: i64 = 15;
/// The longest booking.
const MAX_HOURS: i64 = 24;
const MAX_TEXT: usize = 2_000;

/// A spot's time to book.
#[derive(Clone, Debug)]
pub struct BookSpot {
    pub spot_id: Uuid,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// An organization booking through the actor (who needs its `purchase` permission).
    pub customer_id: Option<Uuid>,
    pub note: Option<String>,
}

/// Requests one customer may have waiting for one spot's owner.
pub const MAX_PENDING_REQUESTS: u64 = 3;

/// Locks the spot's row (a no-op UPDATE: a row lock on PostgreSQL, the write lock on SQLite)
/// and refuses a request past the customer's share of waiting ones.
async fn hold_request_cap(
    tx: &impl ConnectionTrait,
    title: &str,
    spot_id: Uuid,
    customer_id: Uuid,
    now: Timestamp,
) -> Result<(), Error> {
    spot::Entity::update_many()
        .col_expr(
            spot::Column::RequiresBookingApproval,
            Expr::col(spot::Column::RequiresBookingApproval),
        )
        .filter(spot::Column::ResourceId.eq(spot_id))
        .exec(tx)
        .await?;
    let waiting = booking::Entity::find()
        .filter(booking::Column::SpotId.eq(spot_id))
        .filter(booking::Column::CustomerId.eq(customer_id))
        .filter(booking::Column::Status.eq(BookingStatus::Requested))
        .filter(booking::Column::StartsAt.gt(now))
        .count(tx)
        .await?;
    if waiting >= MAX_PENDING_REQUESTS {
        return Err(Error::TooManyRequests {
            spot: text::quoted(title),
            max: MAX_PENDING_REQUESTS,
        });
    }
    Ok(())
}

impl Sales {
    /// Books a spot's time: confirmed at once, or requested where the spot asks for approval.
    pub async fn book_spot<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: BookSpot,
    ) -> Result<booking::Model, Error> {
        let note = text::optional("note", input.note.as_deref(), MAX_TEXT)?;
        let now = self.now();
        let slots = quarter_hours(input.starts_at, input.ends_at, now)?;
        let tx = tenant::write(db, actor).await?;
        let creator = active_writer(&tx, actor).await?;
        let spot_resource = match live(&tx, actor, input.spot_id).await {
            Err(commons_resources::Error::NotFound) => {
                return Err(Error::invalid("spotId", "no spot has this id"));
            }
            found => found?,
        };
        let spot = spot::Entity::find_by_id(input.spot_id)
            .one(&tx)
            .await?
            .filter(|_| spot_resource.status == Status::Published)
            .ok_or_else(|| Error::invalid("spotId", format!("{} cannot be booked", spot_resource.title)))?;
        let seller = Scope::of_owner(&tx, actor, spot_resource.owner_id).await?;
        let (customer_id, customer_org_id) =
            parties::customer(&tx, actor, creator, input.customer_id).await?;
        if customer_id == spot_resource.owner_id {
            return Err(Error::invalid(
                "customerId",
                "the owner does not book its own spot",
            ));
        }
        let status = if spot.requires_booking_approval {
            hold_request_cap(&tx, &spot_resource.title, input.spot_id, customer_id, now).await?;
            BookingStatus::Requested
        } else {
            BookingStatus::Confirmed
        };
        let saved = booking::ActiveModel {
            id: Set(commons_core::id::new()),
            spot_id: Set(input.spot_id),
            seller_id: Set(spot_resource.owner_id),
            seller_org_id: Set(seller.org_id()),
            seller_department_id: Set(seller.department_id()),
            customer_id: Set(customer_id),
            customer_org_id: Set(customer_org_id),
            creator_id: Set(creator),
            starts_at: Set(input.starts_at),
            ends_at: Set(input.ends_at),
            status: Set(status),
            note: Set(note),
            reason: Set(None),
            decided_by: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&tx)
        .await?;
        let held =
            booking_slot::Entity::insert_many(slots.into_iter().map(|starts_at| booking_slot::ActiveModel {
                id: Set(commons_core::id::new()),
                booking_id: Set(saved.id),
                spot_id: Set(input.spot_id),
                starts_at: Set(starts_at),
            }))
            .exec_without_returning(&tx)
            .await;
        match held {
            Ok(_) => {}
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::SlotTaken {
                    spot: spot_resource.title,
                });
            }
            Err(e) => return Err(e.into()),
        }
        announce(&tx, actor, &saved, None, false, now).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The seller's answer to a requested booking: confirmed, or declined with a reason
    /// (which frees the time).
    pub async fn decide_booking<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        approve: bool,
        reason: Option<&str>,
    ) -> Result<booking::Model, Error> {
        let reason = text::optional("reason", reason, MAX_TEXT)?;
        if !approve && reason.is_none() {
            return Err(Error::invalid("reason", "say why the booking is declined"));
        }
        let to = if approve {
            BookingStatus::Confirmed
        } else {
            BookingStatus::Declined
        };
        self.move_booking(db, actor, id, Move::Decide(to), reason).await
    }

    /// Calls a booking off, from either side; the time is free again.
    pub async fn cancel_booking<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        reason: Option<&str>,
    ) -> Result<booking::Model, Error> {
        let reason = text::optional("reason", reason, MAX_TEXT)?;
        self.move_booking(db, actor, id, Move::Cancel, reason).await
    }

    async fn move_booking<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        wanted: Move,
        reason: Option<String>,
    ) -> Result<booking::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let actor_id = active_writer(&tx, actor).await?;
        let current = booking::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(Error::BookingNotFound)?;
        let sides = parties::sides(&tx, actor, &current, parties::BOTH).await?;
        if sides.is_empty() {
            return Err(Error::BookingNotFound);
        }
        let (to, allowed_from): (BookingStatus, &[BookingStatus]) = match wanted {
            Move::Decide(to) => {
                if !sides.contains(&Side::Seller) {
                    return Err(Error::NotAllowed("only the spot's owner decides a booking"));
                }
                (to, &[BookingStatus::Requested])
            }
            Move::Cancel => (
                BookingStatus::Cancelled,
                &[BookingStatus::Requested, BookingStatus::Confirmed],
            ),
        };
        if !allowed_from.contains(&current.status) {
            return Err(Error::BookingClosed {
                status: status_name(current.status),
            });
        }
        // A decision records who made it; a cancellation leaves that as it was.
        let decided_by = match wanted {
            Move::Decide(_) => Some(actor_id),
            Move::Cancel => current.decided_by,
        };
        // Of two moves at once, the second finds the status changed.
        let moved = booking::Entity::update_many()
            .col_expr(booking::Column::Status, Expr::value(to))
            .col_expr(booking::Column::Reason, Expr::value(reason.clone()))
            .col_expr(booking::Column::DecidedBy, Expr::value(decided_by))
            .col_expr(booking::Column::UpdatedAt, Expr::value(now))
            .filter(booking::Column::Id.eq(id))
            .filter(booking::Column::Status.eq(current.status))
            .exec(&tx)
            .await?;
        if moved.rows_affected == 0 {
            return Err(Error::BookingClosed {
                status: "changed meanwhile",
            });
        }
        if matches!(to, BookingStatus::Declined | BookingStatus::Cancelled) {
            booking_slot::Entity::delete_many()
                .filter(booking_slot::Column::BookingId.eq(id))
                .exec(&tx)
                .await?;
        }
        // What the conditional update wrote, without reading the row back.
        let from = current.status;
        let saved = booking::Model {
            status: to,
            reason,
            decided_by,
            updated_at: now,
            ..current
        };
        announce(&tx, actor, &saved, Some(from), sides.contains(&Side::Seller), now).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// A booking the actor is on either side of; `None` otherwise.
    pub async fn booking<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Option<booking::Model>, Error> {
        Ok(self.bookings_by_ids(db, actor, &[id]).await?.pop())
    }

    /// The bookings of `ids` the actor is on either side of, in one query: what a DataLoader
    /// asks for.
    pub async fn bookings_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<booking::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let found = booking::Entity::find()
            .filter(booking::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let seen = parties::seen_by(&tx, actor, found, |_| parties::BOTH).await?;
        tx.commit().await?;
        Ok(seen)
    }

    /// One side's bookings, newest first: a seller's for its `manage_sales` holders, a
    /// customer's for the person or the holders of the organization's `purchase`.
    pub async fn bookings<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        side: Side,
        agent_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<booking::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let scope = Scope::of_owner(&tx, actor, agent_id).await?;
        if !parties::holds(&tx, actor, scope, parties::permission(side)).await? {
            return Err(Error::NotAllowed(
                "only that side (or its people with the permission) lists its bookings",
            ));
        }
        let column = match side {
            Side::Seller => booking::Column::SellerId,
            Side::Customer => booking::Column::CustomerId,
        };
        let found = page::fetch(
            &tx,
            booking::Entity::find().filter(column.eq(agent_id)),
            Keyset::newest_first(booking::Column::Id),
            page,
            |b| Cursor::by_id(b.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }
}

enum Move {
    Decide(BookingStatus),
    Cancel,
}

/// The quarter hours from `starts_at` to `ends_at`, checked: on the quarter hour, in the
/// future, at most a day.
fn quarter_hours(starts_at: Timestamp, ends_at: Timestamp, now: Timestamp) -> Result<Vec<Timestamp>, Error> {
    let slot = Duration::minutes(SLOT_MINUTES);
    let aligned = |t: Timestamp| t.duration_trunc(slot).is_ok_and(|d| d == t);
    if !aligned(starts_at) || !aligned(ends_at) {
        return Err(Error::invalid(
            "startsAt",
            "bookings start and end on a quarter hour (:00, :15, :30, :45)",
        ));
    }
    if ends_at <= starts_at {
        return Err(Error::invalid("endsAt", "a booking ends after it starts"));
    }
    if ends_at - starts_at > Duration::hours(MAX_HOURS) {
        return Err(Error::invalid(
            "endsAt",
            format!("a booking lasts at most {MAX_HOURS} hours"),
        ));
    }
    if starts_at < now {
        return Err(Error::invalid("startsAt", "book a time that has not begun"));
    }
    let mut slots = Vec::new();
    let mut at = starts_at;
    while at < ends_at {
        slots.push(at);
        at += slot;
    }
    Ok(slots)
}

fn status_name(status: BookingStatus) -> &'static str {
    match status {
        BookingStatus::Requested => "requested",
        BookingStatus::Confirmed => "confirmed",
        BookingStatus::Declined => "declined",
        BookingStatus::Cancelled => "cancelled",
    }
}

async fn announce(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    booking: &booking::Model,
    from: Option<BookingStatus>,
    by_seller: bool,
    now: Timestamp,
) -> Result<(), Error> {
    let event = BookingChanged {
        booking: booking.id,
        spot: booking.spot_id,
        from: from.map(|s| status_name(s).to_owned()),
        to: status_name(booking.status).to_owned(),
        by_seller,
        starts_at: booking.starts_at,
        org: booking.seller_org_id,
    };
    outbox::append(tx, actor, &event, now).await?;
    Ok(())
}
