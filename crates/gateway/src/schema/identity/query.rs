use async_graphql::connection::Connection;
use async_graphql::{Context, Object};
use commons_core::PageRequest;

use super::types::{User, UserStatus};
use crate::error::GqlResult;
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;

#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in user; null when not signed in.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let s = ctx.services();
        Ok(s.identity.me(&s.db, ctx.actor()?).await.gql()?.map(User::from))
    }

    /// A user by username (case-insensitive).
    async fn user(&self, ctx: &Context<'_>, username: String) -> async_graphql::Result<Option<User>> {
        let s = ctx.services();
        Ok(s.identity
            .user_by_username(&s.db, ctx.actor()?, &username)
            .await
            .gql()?
            .map(User::from))
    }

    /// Every user, newest first; `status: PENDING` is the approval queue. Admins only.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<UserStatus>,
    ) -> async_graphql::Result<Connection<String, User>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .identity
            .list_users(&s.db, ctx.actor()?, status.map(Into::into), &page)
            .await
            .gql()?;
        Ok(connection(&page, found, User::from))
    }
}
