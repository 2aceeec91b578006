//! The organization services. Each takes the database, the actor and a plain input, checks the
//! actor's permission through [`access`], writes in one transaction and appends to the audit log.

pub mod access;
pub mod audit_log;
pub mod billing;
pub mod departments;
pub mod invites;
pub mod memberships;
pub mod organizations;
pub mod usage;
