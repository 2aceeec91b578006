//! GV3: casting ballots. One ballot per poll and voter, held by a unique index: the ballot
//! row is upserted, so however many casts arrive at once a voter has one ballot. A cast
//! holds a shared lock on its poll's row, and closing takes the row for update, so every
//! ballot is either counted in the recorded outcome or refused as late.

use std::collections::{HashMap, HashSet};

use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, tenant};
use commons_orgs::service::access::active_writer;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::Governance;
use crate::entity::poll::{self, PollKind};
use crate::entity::{ballot, ballot_choice, poll_option};
use crate::error::Error;
use crate::polls::{PollStatus, eligible_among, not_eligible, results_shown, status_at};

/// A ballot with the options it chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub ballot: ballot::Model,
    pub choices: Vec<Uuid>,
}

impl Governance {
    /// Casts the actor's ballot. Casting the same choices again is a retry and finds the
    /// ballot; other choices replace it where the poll lets ballots change, and are refused
    /// where it does not.
    pub async fn cast_ballot<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        poll_id: Uuid,
        option_ids: &[Uuid],
    ) -> Result<Ballot, Error> {
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        // Read with a lock shared with other voters, exclusive of closing (see the module's
        // note), then checked as the actor; the clock is read once the lock is held, so a cast
        // that waited is judged by when it goes in. (Locked as the system: a lock is a write to
        // row level security, and only the system changes polls.)
        tenant::act_as(&tx, &Actor::System).await?;
        let locked = poll::Entity::find_by_id(poll_id)
            .lock_shared()
            .one(&tx)
            .await?
            .ok_or(Error::PollNotFound)?;
        tenant::act_as(&tx, actor).await?;
        let found = self.require_visible(&tx, actor, locked).await?;
        let now = self.now();
        match status_at(&found, now) {
            PollStatus::Scheduled => {
                return Err(Error::PollNotOpen {
                    opens_at: found.opens_at,
                });
            }
            PollStatus::Closed => return Err(Error::PollClosed),
            PollStatus::Open => {}
        }
        if eligible_among(&tx, actor, std::slice::from_ref(&found))
            .await?
            .is_empty()
        {
            return Err(not_eligible(found.eligibility));
        }
        let choices = checked_choices(&tx, &found, option_ids).await?;
        let inserted = ballot::Entity::insert(ballot::ActiveModel {
            id: Set(commons_core::id::new()),
            poll_id: Set(poll_id),
            voter_id: Set(me),
            cast_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict({
            let mut conflict = OnConflict::columns([ballot::Column::PollId, ballot::Column::VoterId]);
            if found.changeable {
                // Takes the row's lock: two changes by one voter go one after the other.
                conflict.update_column(ballot::Column::UpdatedAt);
            } else {
                conflict.do_nothing();
            }
            conflict.to_owned()
        })
        .exec_without_returning(&tx)
        .await?;
        let mine = ballot::Entity::find()
            .filter(ballot::Column::PollId.eq(poll_id))
            .filter(ballot::Column::VoterId.eq(me))
            .one(&tx)
            .await?
            .ok_or(Error::PollNotFound)?;
        let before = choices_of(&tx, &[mine.id])
            .await?
            .remove(&mine.id)
            .unwrap_or_default();
        let same = before.iter().collect::<HashSet<_>>() == choices.iter().collect::<HashSet<_>>();
        if inserted == 0 && !found.changeable {
            if same {
                tx.commit().await?;
                return Ok(Ballot {
                    ballot: mine,
                    choices: before,
                });
            }
            return Err(Error::AlreadyVoted);
        }
        if !same {
            ballot_choice::Entity::delete_many()
                .filter(ballot_choice::Column::BallotId.eq(mine.id))
                .exec(&tx)
                .await?;
            ballot_choice::Entity::insert_many(choices.iter().map(|option| ballot_choice::ActiveModel {
                id: Set(commons_core::id::new()),
                ballot_id: Set(mine.id),
                poll_id: Set(poll_id),
                option_id: Set(*option),
            }))
            .exec_without_returning(&tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ballot {
            ballot: mine,
            choices,
        })
    }

    /// The actor's own ballots in the polls of `ids`.
    pub async fn my_ballots<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Ballot>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        let tx = tenant::read(db, actor).await?;
        let rows = ballot::Entity::find()
            .filter(ballot::Column::VoterId.eq(me))
            .filter(ballot::Column::PollId.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let ballot_ids: Vec<Uuid> = rows.iter().map(|b| b.id).collect();
        let mut choices = choices_of(&tx, &ballot_ids).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|b| {
                let chose = choices.remove(&b.id).unwrap_or_default();
                (
                    b.poll_id,
                    Ballot {
                        ballot: b,
                        choices: chose,
                    },
                )
            })
            .collect())
    }

    /// The ballots of `ids` the actor may see: their own, and others' in public polls whose
    /// counts are shown.
    pub async fn ballots_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<Ballot>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = ballot::Entity::find()
            .filter(ballot::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        tx.commit().await?;
        let me = actor.user_id();
        let others: Vec<Uuid> = rows
            .iter()
            .filter(|b| Some(b.voter_id) != me)
            .map(|b| b.poll_id)
            .collect();
        let now = self.now();
        let open_polls: HashSet<Uuid> = self
            .polls_by_ids(db, actor, &others)
            .await?
            .into_iter()
            .filter(|p| p.public_ballots && results_shown(p, now))
            .map(|p| p.id)
            .collect();
        let shown: Vec<ballot::Model> = rows
            .into_iter()
            .filter(|b| Some(b.voter_id) == me || open_polls.contains(&b.poll_id))
            .collect();
        let tx = tenant::read(db, actor).await?;
        let mut choices = choices_of(&tx, &shown.iter().map(|b| b.id).collect::<Vec<_>>()).await?;
        tx.commit().await?;
        Ok(shown
            .into_iter()
            .map(|b| {
                let chose = choices.remove(&b.id).unwrap_or_default();
                Ballot {
                    ballot: b,
                    choices: chose,
                }
            })
            .collect())
    }

    /// Who chose what in a public poll, earliest first, once its counts are shown. The
    /// ballots of a secret poll are their voters' alone.
    pub async fn public_ballots<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        poll_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Ballot>, Error> {
        let tx = tenant::read(db, actor).await?;
        let found = self.poll_seen(&tx, actor, poll_id).await?;
        if !found.public_ballots {
            return Err(Error::NotAllowed("the ballots of this poll are secret"));
        }
        if !results_shown(&found, self.now()) {
            return Err(Error::NotAllowed("this poll shows its ballots when it closes"));
        }
        let rows = page::fetch(
            &tx,
            ballot::Entity::find().filter(ballot::Column::PollId.eq(poll_id)),
            Keyset::oldest_first(ballot::Column::Id),
            page,
            |b| Cursor::by_id(b.id),
        )
        .await?;
        let ids: Vec<Uuid> = rows.edges.iter().map(|(_, b)| b.id).collect();
        let mut choices = choices_of(&tx, &ids).await?;
        tx.commit().await?;
        Ok(rows.map(|b| {
            let chose = choices.remove(&b.id).unwrap_or_default();
            Ballot {
                ballot: b,
                choices: chose,
            }
        }))
    }
}

