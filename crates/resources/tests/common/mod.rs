//! What the resource tests share: a fresh database, people, organizations and posts.
#![allow(dead_code)]

use commons_core::Actor;
use commons_identity::service::accounts::Register;
use commons_identity::{Identity, Settings as IdentitySettings, TokenKeys};
use commons_migrations::testing::TestDb;
use commons_orgs::entity::department;
use commons_orgs::service::departments::{AddDepartmentMember, CreateDepartment};
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::organizations::CreateOrganization;
use commons_orgs::{OrganizationKind, Orgs, Preset, Role, Settings};
use commons_resources::kind::blogpost::BlogpostInput;
use commons_resources::media::MediaSettings;
use commons_resources::service::writing::{CreateResource, Full};
use commons_resources::{KindInput, Resources, Visibility};
use uuid::Uuid;

pub struct World {
    pub db: TestDb,
    pub resources: Resources,
    /// Uploads, removed with the world.
    pub media: tempfile::TempDir,
}

/// Uploads up to this size in tests.
pub const MAX_UPLOAD: usize = 4096;

impl World {
    pub async fn new() -> World {
        let identity = Identity::new(
            TokenKeys::from_secret(&[42u8; 32]).expect("key"),
            IdentitySettings::default(),
        );
        let media = tempfile::tempdir().expect("media folder");
        let mut settings = MediaSettings::local(media.path());
        settings.max_bytes = MAX_UPLOAD;
        World {
            db: TestDb::fresh().await,
            resources: Resources::new(Orgs::new(identity, Settings::default())).with_media(settings),
            media,
        }
    }

    pub async fn organization(
        &self,
        owner: &Actor,
        name: &str,
        slug: &str,
    ) -> commons_orgs::entity::organization::Model {
        self.orgs()
            .create_organization(
                &self.db.conn,
                owner,
                CreateOrganization {
                    name: name.into(),
                    slug: slug.into(),
                    description: None,
                    logo_url: None,
                    kind: OrganizationKind::Virtual,
                },
            )
            .await
            .expect("organization")
    }

    pub fn orgs(&self) -> &Orgs {
        self.resources.orgs()
    }

    pub async fn person(&self, name: &str) -> Actor {
        let session = self
            .orgs()
            .identity()
            .register(
                &self.db.conn,
                &Actor::ANONYMOUS,
                Register {
                    email: format!("{name}@example.org"),
                    username: name.into(),
                    password: "correct horse battery".into(),
                    ..Register::default()
                },
            )
            .await
            .expect("register");
        signed_in(session.user.id)
    }

    pub async fn join(&self, inviter: &Actor, org: Uuid, role: Role, name: &str) -> Actor {
        let person = self.person(name).await;
        let invite = self
            .orgs()
            .create_invite(
                &self.db.conn,
                inviter,
                CreateInvite {
                    org_id: Some(org),
                    role: Some(role),
                    ..CreateInvite::default()
                },
            )
            .await
            .expect("invite");
        self.orgs()
            .accept_invite(&self.db.conn, &person, &invite.code)
            .await
            .expect("accept");
        person
    }

    pub async fn post(
        &self,
        actor: &Actor,
        owner: Option<Uuid>,
        title: &str,
        visibility: Visibility,
    ) -> Result<Uuid, commons_resources::Error> {
        let full = self
            .resources
            .create_resource(
                &self.db.conn,
                actor,
                CreateResource {
                    owner_id: owner,
                    title: title.into(),
                    slug: None,
                    summary: None,
                    tags: vec!["Running".into(), "saratov".into(), "running ".into()],
                    visibility,
                    kind: KindInput::Blogpost(BlogpostInput {
                        body: format!("# {title}"),
                        cover_url: None,
                    }),
                },
            )
            .await?;
        Ok(full.resource.id)
    }

    pub async fn sees(&self, actor: &Actor, id: Uuid) -> bool {
        self.resources
            .resource(&self.db.conn, actor, id)
            .await
            .expect("read")
            .is_some()
    }
}

/// A person signed in with a password session.
fn signed_in(user: Uuid) -> Actor {
    Actor::User {
        id: user,
        platform_role: commons_core::PlatformRole::User,
        scopes: None,
        session: Some(Uuid::now_v7()),
    }
}

pub fn id(actor: &Actor) -> Uuid {
    actor.user_id().expect("signed in")
}

impl World {
    /// `n` people at once: one password hash, cloned (hashing is what makes sign-ups slow).
    pub async fn crowd(&self, prefix: &str, n: usize) -> Vec<Actor> {
        let identity = self.orgs().identity();
        let template = identity
            .prepare_registration(Register {
                email: format!("{prefix}@example.org"),
                username: prefix.into(),
                password: "correct horse battery".into(),
                ..Register::default()
            })
            .await
            .expect("registration");
        let mut people = Vec::with_capacity(n);
        for i in 0..n {
            let mut account = template.clone();
            account.email = format!("{prefix}{i}@example.org");
            account.username = format!("{prefix}{i}");
            let session = identity
                .create_account(&self.db.conn, account)
                .await
                .expect("account");
            people.push(signed_in(session.user.id));
        }
        people
    }

    pub async fn department(
        &self,
        owner: &Actor,
        org: Uuid,
        name: &str,
        requires_approval: bool,
    ) -> department::Model {
        self.orgs()
            .create_department(
                &self.db.conn,
                owner,
                CreateDepartment {
                    org_id: org,
                    name: name.into(),
                    description: None,
                    timezone: Some("Europe/Saratov".into()),
                    requires_approval,
                },
            )
            .await
            .expect("department")
    }

    pub async fn seat(&self, owner: &Actor, department: Uuid, person: &Actor, preset: Preset) {
        self.orgs()
            .add_department_member(
                &self.db.conn,
                owner,
                AddDepartmentMember {
                    department_id: department,
                    user_id: id(person),
                    preset,
                    permissions: vec![],
                },
            )
            .await
            .expect("department seat");
    }

    /// Creates and publishes a resource of any kind.
    pub async fn published(
        &self,
        actor: &Actor,
        owner: Option<Uuid>,
        title: &str,
        visibility: Visibility,
        kind: KindInput,
    ) -> Uuid {
        let id = self
            .create(actor, owner, title, visibility, kind)
            .await
            .expect("create")
            .resource
            .id;
        self.resources
            .publish_resource(&self.db.conn, actor, id)
            .await
            .expect("publish");
        id
    }

    /// Creates a resource of any kind, as a draft.
    pub async fn create(
        &self,
        actor: &Actor,
        owner: Option<Uuid>,
        title: &str,
        visibility: Visibility,
        kind: KindInput,
    ) -> Result<Full, commons_resources::Error> {
        self.resources
            .create_resource(
                &self.db.conn,
                actor,
                CreateResource {
                    owner_id: owner,
                    title: title.into(),
                    slug: None,
                    summary: None,
                    tags: vec![],
                    visibility,
                    kind,
                },
            )
            .await
    }
}
