//! Points (ID4 bonuses; GV4 builds on them): a ledger of awards, each given at most once per
//! (user, reason, source), so replaying what caused it pays nothing twice.

use commons_core::Timestamp;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{point_award, point_total};
use crate::error::Error;

/// Why points were given, as stored.
pub mod reason {
    pub const SIGNUP_BONUS: &str = "signup_bonus";
    pub const REFERRAL: &str = "referral";
}

/// Gives `amount` points to `user_id` in the caller's transaction. Returns false when this
/// (user, reason, source) was already paid.
pub async fn award(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    amount: i64,
    reason: &str,
    source_id: Uuid,
    now: Timestamp,
) -> Result<bool, Error> {
    if amount == 0 {
        return Ok(false);
    }
    let inserted = point_award::Entity::insert(point_award::ActiveModel {
        id: Set(commons_core::id::new()),
        user_id: Set(user_id),
        amount: Set(amount),
        reason: Set(reason.to_owned()),
        source_id: Set(source_id),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            point_award::Column::UserId,
            point_award::Column::Reason,
            point_award::Column::SourceId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 0 {
        return Ok(false);
    }
    // The running total, for leaderboards (GV4), moved in the same transaction.
    point_total::Entity::insert(point_total::ActiveModel {
        user_id: Set(user_id),
        points: Set(amount),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(point_total::Column::UserId)
            .value(
                point_total::Column::Points,
                Expr::col((point_total::Entity, point_total::Column::Points)).add(amount),
            )
            .value(point_total::Column::UpdatedAt, Expr::value(now))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(true)
}

/// The points `user_id` holds, optionally only those given for `reason`.
pub async fn total(db: &impl ConnectionTrait, user_id: Uuid, reason: Option<&str>) -> Result<i64, Error> {
    let mut query = point_award::Entity::find()
        .select_only()
        // SUM of bigint is numeric on PostgreSQL; cast it back so both databases hand out i64.
        .column_as(Expr::cust("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"), "total")
        .filter(point_award::Column::UserId.eq(user_id));
    if let Some(reason) = reason {
        query = query.filter(point_award::Column::Reason.eq(reason));
    }
    let total: Option<i64> = query.into_tuple().one(db).await?;
    Ok(total.unwrap_or(0))
}
