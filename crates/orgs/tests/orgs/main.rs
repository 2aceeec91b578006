//! The organization services' tests, in one binary: each test binary links the whole
//! dependency tree, so one per crate keeps CI fast and its disk small.

mod concurrency;
mod escalation;
mod flows;
mod permissions;
mod support;
mod tenant_isolation;
