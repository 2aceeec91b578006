//! The payments tables, one entity each.

pub mod account;
pub mod entry;
pub mod invoice;
pub mod line;
pub mod payment;
pub mod provider_event;
pub mod refund;
pub mod subscription;
