//! Transactions that say who is acting (OR7). On PostgreSQL the row level security policies
//! read `commons.actor_id` and `commons.is_admin`, set here for the transaction only
//! (`set_config(…, true)`), so a query that forgets the service's own filter still returns only
//! rows the actor may see. SQLite has no such wall; the services' checks are the only one.

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseExecutor, DatabaseTransaction, DbErr, Statement,
    TransactionOptions,
};

use crate::Actor;
use crate::db::{Conn, begin_write};

/// Begins a transaction for reading as `actor`.
pub async fn read<C: Conn>(db: &C, actor: &Actor) -> Result<DatabaseTransaction, DbErr> {
    let tx = db.begin_whole(TransactionOptions::default()).await?;
    acting(db, &tx, actor).await?;
    Ok(tx)
}

/// Where a read runs as `actor`: for nobody on the pool, the pool itself, statement by
/// statement; otherwise a transaction that says who reads ([`read`]). The settings the row
/// policies read are transaction-local, so a statement outside a transaction reads as
/// nobody; and at READ COMMITTED a transaction gives its statements no common snapshot, so
/// for an anonymous reader `BEGIN` and `COMMIT` would be two round trips that change
/// nothing. End it with [`done`].
pub async fn reading<'a, C: Conn>(db: &'a C, actor: &Actor) -> Result<DatabaseExecutor<'a>, DbErr> {
    match db.pool() {
        Some(pool) if is_nobody(actor) => Ok(DatabaseExecutor::Connection(pool)),
        _ => Ok(DatabaseExecutor::OwnedTransaction(read(db, actor).await?)),
    }
}

/// Ends a [`reading`]: commits its transaction, if it has one.
pub async fn done(reading: DatabaseExecutor<'_>) -> Result<(), DbErr> {
    match reading {
        DatabaseExecutor::OwnedTransaction(tx) => tx.commit().await,
        _ => Ok(()),
    }
}

fn is_nobody(actor: &Actor) -> bool {
    actor.user_id().is_none() && !actor.is_admin()
}

/// Begins a transaction that will write, as `actor` (see [`begin_write`]).
pub async fn write<C: Conn>(db: &C, actor: &Actor) -> Result<DatabaseTransaction, DbErr> {
    let tx = begin_write(db).await?;
    acting(db, &tx, actor).await?;
    Ok(tx)
}

/// Says who acts in `tx`, just begun on `db`. A new transaction on the pool already acts as
/// no one (the settings are transaction-local and read as "nobody" when unset), so an
/// anonymous reader skips that round trip; a savepoint inherits its transaction's actor, so
/// it always says.
async fn acting<C: Conn>(db: &C, tx: &DatabaseTransaction, actor: &Actor) -> Result<(), DbErr> {
    if is_nobody(actor) && db.is_pool() {
        return Ok(());
    }
    act_as(tx, actor).await
}

/// Switches the acting identity inside an open transaction: a registration that accepts an
/// invite starts anonymous and goes on as the new user.
pub async fn act_as(tx: &impl ConnectionTrait, actor: &Actor) -> Result<(), DbErr> {
    if tx.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let actor_id = actor.user_id().map(|id| id.to_string()).unwrap_or_default();
    let is_admin = if actor.is_admin() { "on" } else { "off" };
    tx.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT set_config('commons.actor_id', $1, true), set_config('commons.is_admin', $2, true)",
        [actor_id.into(), is_admin.into()],
    ))
    .await?;
    Ok(())
}
