//! GV3: polls on an initiative (its organizers put them) or for an organization or one of
//! its departments (its people who moderate put them). A poll opens and closes at set times
//! by the injectable clock; who may vote is its eligibility. Ballots are in `ballots.rs`, the
//! count and the outcome in `outcome.rs`.

use std::collections::{HashMap, HashSet};

use chrono::SubsecRound;

use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, AskOnce, Cursor, Page, PageRequest, Timestamp, tenant, text};
use commons_orgs::Permission;
use commons_orgs::entity::{department, department_member, membership};
use commons_orgs::service::access::{access_in, active_writer};
use commons_resources::entity::initiative::InitiativeStatus;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::Governance;
use crate::entity::participant;
use crate::entity::poll::{self, Eligibility, PollKind};
use crate::entity::poll_option;
use crate::error::Error;

pub(crate) const MAX_OPTIONS: usize = 20;
const MAX_LABEL: usize = 200;
/// The longest a poll stays open.
const MAX_OPEN_DAYS: i64 = 366;

/// A question to put to a vote.
#[derive(Clone, Debug)]
pub struct CreatePoll {
    /// The initiative it decides for; or else `organization_id`.
    pub initiative_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// A department of the organization, for a department's decision.
    pub department_id: Option<Uuid>,
    pub question: String,
    pub description: Option<String>,
    pub kind: PollKind,
    /// The answers (2 to 20); a yes/no poll has its own three and takes none.
    pub options: Vec<String>,
    pub eligibility: Eligibility,
    /// Now when absent.
    pub opens_at: Option<Timestamp>,
    pub closes_at: Timestamp,
    pub quorum: Option<i32>,
    pub threshold_percent: Option<i16>,
    pub changeable: bool,
    pub results_hidden: bool,
    pub public_ballots: bool,
}

/// Where a poll is by the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollStatus {
    /// Not open yet.
    Scheduled,
    Open,
    Closed,
}

/// Where `poll` is at `now`: closed at its closing time, or when closed early.
pub fn status_at(poll: &poll::Model, now: Timestamp) -> PollStatus {
    if poll.outcome.is_some() || now >= poll.closes_at {
        PollStatus::Closed
    } else if now < poll.opens_at {
        PollStatus::Scheduled
    } else {
        PollStatus::Open
    }
}

/// Whether `poll`'s counts are shown at `now`: once closed, or all along unless hidden.
pub fn results_shown(poll: &poll::Model, now: Timestamp) -> bool {
    !poll.results_hidden || status_at(poll, now) == PollStatus::Closed
}