/// The options of `ballots`, by ballot.
async fn choices_of(tx: &impl ConnectionTrait, ballots: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, Error> {
    if ballots.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid)> = ballot_choice::Entity::find()
        .select_only()
        .column(ballot_choice::Column::BallotId)
        .column(ballot_choice::Column::OptionId)
        .filter(ballot_choice::Column::BallotId.is_in(ballots.iter().copied()))
        .into_tuple()
        .all(tx)
        .await?;
    Ok(crate::grouped(rows, |pair| pair))
}

/// `option_ids` checked against the poll: its own options, none twice, one for a single
/// choice or yes/no poll, at least one for an approval poll.
async fn checked_choices(
    tx: &impl ConnectionTrait,
    found: &poll::Model,
    option_ids: &[Uuid],
) -> Result<Vec<Uuid>, Error> {
    if option_ids.len() > crate::polls::MAX_OPTIONS {
        return Err(Error::invalid("optionIds", "a poll has at most 20 options"));
    }
    let mut unique = Vec::with_capacity(option_ids.len());
    for id in option_ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    match (found.kind, unique.len()) {
        (_, 0) => return Err(Error::invalid("optionIds", "choose an option")),
        (PollKind::Single | PollKind::YesNo, n) if n > 1 => {
            return Err(Error::invalid("optionIds", "this poll takes one option"));
        }
        _ => {}
    }
    let offered: HashSet<Uuid> = poll_option::Entity::find()
        .select_only()
        .column(poll_option::Column::Id)
        .filter(poll_option::Column::PollId.eq(found.id))
        .into_tuple::<Uuid>()
        .all(tx)
        .await?
        .into_iter()
        .collect();
    if unique.iter().any(|id| !offered.contains(id)) {
        return Err(Error::invalid(
            "optionIds",
            "that option is not one of this poll's",
        ));
    }
    Ok(unique)
}
