//! Departments (OR4): groups inside an organization (AqStream groups, Workspace Manager
//! workspaces). People are added with a preset or a custom permission set, or join with the
//! department's code (and so become members of the organization).

use std::collections::HashMap;

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, AgentKind, Cursor, Page, PageRequest, Timestamp, agent, tenant, text};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, SqlErr,
};
use uuid::Uuid;

use super::access::{self, active_writer, require_active};
use super::memberships;
use crate::Orgs;
use crate::entity::{department, department_member, membership, organization};
use crate::error::Error;
use crate::permission::{DepartmentGrant, Permission, Preset, Role};
use crate::plan::Limit;
use crate::text::new_code;

#[derive(Clone, Debug)]
pub struct CreateDepartment {
    pub org_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// IANA name; `UTC` when absent.
    pub timezone: Option<String>,
    pub requires_approval: bool,
}

#[derive(Clone, Debug, Default)]
pub struct UpdateDepartment {
    pub id: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    pub timezone: Option<String>,
    pub requires_approval: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct AddDepartmentMember {
    pub department_id: Uuid,
    pub user_id: Uuid,
    pub preset: Preset,
    /// For [`Preset::Custom`]: permission names.
    pub permissions: Vec<String>,
}

impl Orgs {
    pub async fn create_department<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateDepartment,
    ) -> Result<department::Model, Error> {
        let name = text::required("name", &input.name, 120)?;
        let description = text::optional("description", input.description.as_deref(), 5000)?;
        let timezone = text::timezone("timezone", input.timezone.as_deref())?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let access = self
            .authorize_in(&tx, actor, input.org_id, None, Permission::ManageDepartments)
            .await?;
        claim_department_slot(&tx, &access.organization).await?;
        let id = agent::create(&tx, AgentKind::Department, now).await?;
        let inserted = department::ActiveModel {
            id: Set(id),
            org_id: Set(input.org_id),
            name: Set(name),
            description: Set(description),
            timezone: Set(timezone),
            requires_approval: Set(input.requires_approval),
            join_code: Set(new_code()),
            member_count: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&tx)
        .await;
        let department = match inserted {
            Ok(d) => d,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::DepartmentNameTaken);
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &tx,
            actor,
            Entry::new("department.created")
                .org(input.org_id)
                .target("department", id)
                .metadata(serde_json::json!({ "name": department.name })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(department)
    }

    pub async fn update_department<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: UpdateDepartment,
    ) -> Result<department::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let current = find(&tx, input.id).await?;
        self.authorize_in(&tx, actor, current.org_id, None, Permission::ManageDepartments)
            .await?;
        let mut model: department::ActiveModel = current.into();
        if let Some(name) = &input.name {
            model.name = Set(text::required("name", name, 120)?);
        }
        if input.description.is_some() {
            model.description = Set(text::optional("description", input.description.as_deref(), 5000)?);
        }
        if input.timezone.is_some() {
            model.timezone = Set(text::timezone("timezone", input.timezone.as_deref())?);
        }
        if let Some(requires_approval) = input.requires_approval {
            model.requires_approval = Set(requires_approval);
        }
        model.updated_at = Set(now);
        let department = match model.update(&tx).await {
            Ok(d) => d,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::DepartmentNameTaken);
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &tx,
            actor,
            Entry::new("department.updated")
                .org(department.org_id)
                .target("department", department.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(department)
    }

