use async_graphql::{Context, ID, InputObject, Object, OneofObject};
use commons_resources::KindInput;
use commons_resources::kind::blogpost::BlogpostInput as DomainBlogpost;
use commons_resources::kind::page::PageInput as DomainPage;
use commons_resources::service::writing::{CreateResource, UpdateResource};

use super::types::{Resource, Visibility};
use super::{any_id, visible};
use crate::error::{GqlResult, coded};
use crate::schema::context::ContextExt;
use crate::schema::node::expect_id;

#[derive(Default)]
pub struct ResourcesMutation;

#[derive(InputObject)]
pub struct BlogpostInput {
    /// Markdown.
    body: String,
    cover_url: Option<String>,
}

#[derive(InputObject)]
pub struct PageInput {
    /// Where the page sits: `about/team`.
    path: String,
    body: String,
    parent_id: Option<ID>,
}

/// Exactly one kind, with its own fields.
#[derive(OneofObject)]
pub enum ResourceKindInput {
    Blogpost(BlogpostInput),
    Page(PageInput),
}

#[derive(InputObject)]
pub struct CreateResourceInput {
    /// A user, organization or department; you when omitted.
    owner_id: Option<ID>,
    title: String,
    /// Derived from the title when omitted.
    slug: Option<String>,
    summary: Option<String>,
    #[graphql(default)]
    tags: Vec<String>,
    #[graphql(default_with = "Visibility::Public")]
    visibility: Visibility,
    kind: ResourceKindInput,
}

impl ResourceKindInput {
    fn into_domain(self) -> async_graphql::Result<KindInput> {
        Ok(match self {
            ResourceKindInput::Blogpost(b) => KindInput::Blogpost(DomainBlogpost {
                body: b.body,
                cover_url: b.cover_url,
            }),
            ResourceKindInput::Page(p) => KindInput::Page(DomainPage {
                path: p.path,
                body: p.body,
                parent_id: p
                    .parent_id
                    .map(|id| expect_id(&id, "Page", "kind.page.parentId"))
                    .transpose()?,
            }),
        })
    }
}

#[derive(InputObject)]
pub struct UpdateResourceInput {
    id: ID,
    /// Omit a field to keep it; an empty summary clears it.
    title: Option<String>,
    slug: Option<String>,
    summary: Option<String>,
    /// Replaces all tags.
    tags: Option<Vec<String>>,
    visibility: Option<Visibility>,
    /// Replaces the kind's own fields; it must be the resource's kind.
    kind: Option<ResourceKindInput>,
}

#[derive(InputObject)]
pub struct TransferResourceInput {
    id: ID,
    /// A user, organization or department.
    new_owner_id: ID,
}

#[Object]
impl ResourcesMutation {
    /// Creates a draft. An organization's resource needs `create_resources` there and counts
    /// against its plan's monthly allowance.
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        input: CreateResourceInput,
    ) -> async_graphql::Result<Resource> {
        let s = ctx.services();
        let kind = input.kind.into_domain()?;
        let create = CreateResource {
            owner_id: input
                .owner_id
                .map(|id| any_id(&id, "User", "ownerId"))
                .transpose()?,
            title: input.title,
            slug: input.slug,
            summary: input.summary,
            tags: input.tags,
            visibility: input.visibility.into(),
            kind,
        };
        let full = s
            .resources
            .create_resource(&s.db, ctx.actor()?, create)
            .await
            .gql()?;
        Resource::from_full(full).ok_or_else(|| coded(commons_core::ErrorCode::Internal, "internal error"))
    }

    /// Changes a resource: its creator (with the right to create there) or a moderator.
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        input: UpdateResourceInput,
    ) -> async_graphql::Result<Resource> {
        let s = ctx.services();
        let update = UpdateResource {
            id: any_id(&input.id, "Resource", "id")?,
            title: input.title,
            slug: input.slug,
            summary: input.summary,
            tags: input.tags,
            visibility: input.visibility.map(Into::into),
            kind: input.kind.map(ResourceKindInput::into_domain).transpose()?,
        };
        let full = s
            .resources
            .update_resource(&s.db, ctx.actor()?, update)
            .await
            .gql()?;
        Resource::from_full(full).ok_or_else(|| coded(commons_core::ErrorCode::Internal, "internal error"))
    }

    /// Hands a resource to another owner where you may create.
    async fn transfer_resource(
        &self,
        ctx: &Context<'_>,
        input: TransferResourceInput,
    ) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&input.id, "Resource", "id")?;
        let owner = any_id(&input.new_owner_id, "User", "newOwnerId")?;
        s.resources
            .transfer_resource(&s.db, ctx.actor()?, id, owner)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Publishes a draft, or brings back an archived resource.
    async fn publish_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources
            .publish_resource(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Takes a published resource out of the feed.
    async fn archive_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources
            .archive_resource(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        visible(ctx, id).await
    }

    /// Deletes a resource (softly: reactions and orders may point at it).
    async fn delete_resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let s = ctx.services();
        let id = any_id(&id, "Resource", "id")?;
        s.resources.delete_resource(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(true)
    }
}
