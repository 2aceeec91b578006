//! GV1: an initiative's lifecycle and its participants (and, where it has one, its chat's). People join by the code a QR scan
//! carries (or by claiming one of its tasks), while it is open or in progress, never beyond
//! its `max_participants`: the count moves with a conditional update in the joining
//! transaction, under a `CHECK` that says the same.

use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, outbox, tenant};
use commons_orgs::service::access::active_writer;
use commons_resources::Status;
use commons_resources::entity::initiative::{self, InitiativeStatus};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::Governance;
use crate::entity::{assignee, participant, task};
use crate::error::Error;
use crate::events::{InitiativeJoined, InitiativeStatusChanged};
use crate::organizers::Seen;

/// Which move an organizer may make from where an initiative is.
pub fn may_move(from: InitiativeStatus, to: InitiativeStatus) -> bool {
    use InitiativeStatus::*;
    matches!(
        (from, to),
        (Draft, Open)
            | (Draft, Cancelled)
            | (Open, InProgress)
            | (Open, Cancelled)
            | (InProgress, Completed)
            | (InProgress, Cancelled)
    )
}

/// Whether people join and claim tasks in this status.
pub(crate) fn is_running(status: InitiativeStatus) -> bool {
    matches!(status, InitiativeStatus::Open | InitiativeStatus::InProgress)
}

