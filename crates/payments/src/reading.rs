//! Reading payments, refunds and balances (PA4, PA5's history). A payment exists for the
//! person who made it, the payer's side and the payee's side (see [`crate::access`]); to
//! anyone else it is not found, and on PostgreSQL row level security says the same.

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::Payments;
use crate::access::{Use, acts_for};
use crate::entity::payment::{self, PaymentStatus};
use crate::entity::{account, refund};
use crate::error::Error;

/// Which payments of an agent: made or received by it, optionally in one status and period.
#[derive(Clone, Debug)]
pub struct HistoryFilter {
    pub agent_id: Uuid,
    pub status: Option<PaymentStatus>,
    /// Made at or after.
    pub since: Option<Timestamp>,
    /// Made before.
    pub until: Option<Timestamp>,
}

impl Payments {
    /// A payment the actor may see; `None` otherwise.
    pub async fn payment<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Option<payment::Model>, Error> {
        Ok(self.payments_by_ids(db, actor, &[id]).await?.pop())
    }

    /// The payments of `ids` the actor may see, in one query (and one access check per agent
    /// involved): what a DataLoader asks for.
    pub async fn payments_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<payment::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let seen = seen_payments(&tx, actor, ids).await?;
        tx.commit().await?;
        Ok(seen)
    }

    /// Whether the actor may see who made `payment`: an anonymous contribution names its
    /// giver only to the giver (and platform admins).
    pub fn shows_payer(&self, actor: &Actor, payment: &payment::Model) -> bool {
        !payment.anonymous || actor.is_admin() || actor.user_id() == Some(payment.creator_id)
    }

    /// What the actor's browser confirms a waiting charge with (Stripe.js's client secret):
    /// for the person who paid alone, while it waits.
    pub fn client_secret_for<'p>(&self, actor: &Actor, payment: &'p payment::Model) -> Option<&'p str> {
        let theirs = actor.user_id() == Some(payment.creator_id);
        (theirs && payment.status.is_open())
            .then_some(payment.client_secret.as_deref())
            .flatten()
    }

    /// An agent's payments, made or received, newest first (PA5), for those who act for its
    /// money.
    pub async fn history<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        filter: HistoryFilter,
        page: &PageRequest,
    ) -> Result<Page<payment::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        if acts_for(&tx, actor, filter.agent_id, Use::Read).await?.is_none() {
            return Err(Error::NotAllowed(
                "only the agent (or its people with manage_billing or manage_sales) sees its payments",
            ));
        }
        let mut select = payment::Entity::find().filter(
            Condition::any()
                .add(payment::Column::PayerId.eq(filter.agent_id))
                .add(payment::Column::PayeeId.eq(filter.agent_id)),
        );
        if let Some(status) = filter.status {
            select = select.filter(payment::Column::Status.eq(status));
        }
        if let Some(since) = filter.since {
            select = select.filter(payment::Column::CreatedAt.gte(since));
        }
        if let Some(until) = filter.until {
            select = select.filter(payment::Column::CreatedAt.lt(until));
        }
        let found = page::fetch(
            &tx,
            select,
            Keyset::newest_first(payment::Column::Id),
            page,
            |p| Cursor::by_id(p.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// An agent's accounts (one per currency, and one per fund it keeps for a resource), for
    /// those who act for its money.
    pub async fn balance<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        agent_id: Uuid,
    ) -> Result<Vec<account::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        if acts_for(&tx, actor, agent_id, Use::Read).await?.is_none() {
            return Err(Error::NotAllowed(
                "only the agent (or its people with manage_billing or manage_sales) sees its balance",
            ));
        }
        let accounts = account::Entity::find()
            .filter(account::Column::AgentId.eq(agent_id))
            .order_by_asc(account::Column::Currency)
            .order_by_asc(account::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(accounts)
    }

    /// The refunds of the payments of `payment_ids` the actor may see, oldest first.
    pub async fn refunds<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        payment_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<refund::Model>>, Error> {
        let tx = tenant::read(db, actor).await?;
        let seen: Vec<Uuid> = seen_payments(&tx, actor, payment_ids)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let rows = refund::Entity::find()
            .filter(refund::Column::PaymentId.is_in(seen))
            .order_by_asc(refund::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut by_payment: HashMap<Uuid, Vec<refund::Model>> = HashMap::new();
        for row in rows {
            by_payment.entry(row.payment_id).or_default().push(row);
        }
        Ok(by_payment)
    }

    /// The refunds of `ids` whose payments the actor may see.
    pub async fn refunds_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<refund::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = refund::Entity::find()
            .filter(refund::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let payments: Vec<Uuid> = rows.iter().map(|r| r.payment_id).collect();
        let seen: Vec<Uuid> = seen_payments(&tx, actor, &payments)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .filter(|r| seen.contains(&r.payment_id))
            .collect())
    }
}

/// Of the payments of `ids`, those the actor made or acts for a side of, asking about each
/// agent once.
pub(crate) async fn seen_payments(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<payment::Model>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = payment::Entity::find()
        .filter(payment::Column::Id.is_in(ids.iter().copied()))
        .all(tx)
        .await?;
    let mut reads = commons_core::AskOnce::default();
    let mut seen = Vec::with_capacity(rows.len());
    for row in rows {
        if actor.is_admin() || actor.user_id() == Some(row.creator_id) {
            seen.push(row);
            continue;
        }
        for agent in std::iter::once(row.payer_id).chain(row.payee_id) {
            let reads_it = reads
                .get(agent, async |agent| {
                    Ok::<_, Error>(acts_for(tx, actor, agent, Use::Read).await?.is_some())
                })
                .await?;
            if reads_it {
                seen.push(row);
                break;
            }
        }
    }
    Ok(seen)
}
