//! Payouts (PA4, PA5's spending): money leaves an agent's account (or a fund it keeps for a
//! resource) to the agent: withdrawn to its bank, or spent on what the fund is for, with a
//! description. The account never goes below zero.

use commons_core::db::Conn;
use std::collections::HashMap;

use commons_core::{Actor, money, tenant, text};
use commons_resources::service::writing::live;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Payments;
use crate::access::{Use, acts_for};
use crate::contributions::Target;
use crate::entity::account::{self, AccountKind};
use crate::entity::entry::{self, EntryKind};
use crate::entity::line;
use crate::error::Error;
use crate::ledger::{self, Posting};

const MAX_DESCRIPTION: usize = 500;

/// Money to take out of an account.
#[derive(Clone, Debug)]
pub struct Payout {
    pub target: Target,
    pub amount_minor: i64,
    pub currency: String,
    /// What it is for: `Gloves and bags for the cleanup`.
    pub description: String,
    /// A receipt the actor uploaded (`uploadMedia`): an image or a PDF.
    pub receipt_media_id: Option<Uuid>,
    pub idempotency_key: String,
}

/// Money that left an account, and the account after.
#[derive(Clone, Debug)]
pub struct PaidOut {
    pub entry: entry::Model,
    pub amount_minor: i64,
    pub account: account::Model,
}

impl Payments {
    /// Pays `input.amount_minor` out of the target's account, for those who manage its
    /// owner's billing.
    pub async fn pay_out<C: Conn>(&self, db: &C, actor: &Actor, input: Payout) -> Result<PaidOut, Error> {
        let currency = money::currency(&input.currency)
            .ok_or_else(|| Error::invalid("currency", "currency is an ISO 4217 code"))?;
        if input.amount_minor <= 0 {
            return Err(Error::invalid("amountMinor", "a payout is more than zero"));
        }
        let description = text::required("description", &input.description, MAX_DESCRIPTION)?;
        let now = self.now();
        let target = match input.target {
            Target::Agent(id) => format!("agent:{id}"),
            Target::Resource(id) => format!("resource:{id}"),
        };
        let keyed = self
            .begin_keyed(
                db,
                actor,
                "payOut",
                &[
                    &target,
                    &input.amount_minor.to_string(),
                    &currency,
                    &description,
                    &input
                        .receipt_media_id
                        .map(|id| id.to_string())
                        .unwrap_or_default(),
                ],
                &input.idempotency_key,
                now,
            )
            .await?;
        let tx = keyed.tx;
        if let Some(id) = keyed.replayed {
            commons_core::tenant::act_as(&tx, &Actor::System).await?;
            let found = paid_out(&tx, id).await?;
            tx.commit().await?;
            return Ok(found);
        }
        let holder = self.holder(&tx, actor, input.target).await?;
        if acts_for(&tx, actor, holder.agent_id, Use::Move).await?.is_none() {
            return Err(Error::NotAllowed(
                "only the owner (or its people with manage_billing) pays money out",
            ));
        }
        let receipt = match input.receipt_media_id {
            Some(id) => Some(receipt_of(&tx, id, keyed.creator).await?),
            None => None,
        };
        commons_core::tenant::act_as(&tx, &Actor::System).await?;
        let from = ledger::agent_account(&tx, holder, &currency, now).await?;
        let clearing = ledger::platform_account(&tx, AccountKind::Clearing, &currency, now).await?;
        let posting = Posting {
            kind: EntryKind::Payout,
            currency,
            payment_id: None,
            refund_id: None,
            description: Some(description),
            receipt_media_id: receipt,
            created_by: Some(keyed.creator),
            lines: vec![(from.id, -input.amount_minor), (clearing.id, input.amount_minor)],
        };
        let entry_id = ledger::post(&tx, &Actor::System, posting, now).await?;
        commons_core::idempotency::complete(&tx, &keyed.request, entry_id).await?;
        let made = paid_out(&tx, entry_id).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// The payouts of `ids` the actor may see: a resource fund's spending by whoever sees
    /// the resource (as its funding report), an agent's by those who read its account.
    pub async fn payouts_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<PaidOut>, Error> {
        let tx = tenant::read(db, actor).await?;
        // The books are the platform's: read as the system, then judged as the actor.
        tenant::act_as(&tx, &Actor::System).await?;
        let entries = entry::Entity::find()
            .filter(entry::Column::Id.is_in(ids.iter().copied()))
            .filter(entry::Column::Kind.eq(EntryKind::Payout))
            .all(&tx)
            .await?;
        let taken: HashMap<Uuid, line::Model> = line::Entity::find()
            .filter(line::Column::EntryId.is_in(entries.iter().map(|e| e.id)))
            .filter(line::Column::AmountMinor.lt(0))
            .all(&tx)
            .await?
            .into_iter()
            .map(|l| (l.entry_id, l))
            .collect();
        let accounts: HashMap<Uuid, account::Model> = account::Entity::find()
            .filter(account::Column::Id.is_in(taken.values().map(|l| l.account_id)))
            .all(&tx)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        tenant::act_as(&tx, actor).await?;
        let mut readable = commons_core::AskOnce::default();
        let mut seen = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(line) = taken.get(&entry.id) else {
                continue;
            };
            let Some(account) = accounts.get(&line.account_id) else {
                continue;
            };
            let may = readable
                .get(account.id, async |_| {
                    match (account.resource_id, account.agent_id) {
                        (Some(resource), _) => match live(&tx, actor, resource).await {
                            Ok(_) => Ok(true),
                            Err(commons_resources::Error::NotFound) => Ok(false),
                            Err(e) => Err(Error::from(e)),
                        },
                        (None, Some(agent)) => Ok(acts_for(&tx, actor, agent, Use::Read).await?.is_some()),
                        (None, None) => Ok(actor.is_admin()),
                    }
                })
                .await?;
            if may {
                seen.push(PaidOut {
                    amount_minor: -line.amount_minor,
                    account: account.clone(),
                    entry,
                });
            }
        }
        tx.commit().await?;
        Ok(seen)
    }
}

/// The payout of `entry_id`: the entry, the amount that left, and the account it left.
async fn paid_out(tx: &impl ConnectionTrait, entry_id: Uuid) -> Result<PaidOut, Error> {
    let entry = entry::Entity::find_by_id(entry_id)
        .one(tx)
        .await?
        .ok_or(Error::Unbalanced)?;
    let taken = line::Entity::find()
        .filter(line::Column::EntryId.eq(entry_id))
        .filter(line::Column::AmountMinor.lt(0))
        .one(tx)
        .await?
        .ok_or(Error::Unbalanced)?;
    let account = account::Entity::find_by_id(taken.account_id)
        .one(tx)
        .await?
        .ok_or(Error::Unbalanced)?;
    Ok(PaidOut {
        entry,
        amount_minor: -taken.amount_minor,
        account,
    })
}

/// The upload `id` as a receipt: it must be the actor's own.
async fn receipt_of(tx: &impl ConnectionTrait, id: Uuid, uploader: Uuid) -> Result<Uuid, Error> {
    commons_resources::entity::media::Entity::find_by_id(id)
        .one(tx)
        .await?
        .filter(|m| m.uploader_id == uploader)
        .map(|m| m.id)
        .ok_or_else(|| Error::invalid("receiptMediaId", "no file you uploaded has this id"))
}
