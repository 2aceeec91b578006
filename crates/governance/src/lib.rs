//! Commons governance (GV1, GV2): initiatives, a resource kind with a lifecycle (draft →
//! open → in progress → completed / cancelled), a join code a QR scan carries, and
//! participants; tasks with a number of places people claim (never more, however many at
//! once) and completion reports with photos, approved with a rating or rejected with a
//! reason by the initiative's organizers (the owner, or where an organization owns it, its
//! people who moderate). Each step tells the right person.
//!
//! GV3: polls on an initiative or for an organization, with eligibility, opening and closing
//! times, quorum and threshold, secret or public ballots (one per voter), and an outcome
//! recorded once. GV4: points, badges, activities and leaderboards.

pub mod achievements;
pub mod ballots;
pub mod chat;
pub mod entity;
pub mod error;
pub mod events;
pub mod export;
pub mod initiatives;
pub mod outcome;
pub mod polls;
pub mod reports;
pub mod tasks;

mod organizers;

use commons_resources::Resources;

pub use achievements::{BADGES, Badge, Standing};
pub use ballots::Ballot;
pub use entity::poll::{Eligibility, Outcome, PollKind};
pub use entity::report::ReportStatus;
pub use entity::task::TaskStatus;
pub use error::Error;
pub use export::Funds;
pub use outcome::{Decision, Results};
pub use polls::{CreatePoll, PollStatus, PollsOf};
pub use reports::{Review, SubmitReport};
pub use tasks::CreateTask;

pub use commons_resources::entity::initiative::InitiativeStatus;

/// The governance services and what they share.
#[derive(Clone, Debug)]
pub struct Governance {
    pub(crate) resources: Resources,
}

impl Governance {
    pub fn new(resources: Resources) -> Governance {
        Governance { resources }
    }

    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    /// The time by the injectable clock.
    pub fn now(&self) -> commons_core::Timestamp {
        self.resources.orgs().identity().now()
    }
}

/// `rows` grouped by the key `split` gives each, every group in the rows' order.
pub(crate) fn grouped<T, V>(
    rows: impl IntoIterator<Item = T>,
    split: impl Fn(T) -> (uuid::Uuid, V),
) -> std::collections::HashMap<uuid::Uuid, Vec<V>> {
    let mut groups: std::collections::HashMap<uuid::Uuid, Vec<V>> = std::collections::HashMap::new();
    for row in rows {
        let (key, value) = split(row);
        groups.entry(key).or_default().push(value);
    }
    groups
}
