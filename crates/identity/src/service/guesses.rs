//! How many passwords may be tried against one email address (issue 15, 6): at most
//! [`MAX_GUESSES`] in [`WINDOW`], then none for [`LOCKOUT`]. The per-IP limit in the gateway
//! stops one client; this stops many clients guessing one account.
//!
//! A guess is counted before its password is checked, in a transaction that locks the
//! address's row, so concurrent guesses cannot all slip in before the first failure is
//! recorded: at most `MAX_GUESSES` passwords are ever verified per window. A right password
//! forgets the count. Addresses are counted whether or not an account has them, so a lockout
//! tells nothing about which accounts exist.

use chrono::Duration;
use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, tenant};
use sea_orm::sea_query::{ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entity::password_attempt;
use crate::error::Error;
use crate::token::hash_token;

/// Guesses one address may take in a window.
pub const MAX_GUESSES: i32 = 10;
/// The window guesses are counted in.
pub const WINDOW: Duration = Duration::minutes(15);
/// How long an address that used up its guesses waits.
pub const LOCKOUT: Duration = Duration::minutes(15);

/// Counts a guess at `email` (normalized), or refuses it while the address is locked out.
pub(crate) async fn count_guess<C: Conn>(db: &C, email: &str, now: Timestamp) -> Result<(), Error> {
    let digest = hash_token(email);
    // Nobody is acting yet; on PostgreSQL the counts are the system's alone.
    let tx = tenant::write(db, &Actor::System).await?;
    password_attempt::Entity::insert(password_attempt::ActiveModel {
        email_digest: Set(digest.clone()),
        attempts: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
    })
    .on_conflict(
        OnConflict::column(password_attempt::Column::EmailDigest)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    let row = password_attempt::Entity::find()
        .filter(password_attempt::Column::EmailDigest.eq(digest))
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(Error::Db(sea_orm::DbErr::RecordNotFound(
            "password attempts".into(),
        )))?;
    if let Some(until) = row.locked_until.filter(|until| *until > now) {
        return Err(Error::TooManyGuesses {
            retry_after: Ord::max((until - now).num_seconds(), 1) as u64,
        });
    }
    let fresh_window = row.window_started_at + WINDOW <= now || row.locked_until.is_some();
    let attempts = if fresh_window { 1 } else { row.attempts + 1 };
    let mut model: password_attempt::ActiveModel = row.into();
    model.attempts = Set(attempts);
    if fresh_window {
        model.window_started_at = Set(now);
        model.locked_until = Set(None);
    }
    if attempts >= MAX_GUESSES {
        // This is the last guess the window allows; the next waits out the lockout.
        model.locked_until = Set(Some(now + LOCKOUT));
    }
    model.update(&tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The right password was given: the address starts afresh.
pub(crate) async fn forget_guesses<C: Conn>(db: &C, email: &str) -> Result<(), Error> {
    let tx = tenant::write(db, &Actor::System).await?;
    password_attempt::Entity::delete_many()
        .filter(password_attempt::Column::EmailDigest.eq(hash_token(email)))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes counts whose window and lockout are both over, so guesses at random addresses
/// leave nothing behind; run it periodically. Returns how many went.
pub async fn prune_guesses<C: Conn>(db: &C, now: Timestamp) -> Result<u64, Error> {
    let stale = now - WINDOW.max(LOCKOUT);
    let tx = tenant::write(db, &Actor::System).await?;
    let deleted = password_attempt::Entity::delete_many()
        .filter(password_attempt::Column::WindowStartedAt.lt(stale))
        .filter(
            password_attempt::Column::LockedUntil
                .is_null()
                .or(password_attempt::Column::LockedUntil.lt(now)),
        )
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(deleted.rows_affected)
}
