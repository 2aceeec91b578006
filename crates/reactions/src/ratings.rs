//! Ratings (RE3): a score of 1 to 5 with optional criteria (quality, punctuality,
//! communication), one per rater and target, the target a resource the rater may see or an
//! agent (a person, an organization, a department). Nobody rates themselves or what they made
//! or own. Rating again replaces the earlier rating.

use commons_core::db::Conn;
use commons_core::{Actor, AgentKind, agent, tenant, text};
use commons_orgs::service::access::active_writer;
use commons_resources::entity::resource;
use commons_resources::service::writing::live;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::Reactions;
use crate::entity::rating;
use crate::error::Error;

/// What a rater gives.
#[derive(Clone, Debug, Default)]
pub struct Rate {
    pub target_id: Uuid,
    pub score: i16,
    pub quality: Option<i16>,
    pub punctuality: Option<i16>,
    pub communication: Option<i16>,
    pub comment: Option<String>,
}

/// A target's ratings: how many, the average, how many of each score (1 to 5), and each
/// criterion's average where given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RatingSummary {
    pub target_id: Uuid,
    pub count: i64,
    pub average: Option<f64>,
    /// `distribution[0]` counts 1s, `distribution[4]` 5s.
    pub distribution: [i64; 5],
    pub quality: Option<f64>,
    pub punctuality: Option<f64>,
    pub communication: Option<f64>,
}

fn one_to_five(field: &'static str, value: Option<i16>) -> Result<Option<i16>, Error> {
    match value {
        Some(v) if !(1..=5).contains(&v) => Err(Error::Invalid {
            field,
            message: format!("{field} must be from 1 to 5"),
        }),
        other => Ok(other),
    }
}

impl Reactions {
    /// Rates a target, or changes the rater's earlier rating of it.
    pub async fn rate<C: Conn>(&self, db: &C, actor: &Actor, input: Rate) -> Result<rating::Model, Error> {
        let score = one_to_five("score", Some(input.score))?.unwrap_or(1);
        let quality = one_to_five("quality", input.quality)?;
        let punctuality = one_to_five("punctuality", input.punctuality)?;
        let communication = one_to_five("communication", input.communication)?;
        let comment = text::optional("comment", input.comment.as_deref(), 2000)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let rater = active_writer(&tx, actor).await?;
        self.check_target(&tx, actor, rater, input.target_id).await?;
        rating::Entity::insert(rating::ActiveModel {
            id: Set(commons_core::id::new()),
            rater_id: Set(rater),
            target_id: Set(input.target_id),
            score: Set(score),
            quality: Set(quality),
            punctuality: Set(punctuality),
            communication: Set(communication),
            comment: Set(comment),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([rating::Column::RaterId, rating::Column::TargetId])
                .update_columns([
                    rating::Column::Score,
                    rating::Column::Quality,
                    rating::Column::Punctuality,
                    rating::Column::Communication,
                    rating::Column::Comment,
                    rating::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
        let saved = rating::Entity::find()
            .filter(rating::Column::RaterId.eq(rater))
            .filter(rating::Column::TargetId.eq(input.target_id))
            .one(&tx)
            .await?
            .ok_or(Error::Gone("the rating was not saved"))?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The ratings of `ids` the actor gave (a single rating is its rater's; others see the
    /// summary).
    pub async fn ratings_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<rating::Model>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = rating::Entity::find()
            .filter(rating::Column::Id.is_in(ids.iter().copied()))
            .filter(rating::Column::RaterId.eq(me))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The ratings of a resource the actor may see, or of an agent.
    pub async fn rating_summary<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        target_id: Uuid,
    ) -> Result<RatingSummary, Error> {
        let tx = tenant::read(db, actor).await?;
        if agent::kinds(&tx, &[target_id]).await?.is_empty() {
            live(&tx, actor, target_id).await?;
        }
        let groups: Vec<ScoreGroup> = rating::Entity::find()
            .select_only()
            .column(rating::Column::Score)
            .column_as(rating::Column::Id.count(), "n")
            .column_as(sum_as_float(rating::Column::Quality), "q")
            .column_as(sum_as_float(rating::Column::Punctuality), "p")
            .column_as(sum_as_float(rating::Column::Communication), "c")
            .filter(rating::Column::TargetId.eq(target_id))
            .group_by(rating::Column::Score)
            .into_tuple()
            .all(&tx)
            .await?;
        // How many gave each criterion, for its average.
        let given: Vec<(i64, i64, i64)> = rating::Entity::find()
            .select_only()
            .column_as(rating::Column::Quality.count(), "q")
            .column_as(rating::Column::Punctuality.count(), "p")
            .column_as(rating::Column::Communication.count(), "c")
            .filter(rating::Column::TargetId.eq(target_id))
            .into_tuple()
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut summary = RatingSummary {
            target_id,
            ..RatingSummary::default()
        };
        let (mut total, mut sums) = (0i64, [0f64; 3]);
        for (score, n, q, p, c) in groups {
            if let Ok(index) = usize::try_from(score - 1)
                && index < 5
            {
                summary.distribution[index] = n;
            }
            summary.count += n;
            total += i64::from(score) * n;
            for (sum, part) in sums.iter_mut().zip([q, p, c]) {
                *sum += part.unwrap_or(0.0);
            }
        }
        let average = |sum: f64, n: i64| (n > 0).then(|| sum / n as f64);
        summary.average = average(total as f64, summary.count);
        let (nq, np, nc) = given.first().copied().unwrap_or_default();
        summary.quality = average(sums[0], nq);
        summary.punctuality = average(sums[1], np);
        summary.communication = average(sums[2], nc);
        Ok(summary)
    }

    /// A target exists for the rater and is not theirs: a person other than them, an
    /// organization or department, or a resource they may see and neither made nor own.
    async fn check_target(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        rater: Uuid,
        target: Uuid,
    ) -> Result<(), Error> {
        if target == rater {
            return Err(Error::NotAllowed("nobody rates themselves"));
        }
        match agent::kinds(tx, &[target]).await?.get(&target) {
            Some(AgentKind::User | AgentKind::Organization | AgentKind::Department) => Ok(()),
            None => {
                let found: resource::Model = live(tx, actor, target).await?;
                if found.creator_id == rater || found.owner_id == rater {
                    return Err(Error::NotAllowed("nobody rates what they made or own"));
                }
                Ok(())
            }
        }
    }
}

/// One score's count, with the sums of each criterion among its ratings.
type ScoreGroup = (i16, i64, Option<f64>, Option<f64>, Option<f64>);

/// `SUM(column)` as a float on both databases.
fn sum_as_float(column: rating::Column) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    Func::sum(Expr::col(column).cast_as("DOUBLE PRECISION")).into()
}
