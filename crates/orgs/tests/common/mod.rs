//! What the organization service tests share: a fresh database, the services, and people.
#![allow(dead_code)]

use commons_core::Actor;
use commons_core::tenant;
use commons_identity::service::accounts::Register;
use commons_identity::{Identity, Settings as IdentitySettings, TokenKeys};
use commons_migrations::testing::TestDb;
use commons_orgs::entity::{department, membership, organization};
use commons_orgs::service::departments::CreateDepartment;
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::organizations::CreateOrganization;
use commons_orgs::{OrganizationKind, Orgs, Role, Settings};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

pub struct World {
    pub db: TestDb,
    pub orgs: Orgs,
}

impl World {
    pub async fn new() -> World {
        Self::with(Settings::default()).await
    }

    pub async fn with(settings: Settings) -> World {
        Self::on_clock(settings, std::sync::Arc::new(commons_core::SystemClock)).await
    }

    /// A world whose services read time from `clock` (tests move a `ManualClock`).
    pub async fn on_clock(settings: Settings, clock: commons_core::SharedClock) -> World {
        let identity = Identity::new(
            TokenKeys::from_secret(&[42u8; 32]).expect("key"),
            IdentitySettings::default(),
        )
        .with_clock(clock);
        World {
            db: TestDb::fresh().await,
            orgs: Orgs::new(identity, settings),
        }
    }

    /// A registered, active person, signed in.
    pub async fn person(&self, name: &str) -> Actor {
        let session = self
            .orgs
            .identity()
            .register(&self.db.conn, &Actor::ANONYMOUS, registration(name))
            .await
            .expect("registration");
        signed_in(session.user.id)
    }

    /// A platform admin (made so directly in the database, as `grant-admin` does).
    pub async fn admin(&self) -> Actor {
        let actor = self.person("platformadmin").await;
        let id = actor.user_id().expect("signed in");
        commons_identity::entity::user::Entity::update(commons_identity::entity::user::ActiveModel {
            id: Set(id),
            platform_role: Set(commons_identity::PlatformRole::Admin),
            ..Default::default()
        })
        .exec(&self.db.conn)
        .await
        .expect("make admin");
        Actor::User {
            id,
            platform_role: commons_core::PlatformRole::Admin,
            scopes: None,
            session: Some(Uuid::now_v7()),
        }
    }

    pub async fn organization(&self, owner: &Actor, slug: &str) -> organization::Model {
        self.orgs
            .create_organization(&self.db.conn, owner, create(slug))
            .await
            .expect("create organization")
    }
}

pub fn registration(name: &str) -> Register {
    Register {
        email: format!("{name}@example.org"),
        username: name.into(),
        password: "correct horse battery".into(),
        ..Register::default()
    }
}

pub fn signed_in(id: Uuid) -> Actor {
    Actor::User {
        id,
        platform_role: commons_core::PlatformRole::User,
        scopes: None,
        session: Some(Uuid::now_v7()),
    }
}

pub fn create(slug: &str) -> CreateOrganization {
    CreateOrganization {
        name: format!("The {slug}"),
        slug: slug.into(),
        description: None,
        logo_url: None,
        kind: OrganizationKind::Virtual,
    }
}

pub fn id(actor: &Actor) -> Uuid {
    actor.user_id().expect("a signed-in actor")
}

/// A new person who joins `org` with `role` through an invite from `inviter`.
pub async fn join(world: &World, inviter: &Actor, org: Uuid, role: Role, name: &str) -> Actor {
    let person = world.person(name).await;
    accept(world, inviter, org, role, &person).await;
    person
}

/// `person` accepts an invite from `inviter` into `org` with `role`.
pub async fn accept(world: &World, inviter: &Actor, org: Uuid, role: Role, person: &Actor) {
    let invite = world
        .orgs
        .create_invite(
            &world.db.conn,
            inviter,
            CreateInvite {
                org_id: Some(org),
                role: Some(role),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    world
        .orgs
        .accept_invite(&world.db.conn, person, &invite.code)
        .await
        .expect("accept");
}

pub async fn department(world: &World, owner: &Actor, org: Uuid, name: &str) -> department::Model {
    world
        .orgs
        .create_department(
            &world.db.conn,
            owner,
            CreateDepartment {
                org_id: org,
                name: name.into(),
                description: None,
                timezone: None,
                requires_approval: false,
            },
        )
        .await
        .expect("department")
}

/// Read as the system: on PostgreSQL the test's connection is under row level security too.
pub async fn membership_of(world: &World, org: Uuid, actor: &Actor) -> membership::Model {
    let tx = tenant::read(&world.db.conn, &Actor::System).await.expect("begin");
    membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org))
        .filter(membership::Column::UserId.eq(id(actor)))
        .one(&tx)
        .await
        .expect("query")
        .expect("a membership")
}

/// The organization as stored now (counters included).
pub async fn reload(world: &World, org_id: Uuid) -> organization::Model {
    organization::Entity::find_by_id(org_id)
        .one(&world.db.conn)
        .await
        .expect("query")
        .expect("the organization exists")
}
