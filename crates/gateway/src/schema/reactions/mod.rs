//! reactions in GraphQL: toggling reactions and the summary every resource carries (RE1);
//! comments (RE2); ratings (RE3).

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use commons_core::{PageRequest, Timestamp};
use commons_identity::service::users::shown_to;
use commons_reactions::comments::Comment as Domain;

use crate::schema::connection::connection;
use crate::schema::identity::{User, load_users};
use crate::schema::node::{expect_id, global_id};

use crate::error::GqlResult;
use crate::schema::context::ContextExt;
use crate::schema::idempotency;
use crate::schema::resources::any_resource_id;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_reactions::ReactionKind")]
pub enum ReactionKind {
    Like,
    Love,
    Laugh,
    Wow,
    Sad,
    Angry,
}

#[derive(SimpleObject)]
pub struct ReactionCount {
    pub(crate) kind: ReactionKind,
    pub(crate) count: i64,
}

/// A resource's reactions: how many of each kind, and yours.
#[derive(Clone)]
pub struct ReactionSummary(pub commons_reactions::ReactionSummary);

#[Object]
impl ReactionSummary {
    /// Kinds with at least one reaction.
    async fn counts(&self) -> Vec<ReactionCount> {
        self.0
            .counts
            .iter()
            .map(|(kind, count)| ReactionCount {
                kind: (*kind).into(),
                count: *count,
            })
            .collect()
    }

    async fn total(&self) -> i64 {
        self.0.total
    }

    /// The kinds you reacted with; empty when signed out.
    async fn viewer_reactions(&self) -> Vec<ReactionKind> {
        self.0.mine.iter().map(|k| (*k).into()).collect()
    }
}

/// A comment; its text is gone once deleted, and hidden from all but moderators once hidden.
pub struct Comment {
    comment: Domain,
    /// Its author when already read (live delivery reads it once for every subscriber).
    author: Option<commons_identity::entity::user::Profile>,
}

impl From<Domain> for Comment {
    fn from(comment: Domain) -> Self {
        Comment {
            comment,
            author: None,
        }
    }
}

impl Comment {
    pub fn domain_id(&self) -> uuid::Uuid {
        self.comment.id
    }

    pub fn with_author(comment: Domain, author: Option<commons_identity::entity::user::Profile>) -> Self {
        Comment { comment, author }
    }
}

#[Object]
impl Comment {
    pub async fn id(&self) -> ID {
        global_id("Comment", self.comment.id)
    }

    /// The comment this one answers.
    async fn parent_id(&self) -> Option<ID> {
        self.comment.parent_id.map(|id| global_id("Comment", id))
    }

    async fn body(&self) -> Option<&str> {
        self.comment.body.as_deref()
    }

    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if let Some(author) = &self.author {
            return Ok(shown_to(ctx.actor()?, author.clone()).map(User::from));
        }
        let id = self.comment.author_id;
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    async fn created_at(&self) -> Timestamp {
        self.comment.created_at
    }

    /// When its author last changed it.
    async fn edited_at(&self) -> Option<Timestamp> {
        self.comment.edited_at
    }

    async fn deleted(&self) -> bool {
        self.comment.deleted
    }

    async fn hidden(&self) -> bool {
        self.comment.hidden
    }

    /// For moderators only.
    async fn hidden_reason(&self) -> Option<&str> {
        self.comment.hidden_reason.as_deref()
    }
}

