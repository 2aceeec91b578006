//! Funding reports (PA5): how an account's money came and went. For a resource's fund (an
//! initiative's), anyone who sees the resource may read it, since showing donors where their
//! money went is the point; for an agent's own account, those who act for its money. Named
//! givers appear by name, anonymous ones as one line.

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::export::{Export, ExportFormat, Table};
use commons_core::{Actor, Timestamp, money, tenant};
use commons_identity::entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::Payments;
use crate::access::{Use, acts_for};
use crate::contributions::Target;
use crate::entity::account;
use crate::entity::entry::{self, EntryKind};
use crate::entity::line;
use crate::entity::payment::{self, PaymentStatus};
use crate::error::Error;
use crate::ledger::account_key;

/// One giver's total; `payer_id` is `None` for the anonymous givers together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contributor {
    pub payer_id: Option<Uuid>,
    /// What they gave, less what was refunded to them.
    pub total_minor: i64,
    pub payments: u32,
}

/// Money that left the account: a payout, or an expense with what it was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spending {
    pub entry_id: Uuid,
    pub amount_minor: i64,
    pub description: Option<String>,
    pub receipt_media_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: Timestamp,
}

/// How an account's money came and went.
#[derive(Clone, Debug)]
pub struct FundingReport {
    pub account: account::Model,
    /// Received in succeeded payments, less refunds.
    pub raised_minor: i64,
    /// Kept by the platform as fees.
    pub fees_minor: i64,
    pub spent_minor: i64,
    /// What the account holds now: raised − fees − spent.
    pub remaining_minor: i64,
    /// Largest first.
    pub contributors: Vec<Contributor>,
    /// Newest first.
    pub spending: Vec<Spending>,
}

/// A succeeded payment into the account, as the report lists it.
struct Gift {
    payer_id: Uuid,
    anonymous: bool,
    net_minor: i64,
    created_at: Timestamp,
}

impl Payments {
    /// The funding report of `target`'s account in `currency`; `None` when it has none.
    pub async fn funding_report<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        target: Target,
        currency: &str,
    ) -> Result<Option<FundingReport>, Error> {
        let tx = tenant::read(db, actor).await?;
        let report = self.report(&tx, actor, target, currency).await?;
        tx.commit().await?;
        Ok(report.map(|(report, _)| report))
    }

    /// The funding report as a spreadsheet: every gift and every expense, then the totals.
    pub async fn export_funding<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        target: Target,
        currency: &str,
        format: ExportFormat,
    ) -> Result<Export, Error> {
        let tx = tenant::read(db, actor).await?;
        let (report, gifts) = self
            .report(&tx, actor, target, currency)
            .await?
            .ok_or_else(|| Error::invalid("currency", "this account has had no money in this currency"))?;
        let people = names(&tx, &gifts, &report.spending).await?;
        tx.commit().await?;
        let cur = &report.account.currency;
        let amount = |minor: i64| money::format(minor, cur);
        let name = |id: Option<Uuid>| id.and_then(|id| people.get(&id).cloned()).unwrap_or_default();
        let mut rows = Vec::new();
        for gift in &gifts {
            let who = if gift.anonymous {
                "Anonymous".to_owned()
            } else {
                name(Some(gift.payer_id))
            };
            rows.push(row(
                "Contribution",
                gift.created_at,
                who,
                amount(gift.net_minor),
                "",
            ));
        }
        for spent in &report.spending {
            let what = spent.description.clone().unwrap_or_default();
            rows.push(row(
                "Spending",
                spent.created_at,
                name(spent.created_by),
                amount(-spent.amount_minor),
                &what,
            ));
        }
        for (label, minor) in [
            ("Raised", report.raised_minor),
            ("Fees", -report.fees_minor),
            ("Spent", -report.spent_minor),
            ("Remaining", report.remaining_minor),
        ] {
            rows.push(vec![
                label.to_owned(),
                String::new(),
                String::new(),
                amount(minor),
                String::new(),
            ]);
        }
        let table = Table {
            headers: ["Kind", "Date", "Who", "Amount", "Description"]
                .map(String::from)
                .to_vec(),
            rows,
        };
        let (Target::Agent(id) | Target::Resource(id)) = target;
        Ok(table.export(&format!("funding {id} {cur}"), format)?)
    }

    async fn report(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        target: Target,
        currency: &str,
    ) -> Result<Option<(FundingReport, Vec<Gift>)>, Error> {
        let currency = money::currency(currency)
            .ok_or_else(|| Error::invalid("currency", "currency is an ISO 4217 code, like KZT or EUR"))?;
        let holder = self.holder(tx, actor, target).await?;
        if holder.resource_id.is_none() && acts_for(tx, actor, holder.agent_id, Use::Read).await?.is_none() {
            return Err(Error::NotAllowed(
                "only the agent (or its people with manage_billing or manage_sales) sees its account",
            ));
        }
        // The books are the platform's: read as the system once the actor may see them.
        tenant::act_as(tx, &Actor::System).await?;
        let Some(account) = account::Entity::find()
            .filter(account::Column::AccountKey.eq(account_key(holder, &currency)))
            .one(tx)
            .await?
        else {
            return Ok(None);
        };
        let gifts: Vec<Gift> = payment::Entity::find()
            .filter(payment::Column::AccountId.eq(account.id))
            .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
            .order_by_asc(payment::Column::Id)
            .all(tx)
            .await?
            .into_iter()
            .map(|p| Gift {
                payer_id: p.payer_id,
                anonymous: p.anonymous,
                net_minor: p.amount_minor - p.refunded_minor,
                created_at: p.created_at,
            })
            .collect();
        let spending = spending(tx, account.id).await?;
        tenant::act_as(tx, actor).await?;
        let raised_minor: i64 = gifts.iter().map(|g| g.net_minor).sum();
        let spent_minor: i64 = spending.iter().map(|s| s.amount_minor).sum();
        let report = FundingReport {
            raised_minor,
            spent_minor,
            fees_minor: raised_minor - spent_minor - account.balance_minor,
            remaining_minor: account.balance_minor,
            contributors: contributors(&gifts),
            spending,
            account,
        };
        Ok(Some((report, gifts)))
    }
}

