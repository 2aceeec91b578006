//! The two sides of an order and what the actor is to them. A side is a person (who alone acts
//! for it), or an organization or department, for which the holders of a permission act:
//! `manage_sales` where the seller is, `purchase` in the buying organization. Platform admins
//! act for both.

use commons_core::Actor;
use commons_orgs::Permission;
use commons_resources::{Scope, holds_any};
use sea_orm::ConnectionTrait;

use crate::entity::order;
use crate::error::Error;
use crate::lifecycle::Side;

/// Where the seller is, and whose matrix applies there.
pub(crate) fn seller_scope(order: &order::Model) -> Scope {
    match order.seller_org_id {
        Some(org_id) => Scope::Organization {
            org_id,
            department_id: order.seller_department_id,
        },
        None => Scope::Person(order.seller_id),
    }
}

/// The customer as a scope: a person, or an organization (never a department).
pub(crate) fn customer_scope(order: &order::Model) -> Scope {
    match order.customer_org_id {
        Some(org_id) => Scope::Organization {
            org_id,
            department_id: None,
        },
        None => Scope::Person(order.customer_id),
    }
}

/// The permission that acts for `side`.
pub(crate) fn permission(side: Side) -> Permission {
    match side {
        Side::Customer => Permission::Purchase,
        Side::Seller => Permission::ManageSales,
    }
}

/// Whether `actor` acts for `side` of `order`. An organization that is gone, or closed to the
/// actor, is one they do not act for.
pub(crate) async fn acts_for(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    order: &order::Model,
    side: Side,
) -> Result<bool, Error> {
    let scope = match side {
        Side::Customer => customer_scope(order),
        Side::Seller => seller_scope(order),
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

/// The sides `actor` acts for on `order`; an order they act for on neither side does not
/// exist for them.
pub(crate) async fn sides(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    order: &order::Model,
) -> Result<Vec<Side>, Error> {
    let mut sides = Vec::with_capacity(2);
    for side in [Side::Customer, Side::Seller] {
        if acts_for(tx, actor, order, side).await? {
            sides.push(side);
        }
    }
    Ok(sides)
}