/// A resource's comments, oldest first: what `Resource.comments` returns.
pub async fn comments_of(
    ctx: &Context<'_>,
    resource_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<String, Comment>> {
    let s = ctx.services();
    let page = PageRequest::new(first, after.as_deref()).gql()?;
    let found = s
        .reactions
        .comments(&s.db, ctx.actor()?, resource_id, &page)
        .await
        .gql()?;
    Ok(connection(&page, found, Comment::from))
}

/// A rating given: a score of 1 to 5 and optional criteria.
pub struct Rating(pub commons_reactions::entity::rating::Model);

#[Object]
impl Rating {
    pub async fn id(&self) -> ID {
        global_id("Rating", self.0.id)
    }

    async fn score(&self) -> i16 {
        self.0.score
    }

    async fn quality(&self) -> Option<i16> {
        self.0.quality
    }

    async fn punctuality(&self) -> Option<i16> {
        self.0.punctuality
    }

    async fn communication(&self) -> Option<i16> {
        self.0.communication
    }

    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    async fn rater(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let id = self.0.rater_id;
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at
    }
}

/// A target's ratings.
#[derive(SimpleObject)]
pub struct RatingSummary {
    count: i64,
    /// Null before the first rating.
    average: Option<f64>,
    /// How many gave 1, 2, 3, 4 and 5.
    distribution: Vec<i64>,
    quality: Option<f64>,
    punctuality: Option<f64>,
    communication: Option<f64>,
}

/// A score of 1 to 5 for a resource or an agent (person, organization, department); giving
/// one again replaces yours.
#[derive(InputObject)]
pub struct RateInput {
    target_id: ID,
    score: i16,
    quality: Option<i16>,
    punctuality: Option<i16>,
    communication: Option<i16>,
    comment: Option<String>,
}

#[derive(Default)]
pub struct ReactionsQuery;

#[Object]
impl ReactionsQuery {
    /// The ratings of a resource you can see, or of a person, organization or department.
    async fn rating_summary(&self, ctx: &Context<'_>, target_id: ID) -> async_graphql::Result<RatingSummary> {
        let s = ctx.services();
        let target = any_resource_id(&target_id, "targetId")?;
        let found = s
            .reactions
            .rating_summary(&s.db, ctx.actor()?, target)
            .await
            .gql()?;
        Ok(RatingSummary {
            count: found.count,
            average: found.average,
            distribution: found.distribution.to_vec(),
            quality: found.quality,
            punctuality: found.punctuality,
            communication: found.communication,
        })
    }
}

#[derive(InputObject)]
pub struct AddCommentInput {
    resource_id: ID,
    /// The comment this one answers.
    parent_id: Option<ID>,
    body: String,
}

#[derive(InputObject)]
pub struct EditCommentInput {
    id: ID,
    body: String,
}

#[derive(InputObject)]
pub struct HideCommentInput {
    id: ID,
    /// Shown to moderators.
    reason: String,
}

#[derive(Default)]
pub struct ReactionsMutation;

#[Object]
impl ReactionsMutation {
    /// Adds your reaction of `kind` to a resource you can see, or takes it back.
    async fn toggle_reaction(
        &self,
        ctx: &Context<'_>,
        resource_id: ID,
        kind: ReactionKind,
    ) -> async_graphql::Result<ReactionSummary> {
        let s = ctx.services();
        let id = any_resource_id(&resource_id, "resourceId")?;
        let summary = s
            .reactions
            .toggle_reaction(&s.db, ctx.actor()?, id, kind.into())
            .await
            .gql()?;
        Ok(ReactionSummary(summary))
    }

    /// Rates a resource you can see, or a person, organization or department; not yourself
    /// nor what you made or own.
    async fn rate(&self, ctx: &Context<'_>, input: RateInput) -> async_graphql::Result<Rating> {
        let s = ctx.services();
        let rate = commons_reactions::ratings::Rate {
            target_id: any_resource_id(&input.target_id, "targetId")?,
            score: input.score,
            quality: input.quality,
            punctuality: input.punctuality,
            communication: input.communication,
            comment: input.comment,
        };
        let saved = s.reactions.rate(&s.db, ctx.actor()?, rate).await.gql()?;
        Ok(Rating(saved))
    }

    /// Comments on a resource you can see, or answers a comment of it.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        input: AddCommentInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Comment> {
        let s = ctx.services();
        let resource = any_resource_id(&input.resource_id, "resourceId")?;
        let parent = input
            .parent_id
            .map(|id| expect_id(&id, "Comment", "parentId"))
            .transpose()?;
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| {
                Ok(s.reactions
                    .comment(&s.db, ctx.actor()?, id)
                    .await
                    .gql()?
                    .map(Comment::from))
            },
            async |db| {
                let added = s
                    .reactions
                    .add_comment(db, ctx.actor()?, resource, parent, &input.body)
                    .await
                    .gql()?;
                Ok(Comment::from(added))
            },
            Comment::domain_id,
        )
        .await
    }

    /// Changes your comment's text (it shows as edited).
    async fn edit_comment(
        &self,
        ctx: &Context<'_>,
        input: EditCommentInput,
    ) -> async_graphql::Result<Comment> {
        let s = ctx.services();
        let id = expect_id(&input.id, "Comment", "id")?;
        let edited = s
            .reactions
            .edit_comment(&s.db, ctx.actor()?, id, &input.body)
            .await
            .gql()?;
        Ok(Comment::from(edited))
    }

    /// Deletes your comment; its answers stay.
    async fn delete_comment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Comment> {
        let s = ctx.services();
        let id = expect_id(&id, "Comment", "id")?;
        let deleted = s.reactions.delete_comment(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(Comment::from(deleted))
    }

    /// Hides a comment (`moderate_resources` where the resource is owned; a person's own
    /// resource: that person).
    async fn hide_comment(
        &self,
        ctx: &Context<'_>,
        input: HideCommentInput,
    ) -> async_graphql::Result<Comment> {
        let s = ctx.services();
        let id = expect_id(&input.id, "Comment", "id")?;
        let hidden = s
            .reactions
            .hide_comment(&s.db, ctx.actor()?, id, &input.reason)
            .await
            .gql()?;
        Ok(Comment::from(hidden))
    }
}
