//! The governance tables, one entity each. Initiatives' own row is a resource kind's
//! (`commons_resources::entity::initiative`).

pub mod achievement;
pub mod assignee;
pub mod ballot;
pub mod ballot_choice;
pub mod initiative_chat;
pub mod participant;
pub mod poll;
pub mod poll_option;
pub mod report;
pub mod report_photo;
pub mod task;
