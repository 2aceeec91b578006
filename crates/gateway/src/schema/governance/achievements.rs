//! GV4 in GraphQL: leaderboards, the activity log and badges.

use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EmptyFields};
use async_graphql::{Context, ID, Object, OutputType};
use commons_core::{PageRequest, Timestamp};
use commons_governance::Standing;
use commons_governance::entity::achievement::{activity, badge};

use crate::error::GqlResult;
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::identity::{User, load_users};
use crate::schema::node::expect_id;
use crate::schema::resources::{Resource, any_id, load_resources};

/// One place on a leaderboard.
pub struct LeaderboardEntry(pub Standing);

#[Object]
impl LeaderboardEntry {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.user_id])
            .await?
            .remove(&self.0.user_id))
    }

    async fn points(&self) -> i64 {
        self.0.points
    }
}

/// `LeaderboardConnection`, as DESIGN.md names it.
pub struct LeaderboardName;

impl ConnectionNameType for LeaderboardName {
    fn type_name<T: OutputType>() -> String {
        "LeaderboardConnection".into()
    }
}

/// `LeaderboardEdge`.
pub struct LeaderboardEdgeName;

impl EdgeNameType for LeaderboardEdgeName {
    fn type_name<T: OutputType>() -> String {
        "LeaderboardEdge".into()
    }
}

pub type Leaderboard =
    Connection<String, LeaderboardEntry, EmptyFields, EmptyFields, LeaderboardName, LeaderboardEdgeName>;

/// One thing you did that counted.
pub struct Activity(pub activity::Model);

#[Object]
impl Activity {
    /// `report_approved` or `badge_awarded`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// The task's title, or the badge's name.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    async fn points(&self) -> i64 {
        self.0.points
    }

    async fn initiative(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Resource>> {
        let Some(id) = self.0.initiative_id else {
            return Ok(None);
        };
        Ok(load_resources(ctx, vec![id]).await?.remove(&id))
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

/// A badge someone earned.
pub struct Badge(pub badge::Model);

#[Object]
impl Badge {
    /// `Activist` (5 approved tasks), `Photographer` (10 approved photo reports), `City Hero`
    /// (50 approved tasks).
    async fn name(&self) -> &str {
        &self.0.badge
    }

    async fn awarded_at(&self) -> Timestamp {
        self.0.awarded_at
    }
}

#[derive(Default)]
pub struct AchievementsQuery;

#[Object]
impl AchievementsQuery {
    /// Points, most first: everyone's (bonuses included), or those earned in one
    /// organization's initiatives.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn leaderboard(
        &self,
        ctx: &Context<'_>,
        organization_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Leaderboard> {
        let s = ctx.services();
        let org = organization_id
            .map(|id| expect_id(&id, "Organization", "organizationId"))
            .transpose()?;
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .governance
            .leaderboard(&s.db, ctx.actor()?, org, &page)
            .await
            .gql()?;
        let mut board = Leaderboard::new(page.after.is_some(), found.has_next_page);
        board.edges.extend(
            found
                .edges
                .into_iter()
                .map(|(cursor, standing)| Edge::new(cursor.encode(), LeaderboardEntry(standing))),
        );
        Ok(board)
    }

    /// Your activity log, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_activity(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Activity>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s.governance.activity(&s.db, ctx.actor()?, &page).await.gql()?;
        Ok(connection(&page, found, Activity))
    }

    /// The badges someone earned, oldest first.
    async fn badges(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<Vec<Badge>> {
        let s = ctx.services();
        let user = any_id(&user_id, "User", "userId")?;
        let mut found = s.governance.badges(&s.db, ctx.actor()?, &[user]).await.gql()?;
        Ok(found
            .remove(&user)
            .unwrap_or_default()
            .into_iter()
            .map(Badge)
            .collect())
    }
}
