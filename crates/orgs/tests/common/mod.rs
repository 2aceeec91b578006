//! What the organization service tests share: a fresh database, the services, and people.
#![allow(dead_code)]

use commons_core::Actor;
use commons_identity::service::accounts::Register;
use commons_identity::{Identity, Settings as IdentitySettings, TokenKeys};
use commons_migrations::testing::TestDb;
use commons_orgs::entity::organization;
use commons_orgs::service::organizations::CreateOrganization;
use commons_orgs::{OrganizationKind, Orgs, Settings};
use sea_orm::{ActiveValue::Set, EntityTrait};
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
        let identity = Identity::new(
            TokenKeys::from_secret(&[42u8; 32]).expect("key"),
            IdentitySettings::default(),
        );
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

/// The organization as stored now (counters included).
pub async fn reload(world: &World, org_id: Uuid) -> organization::Model {
    organization::Entity::find_by_id(org_id)
        .one(&world.db.conn)
        .await
        .expect("query")
        .expect("the organization exists")
}
