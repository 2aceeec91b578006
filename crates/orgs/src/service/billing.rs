//! What billing (PA6, in the payments crate) tells an organization: its plan and whether it
//! is paid. Called inside the transaction where an invoice is paid or fails, after payments'
//! own checks, as the system; each change is in the audit log.

use commons_core::audit::{self, Entry};
use commons_core::{Actor, Timestamp};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::organization;
use crate::error::Error;
use crate::plan::{BillingStatus, Plan};

/// Sets `org_id`'s plan (when given) and billing status.
pub async fn apply(
    tx: &impl ConnectionTrait,
    org_id: Uuid,
    plan: Option<Plan>,
    status: BillingStatus,
    now: Timestamp,
) -> Result<(), Error> {
    let mut change = organization::Entity::update_many()
        .col_expr(organization::Column::BillingStatus, Expr::value(status))
        .col_expr(organization::Column::UpdatedAt, Expr::value(now));
    if let Some(plan) = plan {
        change = change.col_expr(organization::Column::Plan, Expr::value(plan));
    }
    let changed = change
        .filter(organization::Column::Id.eq(org_id))
        .exec(tx)
        .await?;
    if changed.rows_affected == 0 {
        return Err(Error::OrganizationNotFound);
    }
    let status_name = match status {
        BillingStatus::Active => "active",
        BillingStatus::Trialing => "trialing",
        BillingStatus::PastDue => "past_due",
        BillingStatus::Cancelled => "cancelled",
    };
    audit::record(
        tx,
        &Actor::System,
        Entry::new("organization.billing_changed")
            .org(org_id)
            .target("organization", org_id)
            .metadata(serde_json::json!({ "plan": plan.map(Plan::name), "billing": status_name })),
        now,
    )
    .await?;
    Ok(())
}
