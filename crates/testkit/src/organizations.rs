//! Organizations, their departments and memberships. What an owner does (inviting, making
//! departments, seating people) is done as the organization's creator.

use commons_core::Actor;
use commons_orgs::entity::{department, organization};
use commons_orgs::service::departments::AddDepartmentMember;
use commons_orgs::{Preset, Role};
use sea_orm::EntityTrait;

use crate::{World, input, signed_in, user_id};

impl World {
    /// An organization `owner` creates, named `name` at the address made of it (`Big run` →
    /// `big-run`). Active, unless the world's settings make new organizations wait.
    pub async fn organization(&self, owner: &Actor, name: &str) -> organization::Model {
        self.orgs()
            .create_organization(&self.db.conn, owner, input::organization(name))
            .await
            .expect("create the organization")
    }

    /// `person` joins `org` with `role`: by an invite from its creator, or, as a subscriber,
    /// by subscribing.
    pub async fn member(&self, org: &organization::Model, person: &Actor, role: Role) {
        let orgs = self.orgs();
        match role {
            Role::Owner => panic!("an organization has one owner: its creator"),
            Role::Subscriber => {
                orgs.subscribe(&self.db.conn, person, org.id)
                    .await
                    .expect("subscribe");
            }
            _ => {
                let invite = orgs
                    .create_invite(&self.db.conn, &creator(org), input::invite(org.id, role))
                    .await
                    .expect("invite");
                orgs.accept_invite(&self.db.conn, person, &invite.code)
                    .await
                    .expect("accept the invite");
            }
        }
    }

    /// A new person named `name` who joins `org` with `role`.
    pub async fn new_member(&self, org: &organization::Model, name: &str, role: Role) -> Actor {
        let person = self.person(name).await;
        self.member(org, &person, role).await;
        person
    }

    /// A department of `org` whose content is published without review.
    pub async fn department(&self, org: &organization::Model, name: &str) -> department::Model {
        self.orgs()
            .create_department(&self.db.conn, &creator(org), input::department(org.id, name))
            .await
            .expect("create the department")
    }

    /// A department of `org` whose members' content waits for a moderator's approval.
    pub async fn reviewed_department(&self, org: &organization::Model, name: &str) -> department::Model {
        let reviewed = commons_orgs::service::departments::CreateDepartment {
            requires_approval: true,
            ..input::department(org.id, name)
        };
        self.orgs()
            .create_department(&self.db.conn, &creator(org), reviewed)
            .await
            .expect("create the department")
    }

    /// Seats `person`, a member of the department's organization, in it with `preset`.
    pub async fn seat(&self, department: &department::Model, person: &Actor, preset: Preset) {
        let org = organization::Entity::find_by_id(department.org_id)
            .one(&self.db.conn)
            .await
            .expect("read the organization")
            .expect("the department's organization");
        self.orgs()
            .add_department_member(
                &self.db.conn,
                &creator(&org),
                AddDepartmentMember {
                    department_id: department.id,
                    user_id: user_id(person),
                    preset,
                    permissions: vec![],
                },
            )
            .await
            .expect("seat in the department");
    }
}

/// The organization's creator, signed in.
fn creator(org: &organization::Model) -> Actor {
    signed_in(org.created_by.expect("an organization created by a person"))
}
