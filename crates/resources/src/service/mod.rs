//! The resource services: writing (RS3), reading (RS4), event registrations (RS5) and
//! moderation (RS6), and exports of registrations (OR8).

pub mod export;
pub mod moderation;
pub mod reading;
pub mod registrations;
pub mod writing;

use commons_core::{Actor, AgentKind, agent};
use commons_orgs::Permission;
use commons_orgs::entity::department;
use commons_orgs::service::access::active_writer;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::Resources;
use crate::error::Error;

/// Who owns a resource (or sells, or buys), and so whose rules apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A person's own resource: they alone (and platform admins) write it.
    Person(Uuid),
    /// An organization's, or one of its departments': its permission matrix decides.
    Organization {
        org_id: Uuid,
        department_id: Option<Uuid>,
    },
}

impl Scope {
    /// The scope of `owner_id`, read inside the caller's transaction acting as `actor`.
    pub async fn of_owner(db: &impl ConnectionTrait, actor: &Actor, owner_id: Uuid) -> Result<Scope, Error> {
        let kinds = agent::kinds(db, &[owner_id]).await?;
        match kinds.get(&owner_id) {
            Some(AgentKind::User) => Ok(Scope::Person(owner_id)),
            Some(AgentKind::Organization) => Ok(Scope::Organization {
                org_id: owner_id,
                department_id: None,
            }),
            Some(AgentKind::Department) => {
                // The department row is walled to members; its organization id is not a secret
                // (the caller names the department), so read it as the system.
                commons_core::tenant::act_as(db, &Actor::System).await?;
                let found = department::Entity::find_by_id(owner_id).one(db).await?;
                commons_core::tenant::act_as(db, actor).await?;
                let found = found.ok_or(Error::OwnerNotFound)?;
                Ok(Scope::Organization {
                    org_id: found.org_id,
                    department_id: Some(found.id),
                })
            }
            None => Err(Error::OwnerNotFound),
        }
    }

    pub fn org_id(&self) -> Option<Uuid> {
        match self {
            Scope::Person(_) => None,
            Scope::Organization { org_id, .. } => Some(*org_id),
        }
    }

    pub fn department_id(&self) -> Option<Uuid> {
        match self {
            Scope::Person(_) => None,
            Scope::Organization { department_id, .. } => *department_id,
        }
    }
}

/// Whether `actor` holds any of `permissions` where `scope` is, without refusing: a person's
/// own resources are theirs in every respect, and platform admins hold everything.
pub async fn holds_any(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    scope: Scope,
    permissions: &[Permission],
) -> Result<bool, Error> {
    if actor.is_admin() {
        return Ok(true);
    }
    match scope {
        Scope::Person(owner) => Ok(actor.user_id() == Some(owner)),
        Scope::Organization {
            org_id,
            department_id,
        } => {
            let access = commons_orgs::service::access::access_in(tx, actor, org_id, department_id).await?;
            Ok(permissions.iter().any(|p| access.allows(*p)))
        }
    }
}

impl Resources {
    /// Checks that `actor` may use `permission` on `resource` where it is owned: for other
    /// crates' services that act on resources (hiding a comment needs `moderate_resources`).
    pub async fn authorize_on(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        resource: &crate::entity::resource::Model,
        permission: Permission,
    ) -> Result<(), Error> {
        self.authorize(tx, actor, writing::scope_of(resource), permission)
            .await
    }

    /// Whether `actor` moderates where `resource` is owned (a person's own resource: that
    /// person).
    pub async fn moderates(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        resource: &crate::entity::resource::Model,
    ) -> Result<bool, Error> {
        holds_any(
            tx,
            actor,
            writing::scope_of(resource),
            &[Permission::ModerateResources],
        )
        .await
    }

    /// May `actor` use `permission` on what is owned in `scope`? A person's things are
    /// theirs alone; an organization's follow its matrix (and its department's grants).
    pub async fn authorize(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        scope: Scope,
        permission: Permission,
    ) -> Result<(), Error> {
        match scope {
            Scope::Person(owner) => {
                let user = active_writer(db, actor).await?;
                if user != owner && !actor.is_admin() {
                    return Err(Error::NotOwner);
                }
                Ok(())
            }
            Scope::Organization {
                org_id,
                department_id,
            } => {
                self.orgs
                    .authorize_in(db, actor, org_id, department_id, permission)
                    .await?;
                Ok(())
            }
        }
    }
}
