//! Memberships (OR2): subscribe, leave, remove, change role, the member list. Counters on the
//! organization follow every change in the same transaction; entering the member tier is a
//! conditional UPDATE against the plan's limit, so concurrent joins cannot exceed it.

use std::collections::HashMap;

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::outbox;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, SqlErr,
};
use uuid::Uuid;

use super::access::{self, active_writer, require_active, require_write, signed_in};
use crate::Orgs;
use crate::entity::{department_member, membership, organization};
use crate::error::Error;
use crate::events::MemberRoleChanged;
use crate::permission::{Permission, Role};
use crate::plan::Limit;

#[derive(Clone, Copy, Debug)]
pub struct ChangeRole {
    pub membership_id: Uuid,
    pub role: Role,
}

impl Orgs {
    /// Follows an organization: a subscriber sees its public news, nothing more.
    pub async fn subscribe<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
    ) -> Result<membership::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let access = access::access_in(&tx, actor, org_id, None).await?;
        require_active(&access.organization)?;
        if let Some(existing) = access.membership {
            return Err(Error::AlreadyMember(existing.role.with_article()));
        }
        let membership = insert(&tx, &access.organization, user_id, Role::Subscriber, now).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("member.subscribed")
                .org(org_id)
                .target("user", user_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(membership)
    }

    /// Leaves an organization (and its departments). The owner must hand over first.
    pub async fn leave<C: Conn>(&self, db: &C, actor: &Actor, org_id: Uuid) -> Result<(), Error> {
        let now = self.now();
        let user_id = signed_in(actor)?;
        require_write(actor)?;
        let tx = tenant::write(db, actor).await?;
        let membership = membership::Entity::find()
            .filter(membership::Column::OrgId.eq(org_id))
            .filter(membership::Column::UserId.eq(user_id))
            .one(&tx)
            .await?
            .ok_or(Error::MembershipNotFound)?;
        if membership.role == Role::Owner {
            return Err(Error::OwnerCannotLeave);
        }
        delete(&tx, actor, &membership).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("member.left").org(org_id).target("user", user_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes someone from the organization. Needs `manage_members`, and the remover must
    /// outrank them: a moderator removes members, never the owner or another moderator.
    pub async fn remove_member<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        membership_id: Uuid,
    ) -> Result<(), Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let target = find(&tx, membership_id).await?;
        let access = self
            .authorize_in(&tx, actor, target.org_id, None, Permission::ManageMembers)
            .await?;
        if target.role == Role::Owner {
            return Err(Error::out_ranked(
                access.rank().unwrap_or(Role::Member),
                "remove",
                Role::Owner,
            ));
        }
        outranks(&access, "remove", target.role)?;
        delete(&tx, actor, &target).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("member.removed")
                .org(target.org_id)
                .target("user", target.user_id)
                .metadata(serde_json::json!({ "role": target.role.name() })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a member's role. Needs `manage_roles`; nobody grants a role as high as their
    /// own, and ownership moves only through `transfer_ownership`.
    pub async fn change_member_role<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: ChangeRole,
    ) -> Result<membership::Model, Error> {
        let now = self.now();
        if input.role == Role::Owner {
            return Err(Error::invalid(
                "role",
                "transfer ownership to make someone the owner",
            ));
        }
        let tx = tenant::write(db, actor).await?;
        let target = find(&tx, input.membership_id).await?;
        let access = self
            .authorize_in(&tx, actor, target.org_id, None, Permission::ManageRoles)
            .await?;
        if target.role == Role::Owner {
            return Err(Error::OwnerOnly(
                "change the owner's role (by transferring ownership)",
            ));
        }
        outranks(&access, "change the role of", target.role)?;
        outranks(&access, "grant the role of", input.role)?;
        let from = target.role;
        let updated = set_role(&tx, actor, &target, input.role, now).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("member.role_changed")
                .org(target.org_id)
                .target("user", target.user_id)
                .metadata(serde_json::json!({ "from": from.name(), "to": input.role.name() })),
            now,
        )
        .await?;
        let event = MemberRoleChanged {
            user: target.user_id,
            from: from.name().to_owned(),
            to: input.role.name().to_owned(),
            org: target.org_id,
        };
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// The organization's members (and subscribers), oldest first. Members only.
    pub async fn members<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<membership::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let access = access::access_in(&tx, actor, org_id, None).await?;
        if !access.is_member() {
            return Err(Error::NotMember);
        }
        let query = membership::Entity::find().filter(membership::Column::OrgId.eq(org_id));
        let order = Keyset::oldest_first(membership::Column::Id);
        let page = page::fetch(&tx, query, order, page, |m| Cursor::by_id(m.id)).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Memberships by id, in one query: the actor's own, and those of organizations the
    /// actor is a member of (as [`Orgs::members`] decides; all for platform admins).
    pub async fn memberships_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<membership::Model>, Error> {
        let mut query = membership::Entity::find().filter(membership::Column::Id.is_in(ids.iter().copied()));
        if !actor.is_admin() {
            let Some(user_id) = actor.user_id() else {
                return Ok(Vec::new());
            };
            query = query.filter(
                sea_orm::Condition::any()
                    .add(membership::Column::UserId.eq(user_id))
                    .add(membership::Column::OrgId.in_subquery(super::departments::member_orgs(user_id))),
            );
        }
        let tx = tenant::read(db, actor).await?;
        let found = query.all(&tx).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The actor's memberships, newest first.
    pub async fn my_memberships<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<membership::Model>, Error> {
        let user_id = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let query = membership::Entity::find().filter(membership::Column::UserId.eq(user_id));
        let order = Keyset::newest_first(membership::Column::Id);
        let page = page::fetch(&tx, query, order, page, |m| Cursor::by_id(m.id)).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// The actor's own membership in each of `org_ids`, in one query (DataLoaders).
    pub async fn viewer_memberships<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, membership::Model>, Error> {
        let Some(user_id) = actor.user_id() else {
            return Ok(HashMap::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user_id))
            .filter(membership::Column::OrgId.is_in(org_ids.iter().copied()))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.into_iter().map(|m| (m.org_id, m)).collect())
    }

    /// The owner of each of `org_ids`, in one query (DataLoaders). Ownership is public.
    pub async fn owners<C: Conn>(&self, db: &C, org_ids: &[Uuid]) -> Result<HashMap<Uuid, Uuid>, Error> {
        // Owners are public: read as the system, past the member-only wall.
        let tx = tenant::read(db, &Actor::System).await?;
        let found = membership::Entity::find()
            .filter(membership::Column::Role.eq(Role::Owner))
            .filter(membership::Column::OrgId.is_in(org_ids.iter().copied()))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.into_iter().map(|m| (m.org_id, m.user_id)).collect())
    }
}

