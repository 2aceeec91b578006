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
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

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
///
/// One upsert does it, so a sign-in pays one statement for its count: the conflict locks
/// the address's row, and the new values are worked out from the row as it stands. While
/// the address is locked out the guess is refused and stored as `MAX_GUESSES + 1` attempts:
/// that is how the row handed back tells a refused guess from the last one allowed, which
/// starts the lockout.
pub(crate) async fn count_guess<C: Conn>(db: &C, email: &str, now: Timestamp) -> Result<(), Error> {
    use password_attempt::Column::{Attempts, LockedUntil, WindowStartedAt};
    let stored = |column| Expr::col((password_attempt::Entity, column));
    let locked = || stored(LockedUntil).gt(now);
    // The window ran out, or a lockout ended: counting starts again.
    let fresh = || {
        stored(WindowStartedAt)
            .lte(now - WINDOW)
            .or(stored(LockedUntil).is_not_null())
    };
    let counted = || Expr::case(fresh(), 1).finally(stored(Attempts).add(1));
    let lockout = now + LOCKOUT;
    // Nobody is acting yet; on PostgreSQL the counts are the system's alone.
    let tx = tenant::write(db, &Actor::System).await?;
    let row = password_attempt::Entity::insert(password_attempt::ActiveModel {
        email_digest: Set(hash_token(email)),
        attempts: Set(1),
        window_started_at: Set(now),
        locked_until: Set((1 >= MAX_GUESSES).then_some(lockout)),
    })
    .on_conflict(
        OnConflict::column(password_attempt::Column::EmailDigest)
            .value(Attempts, Expr::case(locked(), MAX_GUESSES + 1).finally(counted()))
            .value(
                WindowStartedAt,
                Expr::case(locked(), stored(WindowStartedAt))
                    .case(fresh(), now)
                    .finally(stored(WindowStartedAt)),
            )
            .value(
                LockedUntil,
                Expr::case(locked(), stored(LockedUntil))
                    // This is the last guess the window allows; the next waits out the lockout.
                    .case(Expr::expr(counted()).gte(MAX_GUESSES), lockout)
                    .finally(Expr::value(Option::<Timestamp>::None)),
            )
            .to_owned(),
    )
    .exec_with_returning(&tx)
    .await?;
    tx.commit().await?;
    match row.locked_until {
        Some(until) if row.attempts > MAX_GUESSES => Err(Error::TooManyGuesses {
            retry_after: Ord::max((until - now).num_seconds(), 1) as u64,
        }),
        _ => Ok(()),
    }
}

/// The right password was given: the address starts afresh. `tx` acts as the system.
pub(crate) async fn forget_guesses(tx: &impl ConnectionTrait, email: &str) -> Result<(), Error> {
    password_attempt::Entity::delete_many()
        .filter(password_attempt::Column::EmailDigest.eq(hash_token(email)))
        .exec(tx)
        .await?;
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
