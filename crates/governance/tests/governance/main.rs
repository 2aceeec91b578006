//! Governance at the service level (GV1–GV4): who creates initiatives, joining by code,
//! tasks claimed under concurrency, reports reviewed, polls and ballots, points and badges,
//! and who sees what; on SQLite and (with
//! TEST_DATABASE_URL) on PostgreSQL as the application role.

mod achievements;
mod initiatives;
mod polls;
mod tasks;

use commons_core::Actor;
use commons_governance::{Governance, InitiativeStatus};
use commons_identity::service::admin::Decision;
use commons_resources::KindInput;
use commons_resources::entity::initiative;
use commons_resources::kind::initiative::InitiativeInput;
use commons_testkit::World;
use uuid::Uuid;

/// A world with an approved organizer and the governance services.
pub struct Field {
    pub world: World,
    pub governance: Governance,
    pub organizer: Actor,
}

impl Field {
    pub async fn open() -> Field {
        Field::in_world(World::new().await).await
    }

    /// A field whose services read `clock`.
    pub async fn on_clock(clock: commons_core::clock::SharedClock) -> Field {
        Field::in_world(World::builder().clock(clock).build().await).await
    }

    async fn in_world(world: World) -> Field {
        let governance = Governance::new(world.resources.clone());
        let organizer = approved_organizer(&world, "olga").await;
        Field {
            world,
            governance,
            organizer,
        }
    }

    /// A published, open initiative of the organizer's, and its row.
    pub async fn initiative(&self, title: &str, max_participants: Option<i32>) -> initiative::Model {
        let id = self
            .world
            .post(&self.organizer, title)
            .kind(initiative_kind(max_participants))
            .publish()
            .await;
        self.governance
            .move_initiative(&self.world.db.conn, &self.organizer, id, InitiativeStatus::Open)
            .await
            .expect("open the initiative")
    }

    /// A task of `initiative` with `places` places.
    pub async fn task(&self, initiative: Uuid, title: &str, places: i32) -> Uuid {
        self.governance
            .create_task(
                &self.world.db.conn,
                &self.organizer,
                commons_governance::CreateTask {
                    initiative_id: initiative,
                    title: title.into(),
                    description: Some("Bring gloves".into()),
                    deadline: None,
                    max_assignees: Some(places),
                },
            )
            .await
            .expect("create the task")
            .id
    }
}

/// An initiative's own fields.
pub fn initiative_kind(max_participants: Option<i32>) -> KindInput {
    KindInput::Initiative(InitiativeInput {
        category: "Environment".into(),
        place: Some("Botanical Garden, Almaty".into()),
        location: None,
        starts_at: None,
        ends_at: None,
        goal_minor: Some(50_000_000),
        currency: Some("kzt".into()),
        max_participants,
    })
}

/// An organizer account approved by a platform admin.
pub async fn approved_organizer(world: &World, name: &str) -> Actor {
    let organizer = world.person(name).account_kind("organizer").await;
    let admin = world.person(&format!("{name}_admin")).platform_admin().await;
    world
        .identity()
        .decide(&world.db.conn, &admin, user(&organizer), Decision::Approve, None)
        .await
        .expect("approve the organizer");
    organizer
}

pub fn user(actor: &Actor) -> Uuid {
    actor.user_id().expect("a signed-in person")
}
