//! Everything the sales services can refuse.

use crate::entity::order::OrderStatus;
use crate::lifecycle::{self, Side};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The order does not exist, or the actor is on neither side of it.
    #[error("no such order")]
    OrderNotFound,
    /// The booking does not exist, or the actor is on neither side of it.
    #[error("no such booking")]
    BookingNotFound,
    /// Another booking holds (some of) this time.
    #[error("{spot} is already booked for (part of) this time")]
    SlotTaken { spot: String },
    /// The booking cannot move from where it is.
    #[error("the booking is {status}; it cannot change that way")]
    BookingClosed { status: &'static str },
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    /// A move that does not follow from the order's status.
    #[error(
        "the order is {}; it can next be {}",
        lifecycle::name(*from),
        lifecycle::either(next)
    )]
    WrongTransition {
        from: OrderStatus,
        next: Vec<OrderStatus>,
    },
    /// A move that the actor's side does not make.
    #[error("only {side} moves an order from {} to {}", lifecycle::name(*from), lifecycle::name(*to))]
    NotYourMove {
        from: OrderStatus,
        to: OrderStatus,
        side: Side,
    },
    #[error("{0}")]
    NotAllowed(&'static str),
    /// Paying an order that is not waiting for payment.
    #[error("the order is {status}; only a placed order is paid")]
    NotPayable { status: &'static str },
    /// Placing would take more than is left.
    #[error("{title} has only {left} left")]
    OutOfStock {
        product: uuid::Uuid,
        title: String,
        left: i32,
    },
    /// Two people moved the order at once, and the other was first.
    #[error("the order was changed meanwhile; it is now {}", lifecycle::name(*now))]
    Moved { now: OrderStatus },
    #[error("you already have {max} requests for {spot} waiting for an answer; wait for one or cancel one")]
    TooManyRequests { spot: String, max: u64 },
    #[error(transparent)]
    Resources(#[from] commons_resources::Error),
    #[error(transparent)]
    Orgs(#[from] commons_orgs::Error),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl From<commons_core::PageError> for Error {
    fn from(e: commons_core::PageError) -> Error {
        Error::Resources(e.into())
    }
}

commons_core::coded_error! {
    Error {
        NotFound: OrderNotFound | BookingNotFound;
        BadUserInput: WrongTransition;
        Forbidden: NotYourMove | NotAllowed;
        Conflict: OutOfStock | NotPayable | Moved | SlotTaken | BookingClosed;
        LimitExceeded: TooManyRequests;
        Internal: Db;
    }
    wraps Resources | Orgs;
    fields WrongTransition => "to", OutOfStock => "lines", SlotTaken => "startsAt";
}
