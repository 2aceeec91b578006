//! People: registered through the identity service, signed in, optionally of an account kind
//! or platform admins.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use commons_core::{Actor, PlatformRole};
use uuid::Uuid;

use crate::World;
use crate::input::registration;

/// A person to register; `.await` it as is, or say more first.
#[must_use = "a person is registered when awaited"]
pub struct PersonBuilder<'w> {
    world: &'w World,
    name: String,
    account_kind: Option<String>,
    platform_admin: bool,
}

impl World {
    /// A registered, active person named `name` (`name@example.org`), signed in.
    pub fn person(&self, name: &str) -> PersonBuilder<'_> {
        PersonBuilder {
            world: self,
            name: name.to_owned(),
            account_kind: None,
            platform_admin: false,
        }
    }

    /// `n` people named `{prefix}0`, `{prefix}1`…, signed in. They share one password hash:
    /// hashing is what makes sign-ups slow.
    pub async fn people(&self, prefix: &str, n: usize) -> Vec<Actor> {
        let identity = self.identity();
        let template = identity
            .prepare_registration(registration(prefix))
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

    /// Makes the user a platform admin, as `commons grant-admin` does.
    pub async fn grant_platform_admin(&self, user: Uuid) {
        self.identity()
            .set_platform_role(
                &self.db.conn,
                &Actor::System,
                user,
                commons_identity::PlatformRole::Admin,
            )
            .await
            .expect("grant the platform admin role");
    }
}

impl PersonBuilder<'_> {
    /// One of the platform's account kinds (kinds that need approval leave the account pending).
    pub fn account_kind(mut self, kind: &str) -> Self {
        self.account_kind = Some(kind.to_owned());
        self
    }

    /// A platform admin, who passes every organization's checks.
    pub fn platform_admin(mut self) -> Self {
        self.platform_admin = true;
        self
    }

    async fn register(self) -> Actor {
        let world = self.world;
        let input = commons_identity::service::accounts::Register {
            account_kind: self.account_kind,
            ..registration(&self.name)
        };
        let session = world
            .identity()
            .register(&world.db.conn, &Actor::ANONYMOUS, input)
            .await
            .expect("registration");
        let id = session.user.id;
        if !self.platform_admin {
            return signed_in(id);
        }
        world.grant_platform_admin(id).await;
        Actor::User {
            id,
            platform_role: PlatformRole::Admin,
            scopes: None,
            session: Some(Uuid::now_v7()),
        }
    }
}

impl<'w> IntoFuture for PersonBuilder<'w> {
    type Output = Actor;
    type IntoFuture = Pin<Box<dyn Future<Output = Actor> + Send + 'w>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.register())
    }
}

/// The user `id`, signed in with a password session.
pub fn signed_in(id: Uuid) -> Actor {
    Actor::User {
        id,
        platform_role: PlatformRole::User,
        scopes: None,
        session: Some(Uuid::now_v7()),
    }
}

/// The signed-in person's user id.
pub fn user_id(actor: &Actor) -> Uuid {
    actor.user_id().expect("a signed-in person")
}
