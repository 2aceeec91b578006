//! The two sides of an order and what the actor is to them. A side is a person (who alone acts
//! for it), or an organization or department, for which the holders of a permission act:
//! `manage_sales` where the seller is, `purchase` in the buying organization. Platform admins
//! act for both.

use commons_core::{Actor, AgentKind};
use commons_orgs::Permission;
use commons_resources::{Scope, holds_any};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::entity::{booking, order};
use crate::error::Error;
use crate::lifecycle::Side;

/// A sale's two sides, as an order or a booking records them.
pub(crate) trait Sided {
    fn seller(&self) -> (Uuid, Option<Uuid>, Option<Uuid>);
    fn customer(&self) -> (Uuid, Option<Uuid>);
    /// The person who made the sale.
    fn creator(&self) -> Uuid;
}

impl Sided for order::Model {
    fn seller(&self) -> (Uuid, Option<Uuid>, Option<Uuid>) {
        (self.seller_id, self.seller_org_id, self.seller_department_id)
    }
    fn customer(&self) -> (Uuid, Option<Uuid>) {
        (self.customer_id, self.customer_org_id)
    }
    fn creator(&self) -> Uuid {
        self.creator_id
    }
}

impl Sided for booking::Model {
    fn seller(&self) -> (Uuid, Option<Uuid>, Option<Uuid>) {
        (self.seller_id, self.seller_org_id, self.seller_department_id)
    }
    fn customer(&self) -> (Uuid, Option<Uuid>) {
        (self.customer_id, self.customer_org_id)
    }
    fn creator(&self) -> Uuid {
        self.creator_id
    }
}

/// Where the seller is, and whose matrix applies there.
pub(crate) fn seller_scope(sale: &impl Sided) -> Scope {
    match sale.seller() {
        (_, Some(org_id), department_id) => Scope::Organization {
            org_id,
            department_id,
        },
        (person, None, _) => Scope::Person(person),
    }
}

/// The customer as a scope: a person, or an organization (never a department).
pub(crate) fn customer_scope(sale: &impl Sided) -> Scope {
    match sale.customer() {
        (_, Some(org_id)) => Scope::Organization {
            org_id,
            department_id: None,
        },
        (person, None) => Scope::Person(person),
    }
}

/// The permission that acts for `side`.
pub(crate) fn permission(side: Side) -> Permission {
    match side {
        Side::Customer => Permission::Purchase,
        Side::Seller => Permission::ManageSales,
    }
}

/// Whether `actor` acts for `side` of `sale`. An organization that is gone, or closed to the
/// actor, is one they do not act for.
pub(crate) async fn acts_for(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    sale: &impl Sided,
    side: Side,
) -> Result<bool, Error> {
    let scope = match side {
        Side::Customer => customer_scope(sale),
        Side::Seller => seller_scope(sale),
    };
    holds(tx, actor, scope, permission(side)).await
}

/// [`holds_any`] for one permission, where an organization that is not found holds nothing.
pub(crate) async fn holds(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    scope: Scope,
    permission: Permission,
) -> Result<bool, Error> {
    match holds_any(tx, actor, scope, &[permission]).await {
        Ok(held) => Ok(held),
        Err(commons_resources::Error::Orgs(commons_orgs::Error::OrganizationNotFound)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Both sides: a sale both of whose sides see it.
pub(crate) const BOTH: &[Side] = &[Side::Customer, Side::Seller];

/// The sides `actor` acts for on `sale`, among those that see it (`seeing`); a sale they act
/// for on no side does not exist for them.
pub(crate) async fn sides(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    sale: &impl Sided,
    seeing: &[Side],
) -> Result<Vec<Side>, Error> {
    let mut sides = Vec::with_capacity(2);
    for side in seeing.iter().copied() {
        if acts_for(tx, actor, sale, side).await? {
            sides.push(side);
        }
    }
    Ok(sides)
}

/// The customer's agent id, and its organization when it is one: the actor, or an
/// organization in which the actor holds `purchase`.
pub(crate) async fn customer(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    creator: Uuid,
    customer_id: Option<Uuid>,
) -> Result<(Uuid, Option<Uuid>), Error> {
    let Some(customer_id) = customer_id.filter(|id| *id != creator) else {
        return Ok((creator, None));
    };
    let kinds = commons_core::agent::kinds(tx, &[customer_id]).await?;
    if kinds.get(&customer_id) != Some(&AgentKind::Organization) {
        return Err(Error::invalid(
            "customerId",
            "order for yourself or for an organization you buy for",
        ));
    }
    let scope = Scope::Organization {
        org_id: customer_id,
        department_id: None,
    };
    if !holds(tx, actor, scope, permission(Side::Customer)).await? {
        return Err(Error::NotAllowed(
            "ordering for an organization needs its purchase permission",
        ));
    }
    Ok((customer_id, Some(customer_id)))
}

/// Of `sales`, those `actor` acts for on a side that sees them (`sides_seeing`), asking each
/// organization and department once: what a DataLoader's batch needs.
pub(crate) async fn seen_by<M: Sided>(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    sales: Vec<M>,
    sides_seeing: fn(&M) -> &'static [Side],
) -> Result<Vec<M>, Error> {
    let mut held: Vec<(Scope, Side, bool)> = Vec::new();
    let mut seen = Vec::with_capacity(sales.len());
    for sale in sales {
        for side in sides_seeing(&sale).iter().copied() {
            let scope = match side {
                Side::Customer => customer_scope(&sale),
                Side::Seller => seller_scope(&sale),
            };
            let holds_it = match held.iter().find(|(s, d, _)| *s == scope && *d == side) {
                Some((_, _, h)) => *h,
                None => {
                    let h = holds(tx, actor, scope, permission(side)).await?;
                    held.push((scope, side, h));
                    h
                }
            };
            if holds_it {
                seen.push(sale);
                break;
            }
        }
    }
    Ok(seen)
}
