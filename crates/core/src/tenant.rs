//! Transactions that say who is acting (OR7). On PostgreSQL the row level security policies
//! read `commons.actor_id` and `commons.is_admin`, set here for the transaction only
//! (`set_config(…, true)`), so a query that forgets the service's own filter still returns only
//! rows the actor may see. SQLite has no such wall; the services' checks are the only one.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, Statement, TransactionOptions};

use crate::Actor;
use crate::db::{Conn, begin_write};

/// Begins a transaction for reading as `actor`.
pub async fn read<C: Conn>(db: &C, actor: &Actor) -> Result<DatabaseTransaction, DbErr> {
    let tx = db.begin_whole(TransactionOptions::default()).await?;
    act_as(&tx, actor).await?;
    Ok(tx)
}

/// Begins a transaction that will write, as `actor` (see [`begin_write`]).
pub async fn write<C: Conn>(db: &C, actor: &Actor) -> Result<DatabaseTransaction, DbErr> {
    let tx = begin_write(db).await?;
    act_as(&tx, actor).await?;
    Ok(tx)
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
