//! governance in GraphQL: initiatives (a resource kind, GV1) people join by code, their tasks
//! and completion reports (GV2), polls (GV3).

mod achievements;
mod loader;
mod polls;
mod types;

pub use achievements::AchievementsQuery;
pub use polls::{Ballot, Poll, PollOption, PollsMutation, PollsQuery};

pub use loader::GovernanceLoader;
pub(crate) use loader::{ChatOf, CodeOf, JoinedBy, TasksOf};
pub(crate) use types::loader;
pub use types::{InitiativeStatus, Participant, ReportStatus, Task, TaskReport, TaskStatus};

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use commons_core::{ErrorCode, PageRequest, Timestamp};
use commons_governance::{CreateTask, Review, SubmitReport};

use crate::error::{GqlResult, SharedResult, coded};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::messaging::Conversation;
use crate::schema::node::expect_id;
use crate::schema::resources::{Resource, any_resource_id, load_resources};

#[derive(InputObject)]
pub struct CreateTaskInput {
    initiative_id: ID,
    title: String,
    description: Option<String>,
    deadline: Option<Timestamp>,
    /// How many people may claim it; 1 when absent.
    max_assignees: Option<i32>,
}

#[derive(InputObject)]
pub struct SubmitTaskReportInput {
    task_id: ID,
    /// What was done.
    body: String,
    /// Images you uploaded (`uploadMedia`), at most 10.
    #[graphql(default)]
    photo_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct ReviewTaskReportInput {
    report_id: ID,
    approve: bool,
    /// 1 to 5, to approve.
    rating: Option<i16>,
    /// Why, to reject.
    reason: Option<String>,
}

/// The polls of `ids` the caller may see, in one batch.
pub(crate) async fn load_polls(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
) -> async_graphql::Result<std::collections::HashMap<uuid::Uuid, Poll>> {
    let found = loader(ctx)
        .load_many(ids.into_iter().map(loader::PollId))
        .await
        .unshared()?;
    Ok(found.into_iter().map(|(k, p)| (k.0, Poll(p))).collect())
}

/// The tasks of `ids` the caller may see, in one batch.
pub(crate) async fn load_tasks(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
) -> async_graphql::Result<std::collections::HashMap<uuid::Uuid, Task>> {
    let found = loader(ctx)
        .load_many(ids.into_iter().map(loader::TaskId))
        .await
        .unshared()?;
    Ok(found.into_iter().map(|(k, t)| (k.0, Task(t))).collect())
}

/// The initiative `id` as the caller sees it now.
async fn initiative(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Resource> {
    load_resources(ctx, vec![id])
        .await?
        .remove(&id)
        .ok_or_else(|| coded(ErrorCode::NotFound, "no such initiative"))
}

#[derive(Default)]
pub struct GovernanceQuery;

#[Object]
impl GovernanceQuery {
    /// A task whose initiative you may see; null otherwise.
    async fn task(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Task>> {
        let id = expect_id(&id, "Task", "id")?;
        Ok(load_tasks(ctx, vec![id]).await?.remove(&id))
    }

    /// Who joined an initiative, earliest first: for its organizers and participants.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn initiative_participants(
        &self,
        ctx: &Context<'_>,
        initiative_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Participant>> {
        let s = ctx.services();
        let id = any_resource_id(&initiative_id, "initiativeId")?;
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .governance
            .participants(&s.db, ctx.actor()?, id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Participant))
    }
}

#[derive(Default)]
pub struct GovernanceMutation;

#[Object]
impl GovernanceMutation {
    /// Joins the initiative whose code you scanned (a QR code carries it) or typed.
    async fn join_initiative(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Resource> {
        let s = ctx.services();
        let joined = s
            .governance
            .join_initiative(&s.db, ctx.actor()?, &code)
            .await
            .gql()?;
        initiative(ctx, joined.resource_id).await
    }

    /// Leaves an initiative (unclaim your tasks first).
    async fn leave_initiative(
        &self,
        ctx: &Context<'_>,
        initiative_id: ID,
    ) -> async_graphql::Result<Resource> {
        let s = ctx.services();
        let id = any_resource_id(&initiative_id, "initiativeId")?;
        s.governance
            .leave_initiative(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        initiative(ctx, id).await
    }

    /// Moves an initiative on (its organizers): draft → open (once published) → in progress
    /// → completed, or cancelled before it completes.
    async fn move_initiative(
        &self,
        ctx: &Context<'_>,
        initiative_id: ID,
        to: InitiativeStatus,
    ) -> async_graphql::Result<Resource> {
        let s = ctx.services();
        let id = any_resource_id(&initiative_id, "initiativeId")?;
        s.governance
            .move_initiative(&s.db, ctx.actor()?, id, to.into())
            .await
            .gql()?;
        initiative(ctx, id).await
    }

    /// Opens the initiative's group chat (its organizers) with everyone who joined; people
    /// who join later are added, those who leave taken out. Opening it again finds it.
    async fn open_initiative_chat(
        &self,
        ctx: &Context<'_>,
        initiative_id: ID,
    ) -> async_graphql::Result<Conversation> {
        let s = ctx.services();
        let id = any_resource_id(&initiative_id, "initiativeId")?;
        let chat = s
            .governance
            .open_initiative_chat(&s.db, ctx.actor()?, id)
            .await
            .gql()?;
        Ok(Conversation(chat))
    }

    /// Adds a task to an initiative (its organizers).
    async fn create_task(&self, ctx: &Context<'_>, input: CreateTaskInput) -> async_graphql::Result<Task> {
        let s = ctx.services();
        let create = CreateTask {
            initiative_id: any_resource_id(&input.initiative_id, "initiativeId")?,
            title: input.title,
            description: input.description,
            deadline: input.deadline,
            max_assignees: input.max_assignees,
        };
        Ok(Task(
            s.governance
                .create_task(&s.db, ctx.actor()?, create)
                .await
                .gql()?,
        ))
    }

    /// Takes a place on a task, and joins its initiative.
    async fn claim_task(&self, ctx: &Context<'_>, task_id: ID) -> async_graphql::Result<Task> {
        let s = ctx.services();
        let id = expect_id(&task_id, "Task", "taskId")?;
        Ok(Task(
            s.governance.claim_task(&s.db, ctx.actor()?, id).await.gql()?,
        ))
    }

    /// Gives your place on a task back.
    async fn unclaim_task(&self, ctx: &Context<'_>, task_id: ID) -> async_graphql::Result<Task> {
        let s = ctx.services();
        let id = expect_id(&task_id, "Task", "taskId")?;
        Ok(Task(
            s.governance.unclaim_task(&s.db, ctx.actor()?, id).await.gql()?,
        ))
    }

    /// Reports a task you claimed as done, with photos, for the organizers to review.
    async fn submit_task_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitTaskReportInput,
    ) -> async_graphql::Result<TaskReport> {
        let s = ctx.services();
        let submit = SubmitReport {
            task_id: expect_id(&input.task_id, "Task", "taskId")?,
            body: input.body,
            photo_ids: input
                .photo_ids
                .iter()
                .map(|id| expect_id(id, "Media", "photoIds"))
                .collect::<async_graphql::Result<_>>()?,
        };
        Ok(TaskReport(
            s.governance
                .submit_report(&s.db, ctx.actor()?, submit)
                .await
                .gql()?,
        ))
    }

    /// Approves a report with a rating (1–5) or rejects it with a reason (the organizers).
    async fn review_task_report(
        &self,
        ctx: &Context<'_>,
        input: ReviewTaskReportInput,
    ) -> async_graphql::Result<TaskReport> {
        let s = ctx.services();
        let id = expect_id(&input.report_id, "TaskReport", "reportId")?;
        // A missing rating or reason is the service's to refuse, with its field.
        let review = if input.approve {
            Review::Approve {
                rating: input.rating.unwrap_or_default(),
            }
        } else {
            Review::Reject {
                reason: input.reason.unwrap_or_default(),
            }
        };
        Ok(TaskReport(
            s.governance
                .review_report(&s.db, ctx.actor()?, id, review)
                .await
                .gql()?,
        ))
    }
}
