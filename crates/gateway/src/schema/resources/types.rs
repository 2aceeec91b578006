//! The `Resource` interface and one object type per kind.

use async_graphql::{Context, Enum, ID, Interface, Object};
use commons_core::Timestamp;
use commons_resources::KindData;
use commons_resources::entity::{blogpost, page};
use commons_resources::service::writing::Full;

use crate::schema::identity::{User, load_users};
use crate::schema::node::global_id;
use crate::schema::orgs::{Owner, load_owners};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_resources::Visibility")]
pub enum Visibility {
    /// Everyone, once published.
    Public,
    /// Members of the owning organization.
    Members,
    /// Members of the owning department, and the organization's moderators and up.
    Department,
    /// The creator, the owning person, and the organization's admins.
    Private,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_resources::Status")]
pub enum ResourceStatus {
    Draft,
    Published,
    Archived,
}

/// Anything published on the platform: every kind shares these fields.
// Interface fields repeat `ty = "String"`; clippy takes the repeats for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    name = "Resource",
    field(name = "id", ty = "ID"),
    field(name = "kind", ty = "String", desc = "`blogpost`, `page`, …"),
    field(name = "title", ty = "String"),
    field(name = "slug", ty = "String", desc = "Unique per owner."),
    field(name = "summary", ty = "Option<String>"),
    field(name = "tags", ty = "Vec<String>"),
    field(name = "visibility", ty = "Visibility"),
    field(name = "status", ty = "ResourceStatus"),
    field(name = "created_at", ty = "Timestamp"),
    field(name = "published_at", ty = "Option<Timestamp>"),
    field(name = "creator", ty = "Option<User>"),
    field(name = "owner", ty = "Option<Owner>")
)]
pub enum Resource {
    Blogpost(Blogpost),
    Page(Page),
}

impl Resource {
    /// The GraphQL type of a stored resource; `None` for a kind this server does not know.
    pub fn from_full(full: Full) -> Option<Resource> {
        match full.data.clone() {
            Some(KindData::Blogpost(post)) => Some(Resource::Blogpost(Blogpost { full, post })),
            Some(KindData::Page(page)) => Some(Resource::Page(Page { full, page })),
            None => None,
        }
    }
}

/// The fields every kind shares, written once and pasted into each kind's object.
macro_rules! resource_object {
    ($ty:ident, $name:literal, { $($fields:tt)* }) => {
        #[Object]
        impl $ty {
            pub async fn id(&self) -> ID {
                global_id($name, self.full.resource.id)
            }

            async fn kind(&self) -> String {
                self.full.resource.kind.clone()
            }

            async fn title(&self) -> String {
                self.full.resource.title.clone()
            }

            async fn slug(&self) -> String {
                self.full.resource.slug.clone()
            }

            async fn summary(&self) -> Option<String> {
                self.full.resource.summary.clone()
            }

            async fn tags(&self) -> Vec<String> {
                self.full.tags.clone()
            }

            async fn visibility(&self) -> Visibility {
                self.full.resource.visibility.into()
            }

            async fn status(&self) -> ResourceStatus {
                self.full.resource.status.into()
            }

            async fn created_at(&self) -> Timestamp {
                self.full.resource.created_at
            }

            async fn published_at(&self) -> Option<Timestamp> {
                self.full.resource.published_at
            }

            /// Who made it; always a person.
            async fn creator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
                let id = self.full.resource.creator_id;
                Ok(load_users(ctx, vec![id]).await?.remove(&id))
            }

            /// A person, an organization or a department.
            async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
                Ok(load_owners(ctx, vec![self.full.resource.owner_id]).await?.pop().flatten())
            }

            $($fields)*
        }
    };
}

/// A blog post (markdown).
pub struct Blogpost {
    full: Full,
    post: blogpost::Model,
}

resource_object!(Blogpost, "Blogpost", {
    /// Markdown.
    async fn body(&self) -> &str {
        &self.post.body
    }

    async fn cover_url(&self) -> Option<&str> {
        self.post.cover_url.as_deref()
    }
});

/// A page of its owner's site.
pub struct Page {
    full: Full,
    page: page::Model,
}

resource_object!(Page, "Page", {
    async fn path(&self) -> &str {
        &self.page.path
    }

    /// Markdown.
    async fn body(&self) -> &str {
        &self.page.body
    }

    async fn parent_id(&self) -> Option<ID> {
        self.page.parent_id.map(|id| global_id("Page", id))
    }
});
