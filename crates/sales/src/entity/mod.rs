//! Orders, their lines and the history of their status; what each customer bought from each
//! seller; spot bookings and the quarter hours they hold.

pub mod booking;
pub mod booking_slot;
pub mod order;
pub mod order_change;
pub mod order_line;
pub mod seller_customer;