fn outranks(access: &access::Access, action: &'static str, target: Role) -> Result<(), Error> {
    match access.rank() {
        Some(rank) if rank > target => Ok(()),
        rank => Err(Error::out_ranked(
            rank.unwrap_or(Role::Subscriber),
            action,
            target,
        )),
    }
}

async fn find(db: &impl ConnectionTrait, membership_id: Uuid) -> Result<membership::Model, Error> {
    membership::Entity::find_by_id(membership_id)
        .one(db)
        .await?
        .ok_or(Error::MembershipNotFound)
}

/// Adds `user_id` to `org` with `role`, counting them against the plan.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    org: &organization::Model,
    user_id: Uuid,
    role: Role,
    now: Timestamp,
) -> Result<membership::Model, Error> {
    change_tier(db, org, None, Some(role)).await?;
    let inserted = membership::ActiveModel {
        id: Set(commons_core::id::new()),
        org_id: Set(org.id),
        user_id: Set(user_id),
        role: Set(role),
        created_at: Set(now),
        updated_at: Set(now),
        last_active_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(membership) => Ok(membership),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(Error::AlreadyMember("a member or subscriber"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a membership's role, provided it is still the role it was read with: of two
/// concurrent changes one wins and the other is told to look again, so the counters and the
/// one-owner rule cannot be raced past. A move to subscriber leaves the departments too.
pub(crate) async fn set_role(
    db: &impl ConnectionTrait,
    actor: &Actor,
    membership: &membership::Model,
    role: Role,
    now: Timestamp,
) -> Result<membership::Model, Error> {
    let org = super::organizations::reload(db, membership.org_id).await?;
    let changed = membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role))
        .col_expr(membership::Column::UpdatedAt, Expr::value(now))
        .filter(membership::Column::Id.eq(membership.id))
        .filter(membership::Column::Role.eq(membership.role))
        .exec(db)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(Error::ChangedMeanwhile);
    }
    change_tier(db, &org, Some(membership.role), Some(role)).await?;
    if !role.is_member() {
        leave_departments(db, actor, membership).await?;
    }
    Ok(membership::Model {
        role,
        updated_at: now,
        ..membership.clone()
    })
}

/// Deletes a membership (if it is still as it was read) and the person's departments.
async fn delete(
    db: &impl ConnectionTrait,
    actor: &Actor,
    membership: &membership::Model,
) -> Result<(), Error> {
    let org = super::organizations::reload(db, membership.org_id).await?;
    let deleted = membership::Entity::delete_many()
        .filter(membership::Column::Id.eq(membership.id))
        .filter(membership::Column::Role.eq(membership.role))
        .exec(db)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(Error::ChangedMeanwhile);
    }
    leave_departments(db, actor, membership).await?;
    change_tier(db, &org, Some(membership.role), None).await
}

