//! Resources of any kind, as drafts or published, and who sees them.

use commons_core::Actor;
use commons_resources::service::writing::{CreateResource, Full};
use commons_resources::{KindInput, Visibility};
use uuid::Uuid;

use crate::{World, kind};

/// A resource to create: a public blogpost of its author's unless told otherwise.
#[must_use = "a resource is created by `draft`, `publish` or `try_draft`"]
pub struct PostBuilder<'w> {
    world: &'w World,
    author: Actor,
    input: CreateResource,
}

impl World {
    /// A resource titled `title` that `author` writes.
    pub fn post(&self, author: &Actor, title: &str) -> PostBuilder<'_> {
        PostBuilder {
            world: self,
            author: author.clone(),
            input: CreateResource {
                owner_id: None,
                title: title.into(),
                slug: None,
                summary: None,
                tags: vec![],
                visibility: Visibility::Public,
                kind: kind::blogpost("text"),
            },
        }
    }

    /// Whether `actor` may read the resource.
    pub async fn sees(&self, actor: &Actor, resource: Uuid) -> bool {
        self.resources
            .resource(&self.db.conn, actor, resource)
            .await
            .expect("read the resource")
            .is_some()
    }
}

impl PostBuilder<'_> {
    /// Whose it is: an organization, a department or a person (the author when not said).
    pub fn owner(mut self, owner: Uuid) -> Self {
        self.input.owner_id = Some(owner);
        self
    }

    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.input.visibility = visibility;
        self
    }

    /// What it is; see [`kind`] for one of each.
    pub fn kind(mut self, kind: KindInput) -> Self {
        self.input.kind = kind;
        self
    }

    pub fn tags<const N: usize>(mut self, tags: [&str; N]) -> Self {
        self.input.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    /// Creates it as a draft, or says why the service refused.
    pub async fn try_draft(self) -> Result<Full, commons_resources::Error> {
        self.world
            .resources
            .create_resource(&self.world.db.conn, &self.author, self.input)
            .await
    }

    /// Creates it as a draft.
    pub async fn draft(self) -> Uuid {
        self.try_draft().await.expect("create the resource").resource.id
    }

    /// Creates and publishes it.
    pub async fn publish(self) -> Uuid {
        let (world, author) = (self.world, self.author.clone());
        let id = self.draft().await;
        world
            .resources
            .publish_resource(&world.db.conn, &author, id)
            .await
            .expect("publish the resource");
        id
    }
}
