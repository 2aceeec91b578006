//! GV3: counting a poll and recording what it decided. Counts are taken as the system (a
//! secret ballot is hidden from everyone else, row level security included) and shown only
//! as totals. The outcome is written once, by `UPDATE … WHERE outcome IS NULL`, either when
//! the organizers close a poll early or when the sweep finds it past its closing time; until
//! the sweep comes, a closed poll's outcome is worked out from the same counts, which no
//! ballot can change any more.

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, outbox, tenant};
use commons_orgs::service::access::active_writer;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Governance;
use crate::entity::poll::{self, Outcome};
use crate::entity::{ballot, ballot_choice, poll_option};
use crate::error::Error;
use crate::events::PollClosed;
use crate::polls::{PollStatus, options_of, results_shown, status_at};

/// How many polls one sweep closes; the next sweep takes the rest.
const SWEEP_BATCH: u64 = 100;

/// What a closed poll decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// The winning option when `outcome` is `Decided`.
    pub winner: Option<Uuid>,
}

/// A poll's counts: ballots cast and votes per option (every option, in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Results {
    pub ballots: i64,
    pub votes: Vec<(Uuid, i64)>,
    /// Once closed: what it decided, and when that was recorded (none until the sweep).
    pub decision: Option<(Decision, Option<Timestamp>)>,
}

/// What `ballots` ballots with `votes` per option decide under `poll`'s quorum and threshold.
/// Abstentions count for the quorum only. The leading option wins when no other has as
/// many and it has at least the threshold's share of the counted ballots (approval: of all
/// ballots); with no threshold the most votes win.
pub fn decide(
    poll: &poll::Model,
    options: &[poll_option::Model],
    ballots: i64,
    votes: &HashMap<Uuid, i64>,
) -> Decision {
    let none = |outcome| Decision {
        outcome,
        winner: None,
    };
    if poll.quorum.is_some_and(|q| ballots < i64::from(q)) {
        return none(Outcome::NoQuorum);
    }
    let count = |o: &poll_option::Model| votes.get(&o.id).copied().unwrap_or(0);
    let abstained: i64 = options.iter().filter(|o| o.abstain).map(count).sum();
    let counted = ballots - abstained;
    let mut ranked: Vec<(i64, Uuid)> = options
        .iter()
        .filter(|o| !o.abstain)
        .map(|o| (count(o), o.id))
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    let (top, winner) = match ranked.first() {
        Some(&(top, winner)) if top > 0 && counted > 0 => (top, winner),
        _ => return none(Outcome::NoVotes),
    };
    if ranked.get(1).is_some_and(|(second, _)| *second == top) {
        return none(Outcome::Tied);
    }
    if poll
        .threshold_percent
        .is_some_and(|t| top * 100 < i64::from(t) * counted)
    {
        return none(Outcome::ThresholdMissed);
    }
    Decision {
        outcome: Outcome::Decided,
        winner: Some(winner),
    }
}

impl Governance {
    /// Closes a poll before its time (those who put it): the outcome is recorded now.
    pub async fn close_poll<C: Conn>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<poll::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        active_writer(&tx, actor).await?;
        let found = self.poll_seen(&tx, actor, id).await?;
        self.require_poll_organizer(&tx, actor, &found).await?;
        if status_at(&found, now) == PollStatus::Closed {
            return Err(Error::PollClosed);
        }
        // Waits for the casts in flight (they hold the row shared); later ones find it closed.
        tenant::act_as(&tx, &Actor::System).await?;
        let moved = poll::Entity::update_many()
            .col_expr(
                poll::Column::ClosesAt,
                Expr::value(now.max(found.opens_at + chrono::Duration::seconds(1))),
            )
            .filter(poll::Column::Id.eq(id))
            .filter(poll::Column::Outcome.is_null())
            .filter(poll::Column::ClosesAt.gt(now))
            .exec(&tx)
            .await?;
        if moved.rows_affected == 0 {
            return Err(Error::PollClosed);
        }
        let closed = record(&tx, id, now).await?.ok_or(Error::PollClosed)?;
        tx.commit().await?;
        Ok(closed)
    }

    /// Records the outcome of every poll past its closing time (at most 100 a run). Every
    /// process may run it at once: each outcome is written once.
    pub async fn close_due_polls<C: Conn>(&self, db: &C) -> Result<u64, Error> {
        let now = self.now();
        let tx = tenant::read(db, &Actor::System).await?;
        let due: Vec<Uuid> = poll::Entity::find()
            .select_only()
            .column(poll::Column::Id)
            .filter(poll::Column::Outcome.is_null())
            .filter(poll::Column::ClosesAt.lte(now))
            .order_by_asc(poll::Column::ClosesAt)
            .limit(SWEEP_BATCH)
            .into_tuple()
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut closed = 0;
        for id in due {
            // One poll that cannot be recorded must not hold back the others.
            match close_one(db, id, now).await {
                Ok(true) => closed += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(poll = %id, error = %e, "recording a poll's outcome failed"),
            }
        }
        Ok(closed)
    }

    /// The counts of the polls of `ids` the actor may see, where they are shown (once
    /// closed, or all along unless the poll hides them), with the outcome once closed.
    pub async fn poll_results<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Results>, Error> {
        let now = self.now();
        let shown: Vec<poll::Model> = self
            .polls_by_ids(db, actor, ids)
            .await?
            .into_iter()
            .filter(|p| results_shown(p, now))
            .collect();
        if shown.is_empty() {
            return Ok(HashMap::new());
        }
        // Seen by the actor already: counted (and their options read) as the system.
        let shown_ids: Vec<Uuid> = shown.iter().map(|p| p.id).collect();
        let tx = tenant::read(db, &Actor::System).await?;
        let mut counts = counts(&tx, &shown_ids).await?;
        let mut options = options_of(&tx, &shown_ids).await?;
        tx.commit().await?;
        Ok(shown
            .into_iter()
            .map(|poll| {
                let (ballots, votes) = counts.remove(&poll.id).unwrap_or_default();
                let options = options.remove(&poll.id).unwrap_or_default();
                let decision = (status_at(&poll, now) == PollStatus::Closed).then(|| match poll.outcome {
                    Some(outcome) => (
                        Decision {
                            outcome,
                            winner: poll.winner_id,
                        },
                        poll.decided_at,
                    ),
                    None => (decide(&poll, &options, ballots, &votes), None),
                });
                let results = Results {
                    ballots: poll.ballot_total.map(i64::from).unwrap_or(ballots),
                    votes: options
                        .iter()
                        .map(|o| (o.id, votes.get(&o.id).copied().unwrap_or(0)))
                        .collect(),
                    decision,
                };
                (poll.id, results)
            })
            .collect())
    }
}

