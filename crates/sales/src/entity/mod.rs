//! Orders, their lines and the history of their status.

pub mod order;
pub mod order_change;
pub mod order_line;
pub mod seller_customer;
