//! reactions in GraphQL (RE1): toggling, and the summary every resource carries.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};

use crate::error::GqlResult;
use crate::schema::context::ContextExt;
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
    kind: ReactionKind,
    count: i64,
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
}
