//! The double-entry ledger (PA4). Every movement is an entry whose lines (signed amounts on
//! accounts) sum to zero, posted in the transaction that changes the state it records. An
//! account's balance is the sum of its lines, moved by the same posting with a conditional
//! update, so an agent's account cannot go below zero however many postings run at once; the
//! `CHECK` on `ledger_accounts` holds the same on both databases, and on PostgreSQL a
//! deferred trigger refuses to commit an entry that does not balance.
//!
//! Sign convention: a positive line adds to the account's balance. An agent's balance is what
//! the platform holds for it; `clearing` mirrors the money at the providers (minus everything
//! that came in and is still held), and `fees` is what the platform earned.

use commons_core::{Actor, Timestamp, money, tenant};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::account::{self, AccountKind};
use crate::entity::entry::{self, EntryKind};
use crate::entity::line;
use crate::error::Error;

/// The owner of an agent account: the agent, its organization (for isolation) and the
/// resource its money is earmarked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holder {
    pub agent_id: Uuid,
    pub org_id: Option<Uuid>,
    pub resource_id: Option<Uuid>,
}

/// The unique key of `holder`'s account in `currency`.
pub(crate) fn account_key(holder: Holder, currency: &str) -> String {
    key(AccountKind::Agent, Some(holder), currency)
}

fn key(kind: AccountKind, holder: Option<Holder>, currency: &str) -> String {
    match (kind, holder) {
        (AccountKind::Agent, Some(h)) => format!(
            "agent:{}:{}:{currency}",
            h.agent_id,
            h.resource_id.map_or_else(|| "-".to_owned(), |r| r.to_string())
        ),
        (AccountKind::Clearing, _) => format!("clearing:{currency}"),
        (AccountKind::Fees, _) => format!("fees:{currency}"),
        (AccountKind::Agent, None) => format!("agent:-:-:{currency}"),
    }
}

/// The account of `holder` in `currency`, made on first use. Accounts are the platform's
/// books: the caller reads and writes them as the system.
pub(crate) async fn agent_account(
    tx: &impl ConnectionTrait,
    holder: Holder,
    currency: &str,
    now: Timestamp,
) -> Result<account::Model, Error> {
    account_of(tx, AccountKind::Agent, Some(holder), currency, now).await
}

/// The platform's `clearing` or `fees` account in `currency`.
pub(crate) async fn platform_account(
    tx: &impl ConnectionTrait,
    kind: AccountKind,
    currency: &str,
    now: Timestamp,
) -> Result<account::Model, Error> {
    account_of(tx, kind, None, currency, now).await
}

async fn account_of(
    tx: &impl ConnectionTrait,
    kind: AccountKind,
    holder: Option<Holder>,
    currency: &str,
    now: Timestamp,
) -> Result<account::Model, Error> {
    let account_key = key(kind, holder, currency);
    let find = || {
        account::Entity::find()
            .filter(account::Column::AccountKey.eq(account_key.as_str()))
            .one(tx)
    };
    // Read first: an account is made once and used for every movement after.
    if let Some(found) = find().await? {
        return Ok(found);
    }
    account::Entity::insert(account::ActiveModel {
        id: Set(commons_core::id::new()),
        account_key: Set(account_key.clone()),
        kind: Set(kind),
        agent_id: Set(holder.map(|h| h.agent_id)),
        org_id: Set(holder.and_then(|h| h.org_id)),
        resource_id: Set(holder.and_then(|h| h.resource_id)),
        currency: Set(currency.to_owned()),
        balance_minor: Set(0),
        accepts_contributions: Set(false),
        goal_minor: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(account::Column::AccountKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    find()
        .await?
        .ok_or(Error::Db(sea_orm::DbErr::RecordNotFound("ledger account".into())))
}

/// One movement to post.
#[derive(Clone, Debug)]
pub(crate) struct Posting {
    pub kind: EntryKind,
    pub currency: String,
    pub payment_id: Option<Uuid>,
    pub refund_id: Option<Uuid>,
    pub description: Option<String>,
    pub receipt_media_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    /// (account, signed amount); zero amounts are left out.
    pub lines: Vec<(Uuid, i64)>,
}

/// Posts `posting` in `tx` (as the system, then back to `actor`): refuses lines that do not
/// sum to zero, and any that would take an agent's account below zero
/// ([`Error::InsufficientFunds`]); the caller's transaction then rolls back whole.
pub(crate) async fn post(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    posting: Posting,
    now: Timestamp,
) -> Result<Uuid, Error> {
    let mut lines: Vec<(Uuid, i64)> = posting.lines.into_iter().filter(|(_, a)| *a != 0).collect();
    let sum: i128 = lines.iter().map(|(_, a)| i128::from(*a)).sum();
    if sum != 0 || lines.len() < 2 {
        return Err(Error::Unbalanced);
    }
    // Accounts in one order for every posting, so two postings never wait on each other's
    // rows crosswise.
    lines.sort_by_key(|(account, _)| *account);
    tenant::act_as(tx, &Actor::System).await?;
    for (account_id, amount) in &lines {
        let moved = account::Entity::update_many()
            .col_expr(
                account::Column::BalanceMinor,
                Expr::col(account::Column::BalanceMinor).add(*amount),
            )
            .filter(account::Column::Id.eq(*account_id))
            .filter(
                Condition::any()
                    .add(account::Column::Kind.ne(AccountKind::Agent))
                    .add(Expr::col(account::Column::BalanceMinor).add(*amount).gte(0)),
            )
            .exec(tx)
            .await?;
        if moved.rows_affected == 0 {
            let held = account::Entity::find_by_id(*account_id).one(tx).await?;
            let available = held.map_or_else(
                || money::format(0, &posting.currency),
                |a| money::format(a.balance_minor, &a.currency),
            );
            return Err(Error::InsufficientFunds { available });
        }
    }
    let entry_id = commons_core::id::new();
    entry::Entity::insert(entry::ActiveModel {
        id: Set(entry_id),
        kind: Set(posting.kind),
        currency: Set(posting.currency),
        payment_id: Set(posting.payment_id),
        refund_id: Set(posting.refund_id),
        description: Set(posting.description),
        receipt_media_id: Set(posting.receipt_media_id),
        created_by: Set(posting.created_by),
        created_at: Set(now),
    })
    .exec_without_returning(tx)
    .await?;
    line::Entity::insert_many(lines.into_iter().map(|(account_id, amount)| line::ActiveModel {
        id: Set(commons_core::id::new()),
        entry_id: Set(entry_id),
        account_id: Set(account_id),
        amount_minor: Set(amount),
        created_at: Set(now),
    }))
    .exec_without_returning(tx)
    .await?;
    tenant::act_as(tx, actor).await?;
    Ok(entry_id)
}
