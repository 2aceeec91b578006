//! The one authorization path. Every write asks [`authorize`], which loads what the actor holds
//! in the organization (and department) and asks [`permission::allows`]; reads of non-public
//! data ask [`Access::is_member`]. Platform admins may do everything (OR7).

use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, tenant};
use commons_identity::service::users;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait};
use uuid::Uuid;

use crate::Orgs;
use crate::entity::organization::{self, OrganizationStatus};
use crate::entity::{department_member, membership};
use crate::error::Error;
use crate::permission::{self, Permission, Role};

/// What one actor holds in one organization (and, when asked, one of its departments).
#[derive(Clone, Debug)]
pub struct Access {
    pub organization: organization::Model,
    pub membership: Option<membership::Model>,
    pub department: Option<department_member::Model>,
    pub platform_admin: bool,
}

impl Access {
    pub fn role(&self) -> Option<Role> {
        self.membership.as_ref().map(|m| m.role)
    }

    pub fn allows(&self, permission: Permission) -> bool {
        self.platform_admin
            || permission::allows(
                self.role(),
                self.department.as_ref().map(|d| d.grant()).as_ref(),
                permission,
            )
    }

    /// Members (role member and above) and platform admins see non-public data.
    pub fn is_member(&self) -> bool {
        self.platform_admin || self.role().is_some_and(Role::is_member)
    }

    pub fn is_owner(&self) -> bool {
        self.role() == Some(Role::Owner)
    }

    /// The role to compare against a target's when managing people: admins act as owners.
    pub fn rank(&self) -> Option<Role> {
        if self.platform_admin {
            Some(Role::Owner)
        } else {
            self.role()
        }
    }
}

/// The signed-in user's id.
pub fn signed_in(actor: &Actor) -> Result<Uuid, Error> {
    actor.user_id().ok_or(Error::NotSignedIn)
}

/// The id of a signed-in user whose account may act: active, and not calling with a read-only
/// API key. Pending, rejected and blocked accounts change nothing.
pub async fn active_writer(db: &impl ConnectionTrait, actor: &Actor) -> Result<Uuid, Error> {
    let id = signed_in(actor)?;
    require_write(actor)?;
    users::require_active(db, id).await?;
    Ok(id)
}

/// Refuses calls made with an API key that lacks the `write` scope.
pub fn require_write(actor: &Actor) -> Result<(), Error> {
    if actor.may_write() {
        Ok(())
    } else {
        Err(Error::ReadOnlyKey)
    }
}

/// What `actor` holds in `org_id` (and `department_id`). An organization that is not active
/// is visible only to its members and platform admins; to anyone else it does not exist.
/// Reads as `actor` (joining the caller's transaction when `db` is one), so on PostgreSQL row
/// level security sees who is asking.
pub async fn access<C: Conn>(
    db: &C,
    actor: &Actor,
    org_id: Uuid,
    department_id: Option<Uuid>,
) -> Result<Access, Error> {
    let tx = tenant::read(db, actor).await?;
    let access = access_in(&tx, actor, org_id, department_id).await?;
    tx.commit().await?;
    Ok(access)
}

/// [`access`] inside a transaction already begun as `actor` (`tenant::read` or `write`), as
/// every service's own transaction is: no nested transaction, no second `set_config`. Given
/// a transaction that does not say who acts, row level security hides the memberships and
/// the answer is "not a member": it fails closed.
pub async fn access_in(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org_id: Uuid,
    department_id: Option<Uuid>,
) -> Result<Access, Error> {
    let (organization, membership, department) = match actor.user_id() {
        None => {
            let organization = organization::Entity::find_by_id(org_id).one(db).await?;
            (organization.ok_or(Error::OrganizationNotFound)?, None, None)
        }
        Some(user_id) => {
            // The organization and the caller's membership in one round trip.
            let mut with_membership =
                organization::Entity::find_by_id(org_id).select_also(membership::Entity);
            QueryTrait::query(&mut with_membership).join(
                JoinType::LeftJoin,
                membership::Entity,
                Condition::all()
                    .add(
                        Expr::col((membership::Entity, membership::Column::OrgId))
                            .equals((organization::Entity, organization::Column::Id)),
                    )
                    .add(Expr::col((membership::Entity, membership::Column::UserId)).eq(user_id)),
            );
            let (organization, membership) = with_membership
                .one(db)
                .await?
                .ok_or(Error::OrganizationNotFound)?;
            let department = match department_id {
                Some(department_id) => {
                    department_member::Entity::find()
                        .filter(department_member::Column::DepartmentId.eq(department_id))
                        .filter(department_member::Column::OrgId.eq(org_id))
                        .filter(department_member::Column::UserId.eq(user_id))
                        .one(db)
                        .await?
                }
                None => None,
            };
            (organization, membership, department)
        }
    };
    let access = Access {
        organization,
        membership,
        department,
        platform_admin: actor.is_admin(),
    };
    if access.organization.status != OrganizationStatus::Active && !access.is_member() {
        return Err(Error::OrganizationNotFound);
    }
    Ok(access)
}