    /// Adds a member of the organization to a department. Needs `manage_departments` in the
    /// organization or `manage_members` in the department (its managers).
    pub async fn add_department_member<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: AddDepartmentMember,
    ) -> Result<department_member::Model, Error> {
        let permissions = parse_permissions(input.preset, &input.permissions)?;
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let department = find(&tx, input.department_id).await?;
        // Organization-wide `manage_departments` grants anything; a department's own grants
        // never do (see below).
        let access = access::access_in(&tx, actor, department.org_id, None).await?;
        if access.allows(Permission::ManageDepartments) {
            self.authorize_in(&tx, actor, department.org_id, None, Permission::ManageDepartments)
                .await?;
        } else {
            // Managers (and moderators) add people, but grant nothing they do not hold here,
            // and make no other managers.
            let access = self
                .authorize_in(
                    &tx,
                    actor,
                    department.org_id,
                    Some(department.id),
                    Permission::ManageMembers,
                )
                .await?;
            let granted = DepartmentGrant {
                preset: input.preset,
                custom: permissions.clone(),
            };
            for permission in Permission::ALL.into_iter().filter(|p| granted.allows(*p)) {
                if permission == Permission::ManageMembers || !access.allows(permission) {
                    return Err(Error::GrantBeyondOwn(permission));
                }
            }
        }
        let is_member = membership::Entity::find()
            .filter(membership::Column::OrgId.eq(department.org_id))
            .filter(membership::Column::UserId.eq(input.user_id))
            .one(&tx)
            .await?
            .is_some_and(|m| m.role.is_member());
        if !is_member {
            return Err(Error::invalid(
                "userId",
                "only members of the organization can join its departments",
            ));
        }
        let added = insert_member(&tx, &department, input.user_id, input.preset, &permissions, now).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("department.member_added")
                .org(department.org_id)
                .target("user", input.user_id)
                .metadata(serde_json::json!({ "department": department.id, "preset": input.preset.name() })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Joins a department with its code, becoming a member of its organization if need be.
    pub async fn join_department<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        code: &str,
    ) -> Result<department_member::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        // The code is the credential: look it up past the member-only wall, then act as the
        // person joining.
        tenant::act_as(&tx, &Actor::System).await?;
        let department = department::Entity::find()
            .filter(department::Column::JoinCode.eq(code.trim()))
            .one(&tx)
            .await?
            .ok_or(Error::DepartmentNotFound)?;
        let org = super::organizations::reload(&tx, department.org_id).await?;
        require_active(&org)?;
        ensure_member(&tx, &org, user_id, Role::Member, now).await?;
        tenant::act_as(&tx, actor).await?;
        let joined = insert_member(&tx, &department, user_id, Preset::Custom, &[], now).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("department.joined")
                .org(department.org_id)
                .target("department", department.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(joined)
    }

    /// Takes someone out of a department: those who manage departments, the department's
    /// managers (not another manager), or the person themselves.
    pub async fn remove_department_member<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        department_member_id: Uuid,
    ) -> Result<(), Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let target = department_member::Entity::find_by_id(department_member_id)
            .one(&tx)
            .await?
            .ok_or(Error::MembershipNotFound)?;
        if target.user_id != user_id {
            // Organization-wide `manage_departments` (not a department grant of it) removes
            // anyone; otherwise a department's managers remove those who are not managers.
            let access = access::access_in(&tx, actor, target.org_id, None).await?;
            if access.allows(Permission::ManageDepartments) {
                self.authorize_in(&tx, actor, target.org_id, None, Permission::ManageDepartments)
                    .await?;
            } else {
                self.authorize_in(
                    &tx,
                    actor,
                    target.org_id,
                    Some(target.department_id),
                    Permission::ManageMembers,
                )
                .await?;
                if target.grant().allows(Permission::ManageMembers) {
                    return Err(Error::Forbidden(Permission::ManageDepartments));
                }
            }
        }
        let removed = department_member::Entity::delete_by_id(target.id)
            .exec(&tx)
            .await?
            .rows_affected;
        if removed == 0 {
            return Err(Error::ChangedMeanwhile);
        }
        count_seats(&tx, target.department_id, -1).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("department.member_removed")
                .org(target.org_id)
                .target("user", target.user_id)
                .metadata(serde_json::json!({ "department": target.department_id })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a department with its memberships. Needs `manage_departments`.
    pub async fn delete_department<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        department_id: Uuid,
    ) -> Result<(), Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let department = find(&tx, department_id).await?;
        self.authorize_in(&tx, actor, department.org_id, None, Permission::ManageDepartments)
            .await?;
        // The department is an agent: deleting its agent row cascades to it and its members.
        let deleted = agent::Entity::delete_by_id(department.id)
            .exec(&tx)
            .await
            .map_err(|e| crate::error::kept_records(e, "the department"))?
            .rows_affected;
        if deleted == 0 {
            return Err(Error::DepartmentNotFound);
        }
        organization::Entity::update_many()
            .col_expr(
                organization::Column::DepartmentCount,
                Expr::col(organization::Column::DepartmentCount).sub(1),
            )
            .filter(organization::Column::Id.eq(department.org_id))
            .exec(&tx)
            .await?;
        audit::record(
            &tx,
            actor,
            Entry::new("department.deleted")
                .org(department.org_id)
                .target("department", department.id)
                .metadata(serde_json::json!({ "name": department.name })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organization's departments, oldest first. Members only.
    pub async fn departments<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<department::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        if !access::access_in(&tx, actor, org_id, None).await?.is_member() {
            return Err(Error::NotMember);
        }
        let query = department::Entity::find().filter(department::Column::OrgId.eq(org_id));
        let order = Keyset::oldest_first(department::Column::Id);
        let page = page::fetch(&tx, query, order, page, |d| Cursor::by_id(d.id)).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// A department's members. Members of the organization only.
    pub async fn department_members<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        department_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<department_member::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let department = find(&tx, department_id).await?;
        if !access::access_in(&tx, actor, department.org_id, None)
            .await?
            .is_member()
        {
            return Err(Error::NotMember);
        }
        let query = department_member::Entity::find()
            .filter(department_member::Column::DepartmentId.eq(department_id));
        let order = Keyset::oldest_first(department_member::Column::Id);
        let page = page::fetch(&tx, query, order, page, |d| Cursor::by_id(d.id)).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Department memberships by id, in one query: those of organizations the actor is a
    /// member of (as [`Orgs::department_members`] decides; all for platform admins).
    pub async fn department_members_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<department_member::Model>, Error> {
        let mut query = department_member::Entity::find()
            .filter(department_member::Column::Id.is_in(ids.iter().copied()));
        if !actor.is_admin() {
            let Some(user_id) = actor.user_id() else {
                return Ok(Vec::new());
            };
            query = query.filter(department_member::Column::OrgId.in_subquery(member_orgs(user_id)));
        }
        let tx = tenant::read(db, actor).await?;
        let found = query.all(&tx).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Departments by id, in one query (DataLoaders): those of organizations the actor is a
    /// member of (all of them for platform admins). The code to join is only for managers.
    pub async fn departments_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, department::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let mut query = department::Entity::find().filter(department::Column::Id.is_in(ids.iter().copied()));
        if !actor.is_admin() {
            let Some(user_id) = actor.user_id() else {
                return Ok(HashMap::new());
            };
            query = query.filter(department::Column::OrgId.in_subquery(member_orgs(user_id)));
        }
        let found = query.all(&tx).await?;
        tx.commit().await?;
        Ok(found.into_iter().map(|d| (d.id, d)).collect())
    }
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<department::Model, Error> {
    department::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::DepartmentNotFound)
}

/// Makes `user_id` at least a `role` of `org` (an invite or a department code can raise a
/// subscriber to member; it never lowers anyone).
pub(crate) async fn ensure_member(
    db: &impl ConnectionTrait,
    org: &organization::Model,
    user_id: Uuid,
    role: Role,
    now: Timestamp,
) -> Result<membership::Model, Error> {
    let existing = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org.id))
        .filter(membership::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    match existing {
        Some(m) if m.role >= role => Ok(m),
        Some(m) => memberships::set_role(db, &Actor::System, &m, role, now).await,
        None => memberships::insert(db, org, user_id, role, now).await,
    }
}