impl Governance {
    /// Puts a question to a vote: on an initiative by its organizers, for an organization
    /// (or department) by its people who moderate.
    pub async fn create_poll<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreatePoll,
    ) -> Result<(poll::Model, Vec<poll_option::Model>), Error> {
        let question = text::required("question", &input.question, 500)?;
        let description = text::optional("description", input.description.as_deref(), 5000)?;
        let labels = option_labels(input.kind, &input.options)?;
        let now = self.now();
        // PostgreSQL keeps microseconds: compare what will be stored.
        let opens_at = input.opens_at.unwrap_or(now).trunc_subsecs(6);
        let closes_at = input.closes_at.trunc_subsecs(6);
        if closes_at <= opens_at {
            return Err(Error::invalid("closesAt", "a poll closes after it opens"));
        }
        if closes_at <= now {
            return Err(Error::invalid("closesAt", "the closing time has passed already"));
        }
        if closes_at - opens_at > chrono::Duration::days(MAX_OPEN_DAYS) {
            return Err(Error::invalid(
                "closesAt",
                format!("a poll stays open at most {MAX_OPEN_DAYS} days"),
            ));
        }
        if input.quorum.is_some_and(|q| !(1..=1_000_000).contains(&q)) {
            return Err(Error::invalid("quorum", "a quorum is 1 to 1,000,000 ballots"));
        }
        if input.threshold_percent.is_some_and(|t| !(1..=100).contains(&t)) {
            return Err(Error::invalid(
                "thresholdPercent",
                "a threshold is 1 to 100 percent",
            ));
        }
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let (initiative_id, org_id, department_id) = match (input.initiative_id, input.organization_id) {
            (Some(initiative), None) => {
                let seen = self.seen(&tx, actor, initiative).await?;
                self.require_organizer(
                    &tx,
                    actor,
                    &seen.resource,
                    "only the initiative's organizers put its polls",
                )
                .await?;
                if matches!(
                    seen.initiative.status,
                    InitiativeStatus::Completed | InitiativeStatus::Cancelled
                ) {
                    return Err(Error::InitiativeClosed {
                        status: seen.initiative.status,
                        what: "it takes no more polls",
                    });
                }
                require_department_of(&tx, seen.resource.org_id, input.department_id).await?;
                let department = input.department_id.or(seen.resource.department_id);
                (Some(initiative), seen.resource.org_id, department)
            }
            (None, Some(org)) => {
                require_department_of(&tx, Some(org), input.department_id).await?;
                // A department's managers moderate there; the organization's moderators
                // everywhere in it.
                let access = access_in(&tx, actor, org, input.department_id).await?;
                if !access.allows(Permission::ModerateResources) {
                    return Err(Error::NotAllowed(
                        "only the organization's people who moderate put its polls",
                    ));
                }
                (None, Some(org), input.department_id)
            }
            _ => {
                return Err(Error::invalid(
                    "initiativeId",
                    "a poll is on an initiative or for an organization: give one of the two",
                ));
            }
        };
        match input.eligibility {
            Eligibility::Members if org_id.is_none() => {
                return Err(Error::invalid(
                    "eligibility",
                    "this initiative has no organization whose members could vote",
                ));
            }
            Eligibility::Department if department_id.is_none() => {
                return Err(Error::invalid(
                    "departmentId",
                    "name the department whose members vote",
                ));
            }
            Eligibility::Participants if initiative_id.is_none() => {
                return Err(Error::invalid(
                    "eligibility",
                    "only a poll on an initiative is for its participants",
                ));
            }
            _ => {}
        }
        let made = poll::ActiveModel {
            id: Set(commons_core::id::new()),
            initiative_id: Set(initiative_id),
            org_id: Set(org_id),
            department_id: Set(department_id),
            question: Set(question),
            description: Set(description),
            kind: Set(input.kind),
            eligibility: Set(input.eligibility),
            opens_at: Set(opens_at),
            closes_at: Set(closes_at),
            quorum: Set(input.quorum),
            threshold_percent: Set(input.threshold_percent),
            changeable: Set(input.changeable),
            results_hidden: Set(input.results_hidden),
            public_ballots: Set(input.public_ballots),
            outcome: Set(None),
            winner_id: Set(None),
            ballot_total: Set(None),
            decided_at: Set(None),
            created_by: Set(me),
            created_at: Set(now),
        }
        .insert(&tx)
        .await?;
        let mut options = Vec::with_capacity(labels.len());
        for (position, (label, abstain)) in labels.into_iter().enumerate() {
            let option = poll_option::ActiveModel {
                id: Set(commons_core::id::new()),
                poll_id: Set(made.id),
                position: Set(position as i16),
                label: Set(label),
                abstain: Set(abstain),
            }
            .insert(&tx)
            .await?;
            options.push(option);
        }
        tx.commit().await?;
        Ok((made, options))
    }

    /// The polls of `ids` the actor may see.
    pub async fn polls_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<poll::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = poll::Entity::find()
            .filter(poll::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let visible = self.visible_polls(&tx, actor, rows).await?;
        tx.commit().await?;
        Ok(visible)
    }

    /// The polls on an initiative, or for an organization, newest first.
    pub async fn polls<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        on: PollsOf,
        page: &PageRequest,
    ) -> Result<Page<poll::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let select = match on {
            // An initiative's polls are seen by whoever sees it.
            PollsOf::Initiative(id) => {
                self.seen(&tx, actor, id).await?;
                poll::Entity::find().filter(poll::Column::InitiativeId.eq(id))
            }
            // Its own decisions (its initiatives' polls are listed on each initiative): all of
            // them for its members, those everyone signed in votes in for anyone else signed in.
            PollsOf::Organization(id) => {
                let access = access_in(&tx, actor, id, None).await?;
                let select = poll::Entity::find()
                    .filter(poll::Column::OrgId.eq(id))
                    .filter(poll::Column::InitiativeId.is_null());
                match (access.is_member(), actor.user_id()) {
                    (true, _) => select,
                    (false, Some(_)) => select.filter(poll::Column::Eligibility.eq(Eligibility::SignedIn)),
                    (false, None) => {
                        tx.commit().await?;
                        return Ok(Page::empty());
                    }
                }
            }
        };
        let found = page::fetch(&tx, select, Keyset::newest_first(poll::Column::Id), page, |p| {
            Cursor::by_id(p.id)
        })
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The options of the polls of `ids` the actor may see, in order.
    pub async fn poll_options<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<poll_option::Model>>, Error> {
        let seen: Vec<Uuid> = self
            .polls_by_ids(db, actor, ids)
            .await?
            .iter()
            .map(|p| p.id)
            .collect();
        let tx = tenant::read(db, actor).await?;
        let options = options_of(&tx, &seen).await?;
        tx.commit().await?;
        Ok(options)
    }

    /// The options of `ids` whose polls the actor may see.
    pub async fn poll_options_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<poll_option::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = poll_option::Entity::find()
            .filter(poll_option::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        tx.commit().await?;
        let polls: Vec<Uuid> = rows.iter().map(|o| o.poll_id).collect();
        let seen: HashSet<Uuid> = self
            .polls_by_ids(db, actor, &polls)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        Ok(rows.into_iter().filter(|o| seen.contains(&o.poll_id)).collect())
    }

    /// Of the polls of `ids`, those the actor may vote in now (eligible, and open).
    pub async fn may_vote<C: Conn>(&self, db: &C, actor: &Actor, ids: &[Uuid]) -> Result<Vec<Uuid>, Error> {
        if actor.user_id().is_none() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let tx = tenant::read(db, actor).await?;
        let rows = poll::Entity::find()
            .filter(poll::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let open: Vec<poll::Model> = self
            .visible_polls(&tx, actor, rows)
            .await?
            .into_iter()
            .filter(|p| status_at(p, now) == PollStatus::Open)
            .collect();
        let eligible = eligible_among(&tx, actor, &open).await?;
        tx.commit().await?;
        Ok(eligible)
    }

    /// The poll `id` if the actor may see it.
    pub(crate) async fn poll_seen(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        id: Uuid,
    ) -> Result<poll::Model, Error> {
        let found = poll::Entity::find_by_id(id)
            .one(tx)
            .await?
            .ok_or(Error::PollNotFound)?;
        self.require_visible(tx, actor, found).await
    }

    /// `found` if the actor may see it; to anyone else it does not exist.
    pub(crate) async fn require_visible(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        found: poll::Model,
    ) -> Result<poll::Model, Error> {
        self.visible_polls(tx, actor, vec![found])
            .await?
            .pop()
            .ok_or(Error::PollNotFound)
    }

    /// Refuses anyone but those who put polls where `poll` is.
    pub(crate) async fn require_poll_organizer(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        poll: &poll::Model,
    ) -> Result<(), Error> {
        let what = "only those who put the poll close it";
        if let Some(initiative) = poll.initiative_id {
            let seen = self.seen(tx, actor, initiative).await?;
            return self.require_organizer(tx, actor, &seen.resource, what).await;
        }
        let Some(org) = poll.org_id else {
            return Err(Error::NotAllowed(what));
        };
        let access = access_in(tx, actor, org, poll.department_id).await?;
        if access.allows(Permission::ModerateResources) {
            Ok(())
        } else {
            Err(Error::NotAllowed(what))
        }
    }

    /// Of `polls`, those the actor may see: an initiative's for whoever sees the initiative;
    /// an organization's for its members, and for everyone signed in where they all vote.
    async fn visible_polls(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        polls: Vec<poll::Model>,
    ) -> Result<Vec<poll::Model>, Error> {
        let initiatives: Vec<Uuid> = polls.iter().filter_map(|p| p.initiative_id).collect();
        let seen: HashSet<Uuid> = self
            .visible_initiatives(tx, actor, &initiatives)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let mut member_of = AskOnce::default();
        let mut visible = Vec::with_capacity(polls.len());
        for poll in polls {
            let shown = match (poll.initiative_id, poll.org_id) {
                (Some(initiative), _) => seen.contains(&initiative),
                (None, _) if poll.eligibility == Eligibility::SignedIn && actor.user_id().is_some() => true,
                (None, Some(org)) => {
                    member_of
                        .get(org, async |org| match access_in(tx, actor, org, None).await {
                            Ok(access) => Ok(access.is_member()),
                            Err(commons_orgs::Error::OrganizationNotFound) => Ok(false),
                            Err(e) => Err(Error::from(e)),
                        })
                        .await?
                }
                (None, None) => false,
            };
            if shown {
                visible.push(poll);
            }
        }
        Ok(visible)
    }
}

