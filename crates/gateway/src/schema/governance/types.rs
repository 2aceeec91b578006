//! Tasks, their reports and participants as GraphQL types; the initiative itself is a
//! resource kind (`schema::resources::Initiative`).

use crate::schema::loaders::RequestLoader;
use async_graphql::{Context, Enum, ID, Object};
use commons_core::Timestamp;
use commons_governance::entity::{participant, report, task};

use super::loader::{AssigneesOf, GovernanceLoader, PhotosOf, ReportsOf};
use crate::error::SharedResult;
use crate::schema::identity::{User, load_users};
use crate::schema::node::global_id;
use crate::schema::resources::{Resource, load_resources};

pub(crate) fn loader<'a>(ctx: &'a Context<'_>) -> &'a RequestLoader<GovernanceLoader> {
    ctx.data_unchecked::<RequestLoader<GovernanceLoader>>()
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_governance::InitiativeStatus")]
pub enum InitiativeStatus {
    /// Being prepared: nobody joins yet.
    Draft,
    /// People join and claim tasks.
    Open,
    InProgress,
    Completed,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_governance::TaskStatus")]
pub enum TaskStatus {
    /// Nobody has claimed it.
    Open,
    InProgress,
    /// A report waits for the organizers.
    Submitted,
    Approved,
    /// Worked on and reported again.
    Rejected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_governance::ReportStatus")]
pub enum ReportStatus {
    Submitted,
    Approved,
    Rejected,
}

/// Work in an initiative, for up to `maxAssignees` people.
pub struct Task(pub task::Model);

#[Object]
impl Task {
    pub async fn id(&self) -> ID {
        global_id("Task", self.0.id)
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn deadline(&self) -> Option<Timestamp> {
        self.0.deadline
    }

    async fn status(&self) -> TaskStatus {
        self.0.status.into()
    }

    async fn max_assignees(&self) -> i32 {
        self.0.max_assignees
    }

    /// Places still free.
    async fn places_left(&self) -> i32 {
        (self.0.max_assignees - self.0.assignee_count).max(0)
    }

    /// Who claimed it, earliest first.
    async fn assignees(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        let found = loader(ctx)
            .load_one(AssigneesOf(self.0.id))
            .await
            .unshared()?
            .unwrap_or_default();
        let ids: Vec<uuid::Uuid> = found.iter().map(|a| a.user_id).collect();
        let mut users = load_users(ctx, ids.clone()).await?;
        Ok(ids.iter().filter_map(|id| users.remove(id)).collect())
    }

    /// Its reports, oldest first: approved ones for everyone, the others for their author
    /// and the organizers.
    async fn reports(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TaskReport>> {
        let found = loader(ctx).load_one(ReportsOf(self.0.id)).await.unshared()?;
        Ok(found.unwrap_or_default().into_iter().map(TaskReport).collect())
    }

    /// The initiative it belongs to.
    async fn initiative(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Resource>> {
        let id = self.0.initiative_id;
        Ok(load_resources(ctx, vec![id]).await?.remove(&id))
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

/// What an assignee says they did, with photos.
pub struct TaskReport(pub report::Model);

#[Object]
impl TaskReport {
    pub async fn id(&self) -> ID {
        global_id("TaskReport", self.0.id)
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }

    /// From 1 to 5, when approved.
    async fn rating(&self) -> Option<i16> {
        self.0.rating
    }

    /// Why it was rejected.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.author_id])
            .await?
            .remove(&self.0.author_id))
    }

    /// Where its photos are served, in order.
    async fn photo_urls(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        if self.0.photo_count == 0 {
            return Ok(Vec::new());
        }
        let found = loader(ctx).load_one(PhotosOf(self.0.id)).await.unshared()?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(commons_resources::Resources::media_url)
            .collect())
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    async fn reviewed_at(&self) -> Option<Timestamp> {
        self.0.reviewed_at
    }
}

/// Someone who joined an initiative.
pub struct Participant(pub participant::Model);

#[Object(name = "InitiativeParticipant")]
impl Participant {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.user_id])
            .await?
            .remove(&self.0.user_id))
    }

    async fn joined_at(&self) -> Timestamp {
        self.0.joined_at
    }
}
