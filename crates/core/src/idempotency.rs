//! Replay-safe creation (GW7, and payments' keys): a client names a creating request with a
//! key of its own; the same person sending the same key again gets the first result, and
//! nothing is created twice; the same key with another request is refused.
//!
//! A key is claimed inside the transaction that creates, and records what was created in
//! it, so the two commit together or not at all: a request cut short leaves no key behind,
//! and its replay simply runs. Two replays at once meet on the unique `(actor_id, key)`: on
//! PostgreSQL the second waits for the first to commit and then finds its result; SQLite
//! writes one transaction at a time.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use crate::Timestamp;

/// How long a key holds: at least the day promised to clients, with room for clocks and
/// clients that retry late.
pub fn retention() -> chrono::Duration {
    chrono::Duration::hours(48)
}

const MAX_KEY: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub actor_id: Uuid,
    /// The client's own name for the request; unique per actor.
    pub key: String,
    /// What was asked: `createOrder`.
    pub operation: String,
    /// A digest of the request's input, to tell a replay from a reused key.
    pub fingerprint: String,
    /// What the first request created; set in its transaction.
    pub result_id: Option<Uuid>,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One keyed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub actor_id: Uuid,
    pub key: String,
    pub operation: String,
    pub fingerprint: String,
}

/// What a claim found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// The key is new (or expired): run the request, then [`complete`] it.
    First,
    /// The request ran before and created this.
    Replay(Uuid),
}

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("{0}")]
    Invalid(&'static str),
    #[error("this idempotency key was used for another request; use a new key for a new request")]
    Reused,
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl crate::CodedError for IdempotencyError {
    fn code(&self) -> crate::ErrorCode {
        match self {
            IdempotencyError::Invalid(_) => crate::ErrorCode::BadUserInput,
            IdempotencyError::Reused => crate::ErrorCode::Conflict,
            IdempotencyError::Db(_) => crate::ErrorCode::Internal,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            IdempotencyError::Db(_) => None,
            _ => Some("idempotencyKey"),
        }
    }
}

/// Claims `request`'s key inside the creating transaction `tx`.
pub async fn claim(
    tx: &impl ConnectionTrait,
    request: &Request,
    now: Timestamp,
) -> Result<Claimed, IdempotencyError> {
    let key = request.key.as_str();
    if key.is_empty() || key.chars().count() > MAX_KEY {
        return Err(IdempotencyError::Invalid(
            "an idempotency key is 1 to 200 characters",
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(IdempotencyError::Invalid(
            "an idempotency key has no control characters",
        ));
    }
    let inserted = Entity::insert(ActiveModel {
        id: Set(crate::id::new()),
        actor_id: Set(request.actor_id),
        key: Set(request.key.clone()),
        operation: Set(request.operation.clone()),
        fingerprint: Set(request.fingerprint.clone()),
        result_id: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([Column::ActorId, Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    if inserted == 1 {
        return Ok(Claimed::First);
    }
    let found = Entity::find()
        .filter(Column::ActorId.eq(request.actor_id))
        .filter(Column::Key.eq(key))
        .one(tx)
        .await?
        .ok_or(IdempotencyError::Reused)?;
    let cutoff = now - retention();
    if found.created_at < cutoff {
        // Expired: the key starts over for this request, if no other request renewed (or
        // the prune deleted) it first; then it is claimed again from the start.
        let renewed = Entity::update_many()
            .col_expr(Column::Operation, Expr::value(request.operation.as_str()))
            .col_expr(Column::Fingerprint, Expr::value(request.fingerprint.as_str()))
            .col_expr(Column::ResultId, Expr::value(Option::<Uuid>::None))
            .col_expr(Column::CreatedAt, Expr::value(now))
            .filter(Column::Id.eq(found.id))
            .filter(Column::CreatedAt.lt(cutoff))
            .exec(tx)
            .await?;
        if renewed.rows_affected == 1 {
            return Ok(Claimed::First);
        }
        return Box::pin(claim(tx, request, now)).await;
    }
    match found.result_id {
        Some(id) if found.operation == request.operation && found.fingerprint == request.fingerprint => {
            Ok(Claimed::Replay(id))
        }
        _ => Err(IdempotencyError::Reused),
    }
}

/// Records what the first request created, in the same transaction as its claim.
pub async fn complete(tx: &impl ConnectionTrait, request: &Request, result_id: Uuid) -> Result<(), DbErr> {
    let recorded = Entity::update_many()
        .col_expr(Column::ResultId, Expr::value(result_id))
        .filter(Column::ActorId.eq(request.actor_id))
        .filter(Column::Key.eq(request.key.as_str()))
        .exec(tx)
        .await?;
    if recorded.rows_affected != 1 {
        return Err(DbErr::RecordNotUpdated);
    }
    Ok(())
}

/// Deletes keys older than `cutoff`; returns how many.
pub async fn prune(db: &impl ConnectionTrait, cutoff: Timestamp) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