impl Governance {
    /// Joins the initiative whose code the actor scanned or typed (any case). Joining twice
    /// finds the actor already in.
    pub async fn join_initiative<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        code: &str,
    ) -> Result<initiative::Model, Error> {
        let code = code.trim().to_ascii_uppercase();
        if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::UnknownCode);
        }
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        // The code is the invitation: looked up as the system, then the initiative must be
        // one the actor may see.
        tenant::act_as(&tx, &Actor::System).await?;
        let found = initiative::Entity::find()
            .filter(initiative::Column::JoinCode.eq(code.as_str()))
            .one(&tx)
            .await?;
        tenant::act_as(&tx, actor).await?;
        let Some(found) = found else {
            return Err(Error::UnknownCode);
        };
        let seen = match self.seen(&tx, actor, found.resource_id).await {
            Ok(seen) => seen,
            Err(Error::InitiativeNotFound) => return Err(Error::UnknownCode),
            Err(e) => return Err(e),
        };
        self.join(&tx, actor, me, &seen, now).await?;
        let joined = initiative::Entity::find_by_id(seen.initiative.resource_id)
            .one(&tx)
            .await?
            .ok_or(Error::InitiativeNotFound)?;
        tx.commit().await?;
        Ok(joined)
    }

    /// Makes `user` a participant of `seen` (no-op if they are); `true` when they joined now.
    pub(crate) async fn join(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        user: Uuid,
        seen: &Seen,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let status = seen.initiative.status;
        if !is_running(status) || seen.resource.status != Status::Published {
            return Err(Error::InitiativeClosed {
                status,
                what: "people join while it is open or in progress",
            });
        }
        let id = seen.initiative.resource_id;
        let inserted = participant::Entity::insert(participant::ActiveModel {
            id: Set(commons_core::id::new()),
            initiative_id: Set(id),
            user_id: Set(user),
            joined_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([participant::Column::InitiativeId, participant::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await?;
        if inserted == 0 {
            return Ok(false);
        }
        // The count is the initiative's row (the organizer's): moved as the system.
        tenant::act_as(tx, &Actor::System).await?;
        let counted = initiative::Entity::update_many()
            .col_expr(
                initiative::Column::ParticipantCount,
                Expr::col(initiative::Column::ParticipantCount).add(1),
            )
            .filter(initiative::Column::ResourceId.eq(id))
            .filter(
                Condition::any()
                    .add(initiative::Column::MaxParticipants.is_null())
                    .add(
                        Expr::col(initiative::Column::ParticipantCount)
                            .lt(Expr::col(initiative::Column::MaxParticipants)),
                    ),
            )
            .exec(tx)
            .await?;
        tenant::act_as(tx, actor).await?;
        if counted.rows_affected == 0 {
            return Err(Error::InitiativeFull {
                max: seen.initiative.max_participants.unwrap_or_default(),
            });
        }
        crate::chat::follow_join(tx, actor, id, user, now).await?;
        let event = InitiativeJoined {
            initiative: id,
            user,
            org: seen.resource.org_id,
        };
        outbox::append(tx, actor, &event, now).await?;
        Ok(true)
    }

    /// Leaves an initiative; someone holding a task unclaims it first.
    pub async fn leave_initiative<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<initiative::Model, Error> {
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let seen = self.seen(&tx, actor, id).await?;
        let tasks: Vec<Uuid> = task::Entity::find()
            .select_only()
            .column(task::Column::Id)
            .filter(task::Column::InitiativeId.eq(id))
            .into_tuple()
            .all(&tx)
            .await?;
        let holding = assignee::Entity::find()
            .filter(assignee::Column::UserId.eq(me))
            .filter(assignee::Column::TaskId.is_in(tasks))
            .one(&tx)
            .await?;
        if holding.is_some() {
            return Err(Error::invalid(
                "initiativeId",
                "unclaim your tasks before you leave",
            ));
        }
        let left = participant::Entity::delete_many()
            .filter(participant::Column::InitiativeId.eq(id))
            .filter(participant::Column::UserId.eq(me))
            .exec(&tx)
            .await?;
        if left.rows_affected == 1 {
            tenant::act_as(&tx, &Actor::System).await?;
            initiative::Entity::update_many()
                .col_expr(
                    initiative::Column::ParticipantCount,
                    Expr::col(initiative::Column::ParticipantCount).sub(1),
                )
                .filter(initiative::Column::ResourceId.eq(id))
                .filter(initiative::Column::ParticipantCount.gt(0))
                .exec(&tx)
                .await?;
            crate::chat::follow_leave(&tx, id, me).await?;
        }
        let now = initiative::Entity::find_by_id(seen.initiative.resource_id)
            .one(&tx)
            .await?
            .ok_or(Error::InitiativeNotFound)?;
        tx.commit().await?;
        Ok(now)
    }

    /// Moves an initiative on (its organizers): draft → open (once published) → in progress
    /// → completed, or cancelled before it completes. Its participants are told.
    pub async fn move_initiative<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        to: InitiativeStatus,
    ) -> Result<initiative::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        active_writer(&tx, actor).await?;
        let seen = self.seen(&tx, actor, id).await?;
        self.require_organizer(
            &tx,
            actor,
            &seen.resource,
            "only the initiative's organizers move it on",
        )
        .await?;
        let from = seen.initiative.status;
        if from == to {
            tx.commit().await?;
            return Ok(seen.initiative);
        }
        if !may_move(from, to) {
            return Err(Error::InitiativeClosed {
                status: from,
                what: "it cannot move there from here",
            });
        }
        if to == InitiativeStatus::Open && seen.resource.status != Status::Published {
            return Err(Error::invalid("to", "publish the initiative before opening it"));
        }
        tenant::act_as(&tx, &Actor::System).await?;
        let moved = initiative::Entity::update_many()
            .col_expr(initiative::Column::Status, Expr::value(to))
            .filter(initiative::Column::ResourceId.eq(id))
            .filter(initiative::Column::Status.eq(from))
            .exec(&tx)
            .await?;
        tenant::act_as(&tx, actor).await?;
        if moved.rows_affected == 0 {
            return Err(Error::InitiativeClosed {
                status: from,
                what: "it was moved meanwhile",
            });
        }
        let event = InitiativeStatusChanged {
            initiative: id,
            title: seen.resource.title.clone(),
            to: crate::error::status_name(to).into(),
            org: seen.resource.org_id,
        };
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        Ok(initiative::Model {
            status: to,
            ..seen.initiative
        })
    }

    /// Who joined an initiative, earliest first: for its organizers and its participants.
    pub async fn participants<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<participant::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let seen = self.seen(&tx, actor, id).await?;
        let me = actor.user_id();
        let joined = match me {
            Some(me) => participant::Entity::find()
                .filter(participant::Column::InitiativeId.eq(id))
                .filter(participant::Column::UserId.eq(me))
                .one(&tx)
                .await?
                .is_some(),
            None => false,
        };
        if !joined && !self.organizes(&tx, actor, &seen.resource).await? {
            return Err(Error::NotAllowed(
                "only its organizers and participants see who joined",
            ));
        }
        let select = participant::Entity::find().filter(participant::Column::InitiativeId.eq(id));
        let found = page::fetch(
            &tx,
            select,
            Keyset::oldest_first(participant::Column::Id),
            page,
            |p| Cursor::by_id(p.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Of `ids`, the initiatives the actor has joined (one query).
    pub async fn joined<C: Conn>(&self, db: &C, actor: &Actor, ids: &[Uuid]) -> Result<Vec<Uuid>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = participant::Entity::find()
            .filter(participant::Column::UserId.eq(me))
            .filter(participant::Column::InitiativeId.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.into_iter().map(|p| p.initiative_id).collect())
    }

    /// Of `ids`, the initiatives whose join code the actor may see (its organizers), with
    /// their codes.
    pub async fn join_codes<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, String>, Error> {
        let tx = tenant::read(db, actor).await?;
        let visible = self.visible_initiatives(&tx, actor, ids).await?;
        let organized = self.organized_among(&tx, actor, &visible).await?;
        let codes = initiative::Entity::find()
            .filter(initiative::Column::ResourceId.is_in(organized))
            .all(&tx)
            .await?
            .into_iter()
            .map(|i| (i.resource_id, i.join_code))
            .collect();
        tx.commit().await?;
        Ok(codes)
    }
}
