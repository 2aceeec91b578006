use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use commons_core::PageRequest;
use commons_resources::geo::Location;
use commons_resources::service::reading::{FeedFilter, FeedOrder, Near};
use commons_resources::service::writing::Full;

use super::types::{Resource, ResourceStatus};
use super::{any_id, visible};
use crate::error::GqlResult;
use crate::schema::context::ContextExt;
use crate::schema::node::expect_id;

#[derive(Default)]
pub struct ResourcesQuery;

/// Within `radiusKm` of a point.
#[derive(InputObject)]
pub struct NearInput {
    latitude: f64,
    longitude: f64,
    /// More than 0, at most 1000.
    radius_km: f64,
}

#[derive(InputObject, Default)]
pub struct ResourceFilter {
    /// `blogpost`, `event`, `page`, `photo`, `product` or `spot`.
    kind: Option<String>,
    /// A user, organization or department.
    owner_id: Option<ID>,
    creator_id: Option<ID>,
    /// An organization's resources, its departments' included.
    organization_id: Option<ID>,
    tag: Option<String>,
    /// Words to find in titles and summaries (case-insensitive; on SQLite only for Latin letters).
    text: Option<String>,
    /// `PUBLISHED` when omitted; drafts and archived resources as far as you may see them.
    status: Option<ResourceStatus>,
    /// Only resources with a place near this point (spots, events held in person); each
    /// carries its `distanceKm`.
    near: Option<NearInput>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ResourceOrder {
    #[default]
    Newest,
    MostReacted,
    /// Nearest to `filter.near` first.
    Nearest,
}

impl ResourceFilter {
    fn into_domain(self, order: ResourceOrder) -> async_graphql::Result<FeedFilter> {
        let owner = |id: Option<ID>, field: &str| id.map(|id| any_id(&id, "User", field)).transpose();
        Ok(FeedFilter {
            kind: self.kind,
            owner_id: owner(self.owner_id, "filter.ownerId")?,
            creator_id: self
                .creator_id
                .map(|id| expect_id(&id, "User", "filter.creatorId"))
                .transpose()?,
            organization_id: self
                .organization_id
                .map(|id| expect_id(&id, "Organization", "filter.organizationId"))
                .transpose()?,
            tag: self.tag,
            text: self.text,
            status: self.status.map(Into::into),
            near: self
                .near
                .map(|n| -> async_graphql::Result<Near> {
                    Ok(Near {
                        center: Location::new(n.latitude, n.longitude).gql()?,
                        radius_km: n.radius_km,
                    })
                })
                .transpose()?,
            order: match order {
                ResourceOrder::Newest => FeedOrder::Newest,
                ResourceOrder::MostReacted => FeedOrder::MostReacted,
                ResourceOrder::Nearest => FeedOrder::Nearest,
            },
        })
    }
}

/// A connection of resources; those of a kind this server does not know are left out.
fn resource_connection(page: &PageRequest, found: commons_core::Page<Full>) -> Connection<String, Resource> {
    let mut connection = Connection::new(page.after.is_some(), found.has_next_page);
    connection
        .edges
        .extend(found.edges.into_iter().filter_map(|(cursor, full)| {
            Resource::from_full(full).map(|r| async_graphql::connection::Edge::new(cursor.encode(), r))
        }));
    connection
}

#[Object]
impl ResourcesQuery {
    /// A resource by id; null when it does not exist or is not visible to you.
    async fn resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        visible(ctx, any_id(&id, "Resource", "id")?).await
    }

    /// A resource by its owner and slug, as a site's address names it.
    async fn resource_by_slug(
        &self,
        ctx: &Context<'_>,
        owner_id: ID,
        slug: String,
    ) -> async_graphql::Result<Option<Resource>> {
        let s = ctx.services();
        let owner = any_id(&owner_id, "User", "ownerId")?;
        let found = s
            .resources
            .resource_by_slug(&s.db, ctx.actor()?, owner, &slug)
            .await
            .gql()?;
        Ok(found.and_then(Resource::from_full))
    }

    /// Resources you may see: published public ones for everyone, and what your organizations
    /// show their members. Newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ResourceFilter>,
        #[graphql(default)] order_by: ResourceOrder,
    ) -> async_graphql::Result<Connection<String, Resource>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default().into_domain(order_by)?;
        let found = s.resources.feed(&s.db, ctx.actor()?, filter, &page).await.gql()?;
        Ok(resource_connection(&page, found))
    }

    /// What waits for your decision in an organization, oldest first (`moderate_resources`
    /// there, or in a department).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        organization_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Resource>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let org = expect_id(&organization_id, "Organization", "organizationId")?;
        let found = s
            .resources
            .review_queue(&s.db, ctx.actor()?, org, &page)
            .await
            .gql()?;
        Ok(resource_connection(&page, found))
    }
}
