//! Contributions (PA1): money given to an agent, or to a fund an agent keeps for one of its
//! resources (a sponsorship of an initiative). An agent's side opens an account to
//! contributions ([`Payments::accept_contributions`]); anyone signed in who sees the target
//! may then give to it, as themselves or for an organization whose billing they manage, and
//! may stay anonymous to everyone but the payee's side.

use commons_core::db::Conn;
use commons_core::{Actor, money, tenant, text};
use commons_resources::Scope;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use uuid::Uuid;

use crate::Payments;
use crate::access::{Use, acts_for};
use crate::entity::account;
use crate::entity::payment::{self, PaymentKind};
use crate::error::Error;
use crate::ledger::{self, Holder};
use crate::paying::NewPayment;

const MAX_MESSAGE: usize = 500;
/// The most one contribution may be, in minor units (a guard against typos of many zeros).
const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// What a contribution goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// An agent's own account.
    Agent(Uuid),
    /// The fund its owner keeps for a resource.
    Resource(Uuid),
}

/// Opens (or closes) an account to contributions.
#[derive(Clone, Debug)]
pub struct AcceptContributions {
    pub target: Target,
    pub currency: String,
    /// What the fund asks for, in minor units; none for an open-ended one.
    pub goal_minor: Option<i64>,
    pub accepting: bool,
}

/// A contribution to make.
#[derive(Clone, Debug)]
pub struct Contribute {
    pub target: Target,
    pub amount_minor: i64,
    pub currency: String,
    /// An organization giving through the actor (who needs its `manage_billing`); the actor
    /// when absent.
    pub payer_id: Option<Uuid>,
    pub anonymous: bool,
    pub message: Option<String>,
    pub idempotency_key: String,
}

impl Payments {
    /// Opens the target's account in `currency` to contributions (or closes it), for those
    /// who manage its owner's billing.
    pub async fn accept_contributions<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: AcceptContributions,
    ) -> Result<account::Model, Error> {
        let currency = currency(&input.currency)?;
        if input.goal_minor.is_some_and(|g| g <= 0 || g > MAX_AMOUNT) {
            return Err(Error::invalid("goalMinor", "a goal is more than zero"));
        }
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        commons_orgs::service::access::active_writer(&tx, actor).await?;
        let holder = self.holder(&tx, actor, input.target).await?;
        if acts_for(&tx, actor, holder.agent_id, Use::Move).await?.is_none() {
            return Err(Error::NotAllowed(
                "only the owner (or its people with manage_billing) takes contributions",
            ));
        }
        tenant::act_as(&tx, &Actor::System).await?;
        let found = ledger::agent_account(&tx, holder, &currency, now).await?;
        let mut changed: account::ActiveModel = found.into();
        changed.accepts_contributions = Set(input.accepting);
        changed.goal_minor = Set(input.goal_minor);
        let saved = changed.update(&tx).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Gives `input.amount_minor` to the target, charged at once through the provider.
    pub async fn contribute<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: Contribute,
    ) -> Result<payment::Model, Error> {
        let currency = currency(&input.currency)?;
        if input.amount_minor <= 0 || input.amount_minor > MAX_AMOUNT {
            return Err(Error::invalid("amountMinor", "a contribution is more than zero"));
        }
        let message = text::optional("message", input.message.as_deref(), MAX_MESSAGE)?;
        let now = self.now();
        let (kind, target) = match input.target {
            Target::Agent(id) => ("agent", id),
            Target::Resource(id) => ("resource", id),
        };
        let keyed = self
            .begin_keyed(
                db,
                actor,
                "contribute",
                &[
                    kind,
                    &target.to_string(),
                    &input.amount_minor.to_string(),
                    &currency,
                    &input.payer_id.map(|p| p.to_string()).unwrap_or_default(),
                    if input.anonymous { "anonymous" } else { "named" },
                    message.as_deref().unwrap_or(""),
                ],
                &input.idempotency_key,
                now,
            )
            .await?;
        if let Some(id) = keyed.replayed {
            keyed.tx.commit().await?;
            return self.replayed(db, actor, id).await;
        }
        let tx = keyed.tx;
        let holder = self.holder(&tx, actor, input.target).await?;
        let (payer_id, payer_org_id) = match input.payer_id.filter(|p| *p != keyed.creator) {
            None => (keyed.creator, None),
            Some(org) => match acts_for(&tx, actor, org, Use::Move).await? {
                Some(Scope::Organization {
                    org_id,
                    department_id: None,
                }) => (org, Some(org_id)),
                _ => {
                    return Err(Error::NotAllowed(
                        "giving for an organization needs its manage_billing permission",
                    ));
                }
            },
        };
        if payer_id == holder.agent_id {
            return Err(Error::invalid("payerId", "you cannot contribute to yourself"));
        }
        tenant::act_as(&tx, &Actor::System).await?;
        let open = ledger::agent_account(&tx, holder, &currency, now).await?;
        tenant::act_as(&tx, actor).await?;
        if !open.accepts_contributions {
            return Err(Error::invalid(
                "currency",
                format!(
                    "this {} does not take contributions in {currency}",
                    if holder.resource_id.is_some() {
                        "resource"
                    } else {
                        "account"
                    },
                ),
            ));
        }
        let new = NewPayment {
            kind: PaymentKind::Contribution,
            order_id: None,
            invoice_id: None,
            payer_id,
            payer_org_id,
            payee: Some(holder),
            amount_minor: input.amount_minor,
            currency,
            anonymous: input.anonymous,
            message,
        };
        let payment = self
            .open(&tx, actor, keyed.creator, &keyed.request, new, now)
            .await?;
        tx.commit().await?;
        self.charge(db, payment).await
    }

    /// Whose account `target` is: the agent's, or the resource owner's fund for it (the
    /// resource must be visible to the actor).
    pub(crate) async fn holder(
        &self,
        tx: &impl sea_orm::ConnectionTrait,
        actor: &Actor,
        target: Target,
    ) -> Result<Holder, Error> {
        let (agent_id, resource_id) = match target {
            Target::Agent(id) => (id, None),
            Target::Resource(id) => {
                let seen = commons_resources::service::writing::live(tx, actor, id).await?;
                (seen.owner_id, Some(seen.id))
            }
        };
        let scope = Scope::of_owner(tx, actor, agent_id).await?;
        Ok(Holder {
            agent_id,
            org_id: scope.org_id(),
            resource_id,
        })
    }
}

fn currency(code: &str) -> Result<String, Error> {
    money::currency(code)
        .ok_or_else(|| Error::invalid("currency", "currency is an ISO 4217 code, like KZT or EUR"))
}
