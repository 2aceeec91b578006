//! SA2: which status follows which, and which side of the sale moves it. This table is the one
//! place the rule lives; ARCHITECTURE.md prints it.

use std::fmt;

use crate::entity::order::OrderStatus;

/// The two sides of a sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The person buying, or a holder of `purchase` in the organization buying.
    Customer,
    /// The person selling, or a holder of `manage_sales` where the seller is.
    Seller,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Customer => "the customer",
            Side::Seller => "the seller",
        })
    }
}

use OrderStatus::*;

/// Every allowed move, and the one side that makes it. The customer places, and may cancel
/// until the seller confirms; from then on the seller confirms, fulfils, completes, cancels
/// and refunds.
pub const TRANSITIONS: [(OrderStatus, OrderStatus, Side); 10] = [
    (Draft, Placed, Side::Customer),
    (Draft, Cancelled, Side::Customer),
    (Placed, Cancelled, Side::Customer),
    (Placed, Confirmed, Side::Seller),
    (Confirmed, Fulfilled, Side::Seller),
    (Confirmed, Cancelled, Side::Seller),
    (Confirmed, Refunded, Side::Seller),
    (Fulfilled, Completed, Side::Seller),
    (Fulfilled, Refunded, Side::Seller),
    (Completed, Refunded, Side::Seller),
];

/// Who may move an order from `from` to `to`; `None` when that is no move at all.
pub fn side_for(from: OrderStatus, to: OrderStatus) -> Option<Side> {
    TRANSITIONS
        .iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map(|(_, _, side)| *side)
}

/// The statuses that may follow `from`.
pub fn next(from: OrderStatus) -> Vec<OrderStatus> {
    TRANSITIONS
        .iter()
        .filter(|(f, _, _)| *f == from)
        .map(|(_, t, _)| *t)
        .collect()
}

/// Whether moving from `from` to `to` gives the order's stock back: ending it (cancelled,
/// refunded) while it is placed or confirmed. Once fulfilled, the goods have gone out and the
/// stock stays taken.
pub fn returns_stock(from: OrderStatus, to: OrderStatus) -> bool {
    matches!(from, Placed | Confirmed) && matches!(to, Cancelled | Refunded)
}

/// The lower-case name the API and messages use.
pub fn name(status: OrderStatus) -> &'static str {
    match status {
        Draft => "draft",
        Placed => "placed",
        Confirmed => "confirmed",
        Fulfilled => "fulfilled",
        Completed => "completed",
        Cancelled => "cancelled",
        Refunded => "refunded",
    }
}

/// `placed`, `confirmed or cancelled`, `fulfilled, cancelled or refunded`.
pub fn either(statuses: &[OrderStatus]) -> String {
    let names: Vec<&str> = statuses.iter().map(|s| name(*s)).collect();
    match names.split_last() {
        None => "nothing".into(),
        Some((last, [])) => (*last).into(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The lifecycle as a Markdown table, for ARCHITECTURE.md (a test keeps the two equal).
pub fn markdown_table() -> String {
    let mut out = String::from("| from | to | by |\n|---|---|---|\n");
    for (from, to, side) in TRANSITIONS {
        out.push_str(&format!("| {} | {} | {side} |\n", name(from), name(to)));
    }
    out
}
