//! Reading the audit log (OR5): the organization's owner and admins (and platform admins),
//! newest first, filtered by action, actor and time, optionally with its members' account
//! events. People read their own account events through identity.

use commons_core::audit;
use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::access;
use crate::Orgs;
use crate::entity::membership;
use crate::error::Error;
use crate::permission::Role;

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// An exact action (`member.role_changed`) or a prefix ending in `.` (`member.`).
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Also the account events (sign-ins, sign-outs, API keys) of the organization's current
    /// members, as workspace administrators ask for.
    pub include_account_events: bool,
}

impl Orgs {
    pub async fn audit_log<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        filter: AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<audit::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let access = access::access_in(&tx, actor, org_id, None).await?;
        if !(access.platform_admin || access.role() >= Some(Role::Admin)) {
            return Err(Error::AdminOrOwnerOnly);
        }
        let mut scope = Condition::any().add(audit::Column::OrgId.eq(org_id));
        if filter.include_account_events {
            scope = scope.add(
                Condition::all().add(audit::Column::OrgId.is_null()).add(
                    audit::Column::ActorId.in_subquery(
                        Query::select()
                            .column(membership::Column::UserId)
                            .from(membership::Entity)
                            .and_where(membership::Column::OrgId.eq(org_id))
                            .and_where(membership::Column::Role.ne(Role::Subscriber))
                            .to_owned(),
                    ),
                ),
            );
        }
        let mut query = audit::Entity::find().filter(scope);
        if let Some(action) = filter.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            query = match action.strip_suffix('.') {
                Some(prefix) => query.filter(audit::Column::Action.starts_with(format!("{prefix}."))),
                None => query.filter(audit::Column::Action.eq(action)),
            };
        }
        if let Some(actor_id) = filter.actor_id {
            query = query.filter(audit::Column::ActorId.eq(actor_id));
        }
        if let Some(since) = filter.since {
            query = query.filter(audit::Column::CreatedAt.gte(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(audit::Column::CreatedAt.lt(until));
        }
        let order = Keyset::newest_first(audit::Column::Id);
        let page = page::fetch(&tx, query, order, page, |e| Cursor::by_id(e.id)).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// The audit entries of `ids` the actor may read: an organization's to its owner and
    /// admins (as [`Orgs::audit_log`]), their own account events, and all to platform admins.
    pub async fn audit_events_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<audit::Model>, Error> {
        let mut query = audit::Entity::find().filter(audit::Column::Id.is_in(ids.iter().copied()));
        if !actor.is_admin() {
            let Some(me) = actor.user_id() else {
                return Ok(Vec::new());
            };
            let administered = Query::select()
                .column(membership::Column::OrgId)
                .from(membership::Entity)
                .and_where(membership::Column::UserId.eq(me))
                .and_where(membership::Column::Role.is_in([Role::Admin, Role::Owner]))
                .to_owned();
            query = query.filter(
                Condition::any()
                    .add(audit::Column::OrgId.in_subquery(administered))
                    .add(
                        Condition::all()
                            .add(audit::Column::OrgId.is_null())
                            .add(audit::Column::ActorId.eq(me)),
                    ),
            );
        }
        let tx = tenant::read(db, actor).await?;
        let found = query.all(&tx).await?;
        tx.commit().await?;
        Ok(found)
    }
}
