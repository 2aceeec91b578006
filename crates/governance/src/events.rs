//! The events governance writes, and who hears of them: organizers hear who joined, claimed
//! and reported; a report's author hears the review; participants hear the initiative move.

use commons_core::audience::{Audience, EventRules, NotifiedTopic, RuleError};
use commons_core::text::quoted;
use commons_core::{Event, outbox};
use commons_identity::service::users::name_of;
use commons_orgs::Permission;
use commons_orgs::service::access::holders;
use commons_resources::entity::resource;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::{ballot, participant, poll};

/// Someone joined an initiative: its organizers hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitiativeJoined {
    pub initiative: Uuid,
    pub user: Uuid,
    pub org: Option<Uuid>,
}

impl Event for InitiativeJoined {
    const TOPIC: &'static str = "initiative.joined";
    fn subject(&self) -> Option<Uuid> {
        Some(self.initiative)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// An initiative moved on: its participants hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitiativeStatusChanged {
    pub initiative: Uuid,
    pub title: String,
    /// `open`, `in_progress`, `completed`, `cancelled`.
    pub to: String,
    pub org: Option<Uuid>,
}

impl Event for InitiativeStatusChanged {
    const TOPIC: &'static str = "initiative.status_changed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.initiative)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// Someone claimed (or gave back) a place on a task: the organizers hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskClaimed {
    pub task: Uuid,
    pub initiative: Uuid,
    pub title: String,
    pub user: Uuid,
    /// `false` when the place was given back.
    pub claimed: bool,
    pub org: Option<Uuid>,
}

impl Event for TaskClaimed {
    const TOPIC: &'static str = "task.claimed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.task)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A report waits for review: the organizers hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskReportSubmitted {
    pub report: Uuid,
    pub task: Uuid,
    pub initiative: Uuid,
    pub title: String,
    pub author: Uuid,
    pub photos: i32,
    pub org: Option<Uuid>,
}

impl Event for TaskReportSubmitted {
    const TOPIC: &'static str = "task.report_submitted";
    fn subject(&self) -> Option<Uuid> {
        Some(self.report)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A report was approved or rejected: its author hears of it (and achievements count it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskReportReviewed {
    pub report: Uuid,
    pub task: Uuid,
    pub initiative: Uuid,
    pub title: String,
    pub author: Uuid,
    pub approved: bool,
    pub rating: Option<i16>,
    pub reason: Option<String>,
    pub with_photos: bool,
    pub org: Option<Uuid>,
}

impl Event for TaskReportReviewed {
    const TOPIC: &'static str = "task.report_reviewed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.report)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A person earned a badge (GV4): they hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeAwarded {
    pub user: Uuid,
    pub badge: String,
}

impl Event for BadgeAwarded {
    const TOPIC: &'static str = "badge.awarded";
    fn subject(&self) -> Option<Uuid> {
        Some(self.user)
    }
}

/// A poll closed and its outcome was recorded: its voters and whoever put it hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollClosed {
    pub poll: Uuid,
    pub question: String,
    /// `decided`, `no_quorum`, `threshold_missed`, `tied`, `no_votes`.
    pub outcome: String,
    /// The winning option's label when decided.
    pub winner: Option<String>,
    pub org: Option<Uuid>,
}

impl Event for PollClosed {
    const TOPIC: &'static str = "poll.closed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.poll)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// At most this many people are told of one event.
const MAX_TOLD: u64 = 200;

/// Who hears of the governance events (registered with the server's rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct GovernanceRules;

#[async_trait::async_trait]
impl EventRules for GovernanceRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[
            NotifiedTopic::quiet(InitiativeJoined::TOPIC),
            NotifiedTopic::pushed(InitiativeStatusChanged::TOPIC),
            NotifiedTopic::pushed(TaskClaimed::TOPIC),
            NotifiedTopic::pushed(TaskReportSubmitted::TOPIC),
            NotifiedTopic::pushed(TaskReportReviewed::TOPIC),
            NotifiedTopic::pushed(BadgeAwarded::TOPIC),
            NotifiedTopic::pushed(PollClosed::TOPIC),
        ];
        NOTIFIED
    }

    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
        if let Some(awarded) = event.decode::<BadgeAwarded>() {
            return Ok(Audience::each(
                vec![awarded.user],
                format!("You earned a badge: {}", awarded.badge),
            ));
        }
        if let Some(closed) = event.decode::<PollClosed>() {
            return poll_closed(tx, &closed).await;
        }
        if let Some(reviewed) = event.decode::<TaskReportReviewed>() {
            let task = quoted(&reviewed.title);
            let summary = match (reviewed.approved, reviewed.rating, &reviewed.reason) {
                (true, Some(rating), _) => format!("Your report on {task} was approved: {rating} of 5"),
                (true, None, _) => format!("Your report on {task} was approved"),
                (false, _, Some(reason)) => format!("Your report on {task} was rejected: {reason}"),
                (false, _, None) => format!("Your report on {task} was rejected"),
            };
            return Ok(Audience::each(vec![reviewed.author], summary));
        }
        if let Some(changed) = event.decode::<InitiativeStatusChanged>() {
            let people: Vec<Uuid> = participant::Entity::find()
                .select_only()
                .column(participant::Column::UserId)
                .filter(participant::Column::InitiativeId.eq(changed.initiative))
                .limit(MAX_TOLD)
                .into_tuple()
                .all(tx)
                .await?;
            let what = match changed.to.as_str() {
                "in_progress" => "is under way".to_owned(),
                other => format!("is {other}"),
            };
            return Ok(Audience::each(
                people,
                format!("{} {what}", quoted(&changed.title)),
            ));
        }
        let (initiative, summary) = if let Some(joined) = event.decode::<InitiativeJoined>() {
            let who = name_of(tx, Some(joined.user)).await?;
            (joined.initiative, format!("{who} joined"))
        } else if let Some(claimed) = event.decode::<TaskClaimed>() {
            let who = name_of(tx, Some(claimed.user)).await?;
            let verb = if claimed.claimed { "took" } else { "gave back" };
            (
                claimed.initiative,
                format!("{who} {verb} {}", quoted(&claimed.title)),
            )
        } else if let Some(submitted) = event.decode::<TaskReportSubmitted>() {
            let who = name_of(tx, Some(submitted.author)).await?;
            (
                submitted.initiative,
                format!(
                    "{who} reported on {}; it waits for your review",
                    quoted(&submitted.title)
                ),
            )
        } else {
            return Ok(Audience::nobody());
        };
        let Some(found) = resource::Entity::find_by_id(initiative).one(tx).await? else {
            return Ok(Audience::nobody());
        };
        let summary = format!("{summary} ({})", quoted(&found.title));
        Ok(Audience::each(organizers(tx, &found).await?, summary))
    }
}

/// A closed poll's voters and whoever put it hear what it decided.
async fn poll_closed(tx: &DatabaseTransaction, closed: &PollClosed) -> Result<Audience, RuleError> {
    let mut people: Vec<Uuid> = ballot::Entity::find()
        .select_only()
        .column(ballot::Column::VoterId)
        .filter(ballot::Column::PollId.eq(closed.poll))
        .limit(MAX_TOLD)
        .into_tuple()
        .all(tx)
        .await?;
    if let Some(found) = poll::Entity::find_by_id(closed.poll).one(tx).await?
        && !people.contains(&found.created_by)
    {
        people.push(found.created_by);
    }
    let question = quoted(&closed.question);
    let summary = match (closed.outcome.as_str(), &closed.winner) {
        ("decided", Some(winner)) => format!("Poll {question} closed: {} won", quoted(winner)),
        ("no_quorum", _) => format!("Poll {question} closed without a quorum"),
        ("threshold_missed", _) => format!("Poll {question} closed: no option reached the threshold"),
        ("tied", _) => format!("Poll {question} closed in a tie"),
        _ => format!("Poll {question} closed with no votes"),
    };
    Ok(Audience::each(people, summary))
}

/// The people who organize `initiative`: its owner, or its organization's (or
/// department's) people who moderate.
async fn organizers(tx: &DatabaseTransaction, initiative: &resource::Model) -> Result<Vec<Uuid>, RuleError> {
    match initiative.org_id {
        None => Ok(vec![initiative.owner_id]),
        Some(org) => Ok(holders(
            tx,
            org,
            initiative.department_id,
            Permission::ModerateResources,
            MAX_TOLD,
        )
        .await?),
    }
}