/// Adds a department membership; being in it already is an error.
pub(crate) async fn insert_member(
    db: &impl ConnectionTrait,
    department: &department::Model,
    user_id: Uuid,
    preset: Preset,
    permissions: &[Permission],
    now: Timestamp,
) -> Result<department_member::Model, Error> {
    let names: Vec<&str> = permissions.iter().map(|p| p.name()).collect();
    let inserted = department_member::ActiveModel {
        id: Set(commons_core::id::new()),
        department_id: Set(department.id),
        org_id: Set(department.org_id),
        user_id: Set(user_id),
        preset: Set(preset),
        permissions: Set(names.join(",")),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await;
    let added = match inserted {
        Ok(added) => added,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(Error::AlreadyInDepartment);
        }
        Err(e) => return Err(e.into()),
    };
    count_seats(db, department.id, 1).await?;
    Ok(added)
}

/// Adds a plain department membership (no permissions) unless the person is already in the
/// department. `ON CONFLICT DO NOTHING`, not a caught error: on PostgreSQL a failed statement
/// would abort the whole transaction.
pub(crate) async fn join_if_absent(
    db: &impl ConnectionTrait,
    department: &department::Model,
    user_id: Uuid,
    now: Timestamp,
) -> Result<(), Error> {
    let inserted = department_member::Entity::insert(department_member::ActiveModel {
        id: Set(commons_core::id::new()),
        department_id: Set(department.id),
        org_id: Set(department.org_id),
        user_id: Set(user_id),
        preset: Set(Preset::Custom),
        permissions: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            department_member::Column::DepartmentId,
            department_member::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        count_seats(db, department.id, 1).await?;
    }
    Ok(())
}

/// Keeps a department's member count in step with its seats, in the writing transaction.
pub(crate) async fn count_seats(
    db: &impl ConnectionTrait,
    department_id: Uuid,
    delta: i32,
) -> Result<(), Error> {
    department::Entity::update_many()
        .col_expr(
            department::Column::MemberCount,
            Expr::col(department::Column::MemberCount).add(delta),
        )
        .filter(department::Column::Id.eq(department_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Counts a new department against the plan, with a conditional UPDATE that holds under
/// concurrent creations.
async fn claim_department_slot(db: &impl ConnectionTrait, org: &organization::Model) -> Result<(), Error> {
    let mut update = organization::Entity::update_many()
        .col_expr(
            organization::Column::DepartmentCount,
            Expr::col(organization::Column::DepartmentCount).add(1),
        )
        .filter(organization::Column::Id.eq(org.id));
    let limit = org.plan.effective_limits(org.billing_status).departments;
    if let Some(max) = limit {
        update = update.filter(organization::Column::DepartmentCount.lt(max as i32));
    }
    if update.exec(db).await?.rows_affected == 0 {
        return Err(Error::LimitExceeded {
            plan: org.plan,
            limit: Limit::Departments,
            max: limit.unwrap_or(0),
        });
    }
    Ok(())
}

fn parse_permissions(preset: Preset, names: &[String]) -> Result<Vec<Permission>, Error> {
    if preset != Preset::Custom {
        if !names.is_empty() {
            return Err(Error::invalid(
                "permissions",
                "permissions are set only with the custom preset",
            ));
        }
        return Ok(Vec::new());
    }
    names
        .iter()
        .map(|name| {
            Permission::parse(name.trim()).ok_or_else(|| {
                let known: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
                Error::invalid(
                    "permissions",
                    format!(
                        "unknown permission {name:?}; permissions are: {}",
                        known.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// The organizations `user_id` is a member of (subscribers are not).
pub(crate) fn member_orgs(user_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(membership::Column::OrgId)
        .from(membership::Entity)
        .and_where(membership::Column::UserId.eq(user_id))
        .and_where(membership::Column::Role.ne(Role::Subscriber))
        .to_owned()
}
