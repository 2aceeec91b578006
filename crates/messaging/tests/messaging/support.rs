//! The messaging tests' world: the testkit's, with the messaging and reaction services over
//! it and a push provider that records what it was asked to deliver.

use std::sync::{Arc, Mutex};

use commons_core::outbox;
use commons_core::{Actor, PageRequest, tenant};
use commons_messaging::{
    ConversationKind, DeliveryError, DeliveryProvider, Messaging, NewConversation, Notification, PushToken,
};
use commons_reactions::Reactions;
use commons_testkit::{World, user_id};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// A push provider that remembers what it was asked to deliver: (token, recipient, summary).
#[derive(Debug, Default)]
pub struct Recorder {
    calls: Mutex<Vec<(String, Uuid, String)>>,
}

impl Recorder {
    pub fn calls(&self) -> Vec<(String, Uuid, String)> {
        self.calls.lock().expect("recorder").clone()
    }
}

#[async_trait::async_trait]
impl DeliveryProvider for Recorder {
    async fn deliver(&self, token: &PushToken, notification: &Notification) -> Result<(), DeliveryError> {
        self.calls.lock().expect("recorder").push((
            token.token.clone(),
            notification.user_id,
            notification.summary.clone(),
        ));
        Ok(())
    }
}

/// A test world with the messaging and reaction services over it.
pub struct Scene {
    pub world: World,
    pub messaging: Messaging,
    pub reactions: Reactions,
    pub pushed: Arc<Recorder>,
}

impl Scene {
    /// The one place this binary builds the messaging and reaction services.
    pub async fn new() -> Scene {
        let world = World::new().await;
        let pushed = Arc::new(Recorder::default());
        Scene {
            messaging: Messaging::new(world.identity().clone(), Arc::new(commons_gateway::rules()))
                .with_provider(pushed.clone()),
            reactions: Reactions::new(world.resources.clone()),
            pushed,
            world,
        }
    }

    pub async fn private(&self, starter: &Actor, other: &Actor) -> Uuid {
        self.messaging
            .start_conversation(&self.world.db.conn, starter, private_with(other))
            .await
            .expect("private conversation")
            .id
    }

    /// The outbox events of `topic`, oldest first.
    /// A transaction that reads past every row policy, as the system.
    pub async fn system(&self) -> DatabaseTransaction {
        tenant::read(&self.world.db.conn, &Actor::System)
            .await
            .expect("begin as the system")
    }

    /// Read as the system: on PostgreSQL nobody else sees the outbox.
    pub async fn events(&self, topic: &str) -> Vec<outbox::Model> {
        let tx = self.system().await;
        outbox::Entity::find()
            .filter(outbox::Column::Topic.eq(topic))
            .order_by_asc(outbox::Column::Id)
            .all(&tx)
            .await
            .expect("outbox")
    }

    /// The summaries in someone's inbox, newest first.
    pub async fn inbox(&self, actor: &Actor) -> Vec<(String, String)> {
        self.messaging
            .notifications(&self.world.db.conn, actor, false, &page(Some(100)))
            .await
            .expect("inbox")
            .edges
            .into_iter()
            .map(|(_, n)| (n.topic, n.summary))
            .collect()
    }
}

pub fn private_with(other: &Actor) -> NewConversation {
    NewConversation {
        kind: ConversationKind::Private,
        title: None,
        member_ids: vec![user_id(other)],
        department_id: None,
    }
}

pub fn group(title: &str, members: &[&Actor], department_id: Option<Uuid>) -> NewConversation {
    NewConversation {
        kind: ConversationKind::Group,
        title: Some(title.into()),
        member_ids: members.iter().map(|m| user_id(m)).collect(),
        department_id,
    }
}

pub fn page(first: Option<i32>) -> PageRequest {
    PageRequest::new(first, None).expect("page")
}

pub fn username(actor: &Actor, people: &[Actor], prefix: &str) -> String {
    let index = people.iter().position(|p| p == actor).expect("one of them");
    format!("{prefix}{index}")
}