/// Totals per named giver, and one for the anonymous, largest first.
fn contributors(gifts: &[Gift]) -> Vec<Contributor> {
    let mut totals: HashMap<Option<Uuid>, Contributor> = HashMap::new();
    for gift in gifts.iter().filter(|g| g.net_minor > 0) {
        let payer_id = (!gift.anonymous).then_some(gift.payer_id);
        let entry = totals.entry(payer_id).or_insert(Contributor {
            payer_id,
            total_minor: 0,
            payments: 0,
        });
        entry.total_minor += gift.net_minor;
        entry.payments += 1;
    }
    let mut list: Vec<Contributor> = totals.into_values().collect();
    list.sort_by(|a, b| {
        b.total_minor
            .cmp(&a.total_minor)
            .then(a.payer_id.cmp(&b.payer_id))
    });
    list
}

/// The payouts from `account_id`, newest first.
async fn spending(tx: &impl ConnectionTrait, account_id: Uuid) -> Result<Vec<Spending>, Error> {
    let taken: HashMap<Uuid, i64> = line::Entity::find()
        .filter(line::Column::AccountId.eq(account_id))
        .filter(line::Column::AmountMinor.lt(0))
        .all(tx)
        .await?
        .into_iter()
        .map(|l| (l.entry_id, -l.amount_minor))
        .collect();
    let entries = entry::Entity::find()
        .filter(entry::Column::Id.is_in(taken.keys().copied()))
        .filter(entry::Column::Kind.eq(EntryKind::Payout))
        .order_by_desc(entry::Column::Id)
        .all(tx)
        .await?;
    Ok(entries
        .into_iter()
        .map(|e| Spending {
            entry_id: e.id,
            amount_minor: taken.get(&e.id).copied().unwrap_or_default(),
            description: e.description,
            receipt_media_id: e.receipt_media_id,
            created_by: e.created_by,
            created_at: e.created_at,
        })
        .collect())
}

/// The usernames of the named givers and of those who spent.
async fn names(
    tx: &impl ConnectionTrait,
    gifts: &[Gift],
    spending: &[Spending],
) -> Result<HashMap<Uuid, String>, Error> {
    let ids: Vec<Uuid> = gifts
        .iter()
        .filter(|g| !g.anonymous)
        .map(|g| g.payer_id)
        .chain(spending.iter().filter_map(|s| s.created_by))
        .collect();
    let mut names: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(tx)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    // Organizations giving are named by their name.
    for org in commons_orgs::entity::organization::Entity::find()
        .filter(commons_orgs::entity::organization::Column::Id.is_in(ids))
        .all(tx)
        .await?
    {
        names.insert(org.id, org.name);
    }
    Ok(names)
}

fn row(kind: &str, at: Timestamp, who: String, amount: String, description: &str) -> Vec<String> {
    vec![
        kind.to_owned(),
        at.format("%Y-%m-%d %H:%M UTC").to_string(),
        who,
        amount,
        description.to_owned(),
    ]
}

impl Payments {
    /// What the funds of the resources of `resource_ids` have raised (succeeded payments, net
    /// of refunds), per currency: for the resources the actor may see, in one query after
    /// the visibility checks. An initiative shows it beside its goal.
    pub async fn raised<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        resource_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<(String, i64)>>, Error> {
        use commons_resources::entity::resource;
        use sea_orm::QuerySelect;
        let tx = tenant::read(db, actor).await?;
        let mut visible = Vec::with_capacity(resource_ids.len());
        for found in resource::Entity::find()
            .filter(resource::Column::Id.is_in(resource_ids.iter().copied()))
            .filter(resource::Column::DeletedAt.is_null())
            .all(&tx)
            .await?
        {
            if commons_resources::service::reading::may_see(&tx, actor, &found).await? {
                visible.push(found.id);
            }
        }
        // The sums are public for a visible fund; the payments themselves are not.
        tenant::act_as(&tx, &Actor::System).await?;
        let sums: Vec<(Uuid, String, i64)> = payment::Entity::find()
            .select_only()
            .column(payment::Column::ResourceId)
            .column(payment::Column::Currency)
            .column_as(
                sea_orm::sea_query::Expr::cust("CAST(SUM(amount_minor - refunded_minor) AS BIGINT)"),
                "raised",
            )
            .filter(payment::Column::ResourceId.is_in(visible))
            .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
            .group_by(payment::Column::ResourceId)
            .group_by(payment::Column::Currency)
            .into_tuple()
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut by_resource: HashMap<Uuid, Vec<(String, i64)>> = HashMap::new();
        for (resource, currency, raised) in sums {
            by_resource.entry(resource).or_default().push((currency, raised));
        }
        Ok(by_resource)
    }
}
