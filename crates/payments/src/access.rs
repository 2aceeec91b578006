//! Who acts for an agent's money: the person themselves; for an organization or department,
//! the holders of `manage_billing` (and, to read what its sales brought in, of
//! `manage_sales`; to see its plan, of `manage_organization`); platform admins for everyone.

use commons_core::Actor;
use commons_orgs::Permission;
use commons_resources::Scope;
use commons_resources::service::holds_any;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::Error;

/// What the actor wants to do with the money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Use {
    /// See balances and history.
    Read,
    /// Pay from it, refund, pay out, take contributions.
    Move,
    /// See an organization's plan and invoices: its owner and admins.
    SeeBilling,
}

/// The agent's scope and whether `actor` may `use` its money. An agent that does not exist
/// (or an organization closed to the actor) is one they do not act for.
pub(crate) async fn acts_for(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    agent_id: Uuid,
    use_: Use,
) -> Result<Option<Scope>, Error> {
    let scope = match Scope::of_owner(tx, actor, agent_id).await {
        Ok(scope) => scope,
        Err(commons_resources::Error::OwnerNotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let permissions: &[Permission] = match use_ {
        Use::Read => &[Permission::ManageBilling, Permission::ManageSales],
        Use::Move => &[Permission::ManageBilling],
        Use::SeeBilling => &[Permission::ManageBilling, Permission::ManageOrganization],
    };
    match holds_any(tx, actor, scope, permissions).await {
        Ok(true) => Ok(Some(scope)),
        Ok(false) => Ok(None),
        Err(commons_resources::Error::Orgs(commons_orgs::Error::OrganizationNotFound)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