/// Removes the person's department memberships in the organization, keeping the counts. This
/// is bookkeeping the service has already authorized, done as the system: row level security
/// would hide the departments from a person who is no longer a member.
async fn leave_departments(
    db: &impl ConnectionTrait,
    actor: &Actor,
    membership: &membership::Model,
) -> Result<(), Error> {
    tenant::act_as(db, &Actor::System).await?;
    let rows = department_member::Entity::find()
        .filter(department_member::Column::OrgId.eq(membership.org_id))
        .filter(department_member::Column::UserId.eq(membership.user_id))
        .all(db)
        .await?;
    for row in rows {
        // Counted only when this transaction is the one that deleted the row: a concurrent
        // removal of the same row must not subtract twice.
        let deleted = department_member::Entity::delete_by_id(row.id)
            .exec(db)
            .await?
            .rows_affected;
        if deleted == 1 {
            super::departments::count_seats(db, row.department_id, -1).await?;
        }
    }
    tenant::act_as(db, actor).await?;
    Ok(())
}

/// Moves one person between "not here", subscriber and member tiers, keeping the counters
/// and the plan's member limit.
pub(crate) async fn change_tier(
    db: &impl ConnectionTrait,
    org: &organization::Model,
    from: Option<Role>,
    to: Option<Role>,
) -> Result<(), Error> {
    let tier = |role: Option<Role>| role.map(Role::is_member);
    if tier(from) == tier(to) {
        return Ok(());
    }
    let column = |member: bool| {
        if member {
            organization::Column::MemberCount
        } else {
            organization::Column::SubscriberCount
        }
    };
    if let Some(member) = tier(from) {
        organization::Entity::update_many()
            .col_expr(column(member), Expr::col(column(member)).sub(1))
            .filter(organization::Column::Id.eq(org.id))
            .exec(db)
            .await?;
    }
    if let Some(member) = tier(to) {
        let mut update = organization::Entity::update_many()
            .col_expr(column(member), Expr::col(column(member)).add(1))
            .filter(organization::Column::Id.eq(org.id));
        let limit = org
            .plan
            .effective_limits(org.billing_status)
            .members
            .filter(|_| member);
        if let Some(max) = limit {
            update = update.filter(organization::Column::MemberCount.lt(max as i32));
        }
        if update.exec(db).await?.rows_affected == 0 {
            return Err(Error::LimitExceeded {
                plan: org.plan,
                limit: Limit::Members,
                max: limit.unwrap_or(0),
            });
        }
    }
    Ok(())
}
