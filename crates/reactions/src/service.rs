//! Toggling reactions (RE1) and reading their counts.

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::outbox;
use commons_core::{Actor, tenant};
use commons_orgs::service::access::active_writer;
use commons_resources::entity::resource;
use commons_resources::service::writing::live;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Reactions;
use crate::entity::reaction::{self, ReactionKind};
use crate::entity::reaction_count;
use crate::error::Error;
use crate::events::ReactionChanged;

/// A resource's reactions: how many of each kind, and which the viewer gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReactionSummary {
    pub resource_id: Uuid,
    /// Kinds with at least one reaction, in the kinds' order.
    pub counts: Vec<(ReactionKind, i64)>,
    pub total: i64,
    pub mine: Vec<ReactionKind>,
}

impl Reactions {
    /// Adds the actor's reaction of `kind` to a resource they may see, or takes it back if they
    /// had given it. The reaction row decides (its primary key holds one per person, resource
    /// and kind), and the counters move by one in the same transaction, so concurrent toggles
    /// leave the counts equal to the rows.
    pub async fn toggle_reaction<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        resource_id: Uuid,
        kind: ReactionKind,
    ) -> Result<ReactionSummary, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let target = live(&tx, actor, resource_id).await?;
        let added = reaction::Entity::insert(reaction::ActiveModel {
            resource_id: Set(resource_id),
            user_id: Set(user_id),
            kind: Set(kind),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                reaction::Column::ResourceId,
                reaction::Column::UserId,
                reaction::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?
            == 1;
        let change: i64 = if added {
            1
        } else {
            let removed = reaction::Entity::delete_many()
                .filter(reaction::Column::ResourceId.eq(resource_id))
                .filter(reaction::Column::UserId.eq(user_id))
                .filter(reaction::Column::Kind.eq(kind))
                .exec(&tx)
                .await?
                .rows_affected;
            -(removed as i64)
        };
        if change != 0 {
            count(&tx, actor, resource_id, kind, change).await?;
            let event = ReactionChanged {
                resource: resource_id,
                user: user_id,
                kind: kind.to_value(),
                added,
                org: target.org_id,
            };
            outbox::append(&tx, actor, &event, now).await?;
        }
        let summary = summaries(&tx, actor, &[resource_id])
            .await?
            .remove(&resource_id)
            .unwrap_or_default();
        tx.commit().await?;
        Ok(summary)
    }

    /// The reaction summaries of many resources, in two queries (counts, and the viewer's own):
    /// what a DataLoader asks for. Callers pass resources the actor may already see.
    pub async fn reaction_summaries<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        resource_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, ReactionSummary>, Error> {
        let tx = tenant::reading(db, actor).await?;
        let found = summaries(&tx, actor, resource_ids).await?;
        tenant::done(tx).await?;
        Ok(found)
    }
}

/// Moves the counter of `kind` on `resource_id`, and the resource's total, by `change`.
async fn count(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    resource_id: Uuid,
    kind: ReactionKind,
    change: i64,
) -> Result<(), Error> {
    reaction_count::Entity::insert(reaction_count::ActiveModel {
        resource_id: Set(resource_id),
        kind: Set(kind),
        count: Set(Ord::max(change, 0)),
    })
    .on_conflict(
        OnConflict::columns([reaction_count::Column::ResourceId, reaction_count::Column::Kind])
            .value(
                reaction_count::Column::Count,
                Expr::col((reaction_count::Entity, reaction_count::Column::Count)).add(change),
            )
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    bump(tx, actor, resource_id, resource::Column::ReactionCount, change).await
}

/// Moves one of the resource's totals (reactions, comments) by `change`, as the system: a
/// reader may react to or comment on an organization's public post whose row they may not
/// otherwise update (row level security).
pub(crate) async fn bump(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    resource_id: Uuid,
    total: resource::Column,
    change: i64,
) -> Result<(), Error> {
    tenant::act_as(tx, &Actor::System).await?;
    resource::Entity::update_many()
        .col_expr(total, Expr::col(total).add(change))
        .filter(resource::Column::Id.eq(resource_id))
        .exec(tx)
        .await?;
    tenant::act_as(tx, actor).await?;
    Ok(())
}

pub(crate) async fn summaries(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    resource_ids: &[Uuid],
) -> Result<HashMap<Uuid, ReactionSummary>, Error> {
    let mut found: HashMap<Uuid, ReactionSummary> = resource_ids
        .iter()
        .map(|id| {
            (
                *id,
                ReactionSummary {
                    resource_id: *id,
                    ..ReactionSummary::default()
                },
            )
        })
        .collect();
    if resource_ids.is_empty() {
        return Ok(found);
    }
    let mut counts = reaction_count::Entity::find()
        .filter(reaction_count::Column::ResourceId.is_in(resource_ids.iter().copied()))
        .filter(reaction_count::Column::Count.gt(0))
        .all(tx)
        .await?;
    counts.sort_by_key(|c| c.kind);
    for c in counts {
        if let Some(summary) = found.get_mut(&c.resource_id) {
            summary.total += c.count;
            summary.counts.push((c.kind, c.count));
        }
    }
    if let Some(user_id) = actor.user_id() {
        let mut mine = reaction::Entity::find()
            .filter(reaction::Column::UserId.eq(user_id))
            .filter(reaction::Column::ResourceId.is_in(resource_ids.iter().copied()))
            .all(tx)
            .await?;
        mine.sort_by_key(|r| r.kind);
        for r in mine {
            if let Some(summary) = found.get_mut(&r.resource_id) {
                summary.mine.push(r.kind);
            }
        }
    }
    Ok(found)
}
