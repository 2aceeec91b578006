//! orgs in GraphQL: organizations, memberships, departments, invites, the audit log, and the
//! `Owner` union.

mod loader;
mod mutation;
mod query;
mod types;

pub use loader::OrgsLoader;
pub use mutation::OrgsMutation;
pub use query::OrgsQuery;
pub use types::{
    AuditEvent, Department, DepartmentMember, Invite, Membership, Organization, Owner, Plan, load_owners,
};