/// Records poll `id`'s outcome in a transaction of its own; `false` when it was recorded.
async fn close_one<C: Conn>(db: &C, id: Uuid, now: Timestamp) -> Result<bool, Error> {
    let tx = tenant::write(db, &Actor::System).await?;
    let recorded = record(&tx, id, now).await?.is_some();
    tx.commit().await?;
    Ok(recorded)
}

/// Ballots and votes per option of each poll of `ids` (two grouped queries).
async fn counts(
    tx: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (i64, HashMap<Uuid, i64>)>, Error> {
    let ballots: Vec<(Uuid, i64)> = ballot::Entity::find()
        .select_only()
        .column(ballot::Column::PollId)
        .column_as(ballot::Column::Id.count(), "n")
        .filter(ballot::Column::PollId.is_in(ids.iter().copied()))
        .group_by(ballot::Column::PollId)
        .into_tuple()
        .all(tx)
        .await?;
    let votes: Vec<(Uuid, Uuid, i64)> = ballot_choice::Entity::find()
        .select_only()
        .column(ballot_choice::Column::PollId)
        .column(ballot_choice::Column::OptionId)
        .column_as(ballot_choice::Column::Id.count(), "n")
        .filter(ballot_choice::Column::PollId.is_in(ids.iter().copied()))
        .group_by(ballot_choice::Column::PollId)
        .group_by(ballot_choice::Column::OptionId)
        .into_tuple()
        .all(tx)
        .await?;
    let mut by_poll: HashMap<Uuid, (i64, HashMap<Uuid, i64>)> = HashMap::new();
    for (poll, n) in ballots {
        by_poll.entry(poll).or_default().0 = n;
    }
    for (poll, option, n) in votes {
        by_poll.entry(poll).or_default().1.insert(option, n);
    }
    Ok(by_poll)
}

/// Counts poll `id` and writes its outcome if nobody has (the transaction acts as the
/// system); `None` when it was recorded already. Tells the voters.
async fn record(tx: &impl ConnectionTrait, id: Uuid, now: Timestamp) -> Result<Option<poll::Model>, Error> {
    tenant::act_as(tx, &Actor::System).await?;
    // The row lock first, so no ballot is cast between the count and the write.
    let Some(found) = poll::Entity::find_by_id(id)
        .filter(poll::Column::Outcome.is_null())
        .lock_exclusive()
        .one(tx)
        .await?
    else {
        return Ok(None);
    };
    let options = options_of(tx, &[id]).await?.remove(&id).unwrap_or_default();
    let (ballots, votes) = counts(tx, &[id]).await?.remove(&id).unwrap_or_default();
    let decision = decide(&found, &options, ballots, &votes);
    let ballot_total = i32::try_from(ballots).unwrap_or(i32::MAX);
    let written = poll::Entity::update_many()
        .col_expr(poll::Column::Outcome, Expr::value(decision.outcome))
        .col_expr(poll::Column::WinnerId, Expr::value(decision.winner))
        .col_expr(poll::Column::BallotTotal, Expr::value(ballot_total))
        .col_expr(poll::Column::DecidedAt, Expr::value(now))
        .filter(poll::Column::Id.eq(id))
        .filter(poll::Column::Outcome.is_null())
        .exec(tx)
        .await?;
    if written.rows_affected == 0 {
        return Ok(None);
    }
    let winner = decision
        .winner
        .and_then(|w| options.iter().find(|o| o.id == w))
        .map(|o| o.label.clone());
    let event = PollClosed {
        poll: id,
        question: found.question.clone(),
        outcome: decision.outcome.to_value(),
        winner,
        org: found.org_id,
    };
    outbox::append(tx, &Actor::System, &event, now).await?;
    Ok(Some(poll::Model {
        outcome: Some(decision.outcome),
        winner_id: decision.winner,
        ballot_total: Some(ballot_total),
        decided_at: Some(now),
        ..found
    }))
}