/// The options of the polls of `ids` by poll, in order, whoever may see them (the caller has
/// checked).
pub(crate) async fn options_of(
    tx: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<poll_option::Model>>, Error> {
    let rows = poll_option::Entity::find()
        .filter(poll_option::Column::PollId.is_in(ids.iter().copied()))
        .order_by_asc(poll_option::Column::Position)
        .all(tx)
        .await?;
    Ok(crate::grouped(rows, |o| (o.poll_id, o)))
}

/// Where polls are listed.
#[derive(Clone, Copy, Debug)]
pub enum PollsOf {
    Initiative(Uuid),
    Organization(Uuid),
}

/// Of `polls`, those the signed-in actor is eligible to vote in: one query per kind of
/// eligibility, whatever the number of polls.
pub(crate) async fn eligible_among(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    polls: &[poll::Model],
) -> Result<Vec<Uuid>, Error> {
    let Some(me) = actor.user_id() else {
        return Ok(Vec::new());
    };
    let wanted = |eligibility: Eligibility, key: fn(&poll::Model) -> Option<Uuid>| -> Vec<Uuid> {
        polls
            .iter()
            .filter(|p| p.eligibility == eligibility)
            .filter_map(key)
            .collect()
    };
    let orgs = wanted(Eligibility::Members, |p| p.org_id);
    let member_of: HashSet<Uuid> = if orgs.is_empty() {
        HashSet::new()
    } else {
        membership::Entity::find()
            .filter(membership::Column::UserId.eq(me))
            .filter(membership::Column::OrgId.is_in(orgs))
            .all(tx)
            .await?
            .into_iter()
            .filter(|m| m.role.is_member())
            .map(|m| m.org_id)
            .collect()
    };
    let departments = wanted(Eligibility::Department, |p| p.department_id);
    let in_department: HashSet<Uuid> = if departments.is_empty() {
        HashSet::new()
    } else {
        department_member::Entity::find()
            .filter(department_member::Column::UserId.eq(me))
            .filter(department_member::Column::DepartmentId.is_in(departments))
            .all(tx)
            .await?
            .into_iter()
            .map(|d| d.department_id)
            .collect()
    };
    let initiatives = wanted(Eligibility::Participants, |p| p.initiative_id);
    let joined: HashSet<Uuid> = if initiatives.is_empty() {
        HashSet::new()
    } else {
        participant::Entity::find()
            .filter(participant::Column::UserId.eq(me))
            .filter(participant::Column::InitiativeId.is_in(initiatives))
            .all(tx)
            .await?
            .into_iter()
            .map(|p| p.initiative_id)
            .collect()
    };
    let is_in = |set: &HashSet<Uuid>, key: Option<Uuid>| key.is_some_and(|k| set.contains(&k));
    Ok(polls
        .iter()
        .filter(|p| match p.eligibility {
            Eligibility::SignedIn => true,
            Eligibility::Members => is_in(&member_of, p.org_id),
            Eligibility::Department => is_in(&in_department, p.department_id),
            Eligibility::Participants => is_in(&joined, p.initiative_id),
        })
        .map(|p| p.id)
        .collect())
}

/// Refuses a department that is not `org`'s.
async fn require_department_of(
    tx: &impl ConnectionTrait,
    org: Option<Uuid>,
    department: Option<Uuid>,
) -> Result<(), Error> {
    let Some(department) = department else {
        return Ok(());
    };
    let found = match org {
        Some(org) => {
            department::Entity::find_by_id(department)
                .filter(department::Column::OrgId.eq(org))
                .one(tx)
                .await?
        }
        None => None,
    };
    match found {
        Some(_) => Ok(()),
        None => Err(Error::invalid(
            "departmentId",
            "no such department in this organization",
        )),
    }
}

/// Why `eligibility` refuses someone, in words.
pub(crate) fn not_eligible(eligibility: Eligibility) -> Error {
    Error::NotAllowed(match eligibility {
        Eligibility::Members => "only the organization's members vote in this poll",
        Eligibility::Department => "only the department's members vote in this poll",
        Eligibility::Participants => "only the initiative's participants vote in this poll",
        Eligibility::SignedIn => "sign in to vote",
    })
}

/// The options a poll of `kind` offers, checked: a yes/no poll's own three, or 2 to 20
/// distinct labels.
fn option_labels(kind: PollKind, given: &[String]) -> Result<Vec<(String, bool)>, Error> {
    if kind == PollKind::YesNo {
        if !given.is_empty() {
            return Err(Error::invalid(
                "options",
                "a yes/no poll has its own options (yes, no, abstain): give none",
            ));
        }
        return Ok(vec![
            ("Yes".into(), false),
            ("No".into(), false),
            ("Abstain".into(), true),
        ]);
    }
    if !(2..=MAX_OPTIONS).contains(&given.len()) {
        return Err(Error::invalid(
            "options",
            format!("a poll offers 2 to {MAX_OPTIONS} options"),
        ));
    }
    let mut seen = HashSet::new();
    let mut labels = Vec::with_capacity(given.len());
    for label in given {
        let label = text::required("options", label, MAX_LABEL)?;
        if !seen.insert(label.to_lowercase()) {
            return Err(Error::invalid(
                "options",
                format!("the option “{label}” is given twice"),
            ));
        }
        labels.push((label, false));
    }
    Ok(labels)
}
