//! One entity per table.

pub mod department;
pub mod department_member;
pub mod invite;
pub mod invite_acceptance;
pub mod invite_department;
pub mod membership;
pub mod organization;
pub mod organization_usage;
