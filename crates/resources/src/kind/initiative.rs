//! Initiatives (GV1): a project people join and work on together, with a place, a category,
//! dates and a funding goal. Being a resource kind, visibility, reactions, comments, ratings,
//! search, distance and moderation apply to it as to every kind; its lifecycle, participants
//! and tasks are the governance crate's. A person creates one only as an approved organizer
//! (an account kind that needs approval, approved); an organization through its people who
//! create resources there.

use commons_core::{Timestamp, money, text};
use rand::Rng;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::entity::initiative::{self, InitiativeStatus};
use crate::error::Error;
use crate::geo::Location;

pub const KIND: &str = "initiative";

const MAX_PARTICIPANTS: i32 = 1_000_000;
/// Letters and digits that cannot be mistaken for one another when read off a poster.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LENGTH: usize = 10;

#[derive(Clone, Debug)]
pub struct InitiativeInput {
    pub category: String,
    pub place: Option<String>,
    /// Where it happens, for distance search.
    pub location: Option<Location>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    /// A funding goal, in minor units of `currency`.
    pub goal_minor: Option<i64>,
    pub currency: Option<String>,
    pub max_participants: Option<i32>,
}

/// A fresh join code: 10 of 32 characters, 50 bits, unique by the table's index.
pub fn join_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

impl InitiativeInput {
    /// The initiative's own fields; its status, code and count are left as they are.
    fn checked(self, resource_id: Uuid) -> Result<initiative::ActiveModel, Error> {
        let category = text::required("category", &self.category, 64)?.to_lowercase();
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at)
            && ends < starts
        {
            return Err(Error::invalid(
                "endsAt",
                "an initiative cannot end before it starts",
            ));
        }
        if self
            .max_participants
            .is_some_and(|m| !(1..=MAX_PARTICIPANTS).contains(&m))
        {
            return Err(Error::invalid(
                "maxParticipants",
                format!("maxParticipants is between 1 and {MAX_PARTICIPANTS}, or absent for no limit"),
            ));
        }
        let currency = match (self.goal_minor, self.currency.as_deref()) {
            (None, None) => None,
            (Some(goal), Some(code)) if goal > 0 => Some(
                money::currency(code)
                    .ok_or_else(|| Error::invalid("currency", "currency is an ISO 4217 code, like KZT"))?,
            ),
            (Some(_), Some(_)) => {
                return Err(Error::invalid("goalMinor", "a funding goal is more than zero"));
            }
            _ => {
                return Err(Error::invalid(
                    "currency",
                    "a funding goal needs its currency, and a currency its goal",
                ));
            }
        };
        Ok(initiative::ActiveModel {
            resource_id: Set(resource_id),
            status: NotSet,
            category: Set(category),
            place: Set(text::optional("place", self.place.as_deref(), 500)?),
            starts_at: Set(self.starts_at),
            ends_at: Set(self.ends_at),
            goal_minor: Set(self.goal_minor),
            currency: Set(currency),
            max_participants: Set(self.max_participants),
            join_code: NotSet,
            participant_count: NotSet,
        })
    }

    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<initiative::Model, Error> {
        let mut row = self.checked(resource_id)?;
        row.status = Set(InitiativeStatus::Draft);
        row.join_code = Set(join_code());
        row.participant_count = Set(0);
        Ok(row.insert(db).await?)
    }

    /// Replaces the initiative's fields, keeping its status, code and participants: never
    /// fewer places than have joined.
    pub(crate) async fn replace(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<initiative::Model, Error> {
        let joined = initiative::Entity::find_by_id(resource_id)
            .one(db)
            .await?
            .map_or(0, |i| i.participant_count);
        if self.max_participants.is_some_and(|m| m < joined) {
            return Err(Error::invalid(
                "maxParticipants",
                format!("{joined} people have joined already"),
            ));
        }
        Ok(self.checked(resource_id)?.update(db).await?)
    }
}
