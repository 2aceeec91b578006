//! Monthly allowances of a plan (OR6): resources created per calendar month (UTC). Domain
//! crates that create an organization's resources claim one unit in their own transaction;
//! the claim is a conditional UPDATE, so concurrent creations cannot pass the limit.

use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, tenant};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Orgs;
use crate::entity::organization_usage as usage;
use crate::error::Error;
use crate::plan::Limit;

impl Orgs {
    /// Counts one new resource of `org_id` against this month's allowance, in the caller's
    /// transaction: `LIMIT_EXCEEDED` (naming the plan and the limit) when it is used up.
    pub async fn claim_resource_quota(&self, db: &impl ConnectionTrait, org_id: Uuid) -> Result<(), Error> {
        let org = super::organizations::reload(db, org_id).await?;
        let month = month_of(self.now());
        usage::Entity::insert(usage::ActiveModel {
            org_id: Set(org_id),
            month: Set(month.clone()),
            resources_created: Set(0),
        })
        .on_conflict(
            OnConflict::columns([usage::Column::OrgId, usage::Column::Month])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        let mut claim = usage::Entity::update_many()
            .col_expr(
                usage::Column::ResourcesCreated,
                Expr::col(usage::Column::ResourcesCreated).add(1),
            )
            .filter(usage::Column::OrgId.eq(org_id))
            .filter(usage::Column::Month.eq(month));
        let limit = org.plan.effective_limits(org.billing_status).resources_per_month;
        if let Some(max) = limit {
            claim = claim.filter(usage::Column::ResourcesCreated.lt(max as i32));
        }
        if claim.exec(db).await?.rows_affected == 0 {
            return Err(Error::LimitExceeded {
                plan: org.plan,
                limit: Limit::ResourcesPerMonth,
                max: limit.unwrap_or(0),
            });
        }
        Ok(())
    }

    /// Resources `org_id` created this month. Members only.
    pub async fn resources_created_this_month<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
    ) -> Result<i32, Error> {
        let tx = tenant::read(db, actor).await?;
        if !super::access::access_in(&tx, actor, org_id, None)
            .await?
            .is_member()
        {
            return Err(Error::NotMember);
        }
        let used = usage::Entity::find_by_id((org_id, month_of(self.now())))
            .one(&tx)
            .await?
            .map_or(0, |u| u.resources_created);
        tx.commit().await?;
        Ok(used)
    }
}

fn month_of(at: Timestamp) -> String {
    at.format("%Y-%m").to_string()
}
