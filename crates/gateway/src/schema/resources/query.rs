use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object};
use commons_core::PageRequest;
use commons_resources::service::reading::FeedFilter;

use super::types::Resource;
use super::{any_id, visible};
use crate::error::GqlResult;
use crate::schema::context::ContextExt;
use crate::schema::node::expect_id;

#[derive(Default)]
pub struct ResourcesQuery;

#[derive(InputObject, Default)]
pub struct ResourceFilter {
    /// `blogpost`, `page`, …
    kind: Option<String>,
    /// A user, organization or department.
    owner_id: Option<ID>,
    creator_id: Option<ID>,
    tag: Option<String>,
    /// Words to find in titles and summaries (case-insensitive; on SQLite only for Latin letters).
    text: Option<String>,
}

#[Object]
impl ResourcesQuery {
    /// A resource by id; null when it does not exist or is not visible to you.
    async fn resource(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Resource>> {
        visible(ctx, any_id(&id, "Resource", "id")?).await
    }

    /// Published public resources, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ResourceFilter>,
    ) -> async_graphql::Result<Connection<String, Resource>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default();
        let owner = |id: Option<ID>, field: &str| id.map(|id| any_id(&id, "Resource", field)).transpose();
        let filter = FeedFilter {
            kind: filter.kind,
            owner_id: owner(filter.owner_id, "filter.ownerId")?,
            creator_id: filter
                .creator_id
                .map(|id| expect_id(&id, "User", "filter.creatorId"))
                .transpose()?,
            tag: filter.tag,
            text: filter.text,
        };
        let found = s.resources.feed(&s.db, ctx.actor()?, filter, &page).await.gql()?;
        let mut connection = Connection::new(page.after.is_some(), found.has_next_page);
        connection.edges.extend(
            found.edges.into_iter().filter_map(|(cursor, full)| {
                Resource::from_full(full).map(|r| Edge::new(cursor.encode(), r))
            }),
        );
        Ok(connection)
    }
}