/// Every organization `user_id` belongs to, with their seats in its departments, in one round
/// trip (a seat cannot outlive its membership: a foreign key holds that).
pub async fn memberships_with_seats(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<(membership::Model, Vec<department_member::Model>)>, Error> {
    let mut joined = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .select_also(department_member::Entity);
    QueryTrait::query(&mut joined).join(
        JoinType::LeftJoin,
        department_member::Entity,
        Condition::all()
            .add(
                Expr::col((department_member::Entity, department_member::Column::OrgId))
                    .equals((membership::Entity, membership::Column::OrgId)),
            )
            .add(
                Expr::col((department_member::Entity, department_member::Column::UserId))
                    .equals((membership::Entity, membership::Column::UserId)),
            ),
    );
    let mut grouped: Vec<(membership::Model, Vec<department_member::Model>)> = Vec::new();
    for (membership, seat) in joined.all(db).await? {
        let at = match grouped.iter().position(|(m, _)| m.id == membership.id) {
            Some(at) => at,
            None => {
                grouped.push((membership, Vec::new()));
                grouped.len() - 1
            }
        };
        grouped[at].1.extend(seat);
    }
    Ok(grouped)
}

impl Orgs {
    /// What the actor's role (and preset in `department_id`) grants in `org_id`, for clients
    /// to show only the actions that will work.
    pub async fn permissions<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        department_id: Option<Uuid>,
    ) -> Result<Vec<Permission>, Error> {
        let access = access(db, actor, org_id, department_id).await?;
        Ok(Permission::ALL
            .into_iter()
            .filter(|p| access.allows(*p))
            .collect())
    }

    /// Checks that `actor` may use `permission` in `org_id` (within `department_id`, when the
    /// action is in a department), that their account may act, and that the organization is
    /// active; records the member's activity. Every write in every crate goes through here.
    pub async fn authorize<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        department_id: Option<Uuid>,
        permission: Permission,
    ) -> Result<Access, Error> {
        let tx = tenant::write(db, actor).await?;
        let access = self
            .authorize_in(&tx, actor, org_id, department_id, permission)
            .await?;
        tx.commit().await?;
        Ok(access)
    }

    /// [`Orgs::authorize`] inside a transaction already begun as `actor` (see [`access_in`]):
    /// what the services of every crate call from their own transaction.
    pub async fn authorize_in(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        org_id: Uuid,
        department_id: Option<Uuid>,
        permission: Permission,
    ) -> Result<Access, Error> {
        active_writer(tx, actor).await?;
        let access = access_in(tx, actor, org_id, department_id).await?;
        if !access.allows(permission) {
            return Err(Error::Forbidden(permission));
        }
        require_active(&access.organization)?;
        if let Some(membership) = &access.membership {
            let now = self.now();
            if membership.last_active_at < now - ACTIVITY_RESOLUTION {
                touch(tx, membership.id, now).await?;
            }
        }
        Ok(access)
    }
}

pub(crate) fn require_active(organization: &organization::Model) -> Result<(), Error> {
    match organization.status {
        OrganizationStatus::Active => Ok(()),
        OrganizationStatus::Pending => Err(Error::OrganizationNotActive("pending approval")),
        OrganizationStatus::Rejected => Err(Error::OrganizationNotActive("rejected")),
    }
}

/// How fresh a member's last activity is kept.
const ACTIVITY_RESOLUTION: chrono::Duration = chrono::Duration::minutes(1);

/// Last activity per member (OR2), at most once a minute per member. Often called inside a
/// read transaction: on SQLite that write fails at once when another connection has committed
/// since the transaction began, and last activity is not worth failing the read for (the
/// transaction reads on from its snapshot).
pub(crate) async fn touch(
    db: &impl ConnectionTrait,
    membership_id: Uuid,
    now: Timestamp,
) -> Result<(), Error> {
    let touched = membership::Entity::update_many()
        .col_expr(membership::Column::LastActiveAt, Expr::value(now))
        .filter(membership::Column::Id.eq(membership_id))
        .filter(membership::Column::LastActiveAt.lt(now - ACTIVITY_RESOLUTION))
        .exec(db)
        .await;
    match touched {
        Ok(_) => Ok(()),
        Err(e) if commons_core::db::is_locked(&e) => {
            tracing::debug!(error = %e, "last activity not recorded this time");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The people who hold `permission` in `org_id` (and, with `department_id`, in that
/// department through its presets), at most `limit` of them, oldest membership first: whom
/// another crate tells of something its holders act on (a new order for a shop's staff). Read
/// on a transaction that may see the memberships (the notifier's, as the system).
pub async fn holders(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    department_id: Option<Uuid>,
    permission: Permission,
    limit: u64,
) -> Result<Vec<Uuid>, Error> {
    use sea_orm::{QueryOrder, QuerySelect};
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| permission::role_allows(*r, permission))
        .collect();
    let mut people: Vec<Uuid> = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org_id))
        .filter(membership::Column::Role.is_in(roles))
        .order_by_asc(membership::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    if let Some(department_id) = department_id {
        let members = department_member::Entity::find()
            .filter(department_member::Column::DepartmentId.eq(department_id))
            .filter(department_member::Column::OrgId.eq(org_id))
            .order_by_asc(department_member::Column::Id)
            .all(db)
            .await?;
        for member in members {
            if member.grant().allows(permission) && !people.contains(&member.user_id) {
                people.push(member.user_id);
            }
        }
        people.truncate(limit as usize);
    }
    Ok(people)
}
