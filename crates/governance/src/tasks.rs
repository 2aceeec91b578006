//! GV2: tasks of an initiative and who claims them. A task has `max_assignees` places; a
//! claim inserts the assignee (unique per task and person) and takes a place with `UPDATE
//! tasks SET assignee_count = assignee_count + 1 WHERE assignee_count < max_assignees`, so
//! however many claim at once, never more than the places get it (and a `CHECK` says the
//! same). Claiming joins the initiative too.

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, outbox, tenant, text};
use commons_orgs::service::access::active_writer;
use commons_resources::entity::initiative::InitiativeStatus;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    SqlErr,
};
use uuid::Uuid;

use crate::Governance;
use crate::entity::assignee;
use crate::entity::task::{self, TaskStatus};
use crate::error::Error;
use crate::events::TaskClaimed;
use crate::initiatives::is_running;
use crate::organizers::Seen;

const MAX_ASSIGNEES: i32 = 1_000;
const MAX_TASKS_LISTED: u64 = 200;

/// A task to add to an initiative.
#[derive(Clone, Debug)]
pub struct CreateTask {
    pub initiative_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub deadline: Option<Timestamp>,
    /// How many people may claim it (1 when absent).
    pub max_assignees: Option<i32>,
}

impl Governance {
    /// Adds a task to an initiative that is not over (its organizers).
    pub async fn create_task<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateTask,
    ) -> Result<task::Model, Error> {
        let title = text::required("title", &input.title, 200)?;
        let description = text::optional("description", input.description.as_deref(), 5000)?;
        let max = input.max_assignees.unwrap_or(1);
        if !(1..=MAX_ASSIGNEES).contains(&max) {
            return Err(Error::invalid(
                "maxAssignees",
                format!("a task takes 1 to {MAX_ASSIGNEES} people"),
            ));
        }
        let now = self.now();
        if input.deadline.is_some_and(|d| d < now) {
            return Err(Error::invalid("deadline", "the deadline has passed already"));
        }
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let seen = self.seen(&tx, actor, input.initiative_id).await?;
        self.require_organizer(
            &tx,
            actor,
            &seen.resource,
            "only the initiative's organizers add tasks",
        )
        .await?;
        if matches!(
            seen.initiative.status,
            InitiativeStatus::Completed | InitiativeStatus::Cancelled
        ) {
            return Err(Error::InitiativeClosed {
                status: seen.initiative.status,
                what: "it takes no more tasks",
            });
        }
        let made = task::ActiveModel {
            id: Set(commons_core::id::new()),
            initiative_id: Set(input.initiative_id),
            title: Set(title),
            description: Set(description),
            deadline: Set(input.deadline),
            max_assignees: Set(max),
            assignee_count: Set(0),
            status: Set(TaskStatus::Open),
            created_by: Set(me),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Takes a place on a task (and joins its initiative). Claiming twice finds it claimed.
    pub async fn claim_task<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        task_id: Uuid,
    ) -> Result<task::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let (found, seen) = self.task_seen(&tx, actor, task_id).await?;
        if !is_running(seen.initiative.status) {
            return Err(Error::InitiativeClosed {
                status: seen.initiative.status,
                what: "its tasks are claimed while it is open or in progress",
            });
        }
        if !matches!(found.status, TaskStatus::Open | TaskStatus::InProgress) {
            return Err(Error::TaskClosed {
                status: found.status,
                what: "it takes no one else",
            });
        }
        let claimed = assignee::Entity::insert(assignee::ActiveModel {
            id: Set(commons_core::id::new()),
            task_id: Set(task_id),
            user_id: Set(me),
            claimed_at: Set(now),
        })
        .exec_without_returning(&tx)
        .await;
        match claimed {
            Ok(_) => {}
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                // A repeat (a client's retry): the place is the actor's already.
                return Ok(found);
            }
            Err(e) => return Err(e.into()),
        }
        let took = task::Entity::update_many()
            .col_expr(
                task::Column::AssigneeCount,
                Expr::col(task::Column::AssigneeCount).add(1),
            )
            .col_expr(task::Column::Status, Expr::value(TaskStatus::InProgress))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(task_id))
            .filter(Expr::col(task::Column::AssigneeCount).lt(Expr::col(task::Column::MaxAssignees)))
            .filter(task::Column::Status.is_in([TaskStatus::Open, TaskStatus::InProgress]))
            .exec(&tx)
            .await?;
        if took.rows_affected == 0 {
            return Err(Error::TaskFull {
                max: found.max_assignees,
            });
        }
        self.join(&tx, actor, me, &seen, now).await?;
        let now_task = moved(&tx, actor, &found, &seen, me, true, now).await?;
        tx.commit().await?;
        Ok(now_task)
    }

    /// Gives a place back while the task is being worked on; the last one out opens it again.
    pub async fn unclaim_task<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        task_id: Uuid,
    ) -> Result<task::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let (found, seen) = self.task_seen(&tx, actor, task_id).await?;
        if !matches!(
            found.status,
            TaskStatus::Open | TaskStatus::InProgress | TaskStatus::Rejected
        ) {
            return Err(Error::TaskClosed {
                status: found.status,
                what: "its places are kept until it is reviewed",
            });
        }
        let gone = assignee::Entity::delete_many()
            .filter(assignee::Column::TaskId.eq(task_id))
            .filter(assignee::Column::UserId.eq(me))
            .exec(&tx)
            .await?;
        if gone.rows_affected == 0 {
            tx.commit().await?;
            return Ok(found);
        }
        task::Entity::update_many()
            .col_expr(
                task::Column::AssigneeCount,
                Expr::col(task::Column::AssigneeCount).sub(1),
            )
            .col_expr(
                task::Column::Status,
                Expr::case(
                    Expr::col(task::Column::AssigneeCount).eq(1),
                    Expr::value(TaskStatus::Open),
                )
                .finally(Expr::col(task::Column::Status))
                .into(),
            )
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(task_id))
            .filter(task::Column::AssigneeCount.gt(0))
            .exec(&tx)
            .await?;
        let now_task = moved(&tx, actor, &found, &seen, me, false, now).await?;
        tx.commit().await?;
        Ok(now_task)
    }

    /// A task the actor may see (its initiative is visible), with its initiative.
    pub(crate) async fn task_seen(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        task_id: Uuid,
    ) -> Result<(task::Model, Seen), Error> {
        let found = task::Entity::find_by_id(task_id)
            .one(tx)
            .await?
            .ok_or(Error::TaskNotFound)?;
        let seen = match self.seen(tx, actor, found.initiative_id).await {
            Ok(seen) => seen,
            Err(Error::InitiativeNotFound) => return Err(Error::TaskNotFound),
            Err(e) => return Err(e),
        };
        Ok((found, seen))
    }

    /// The tasks of the initiatives of `ids` the actor may see, oldest first (at most 200
    /// each), in one query after the visibility checks.
    pub async fn tasks_of<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<task::Model>>, Error> {
        let tx = tenant::read(db, actor).await?;
        let visible = self.visible_initiatives(&tx, actor, ids).await?;
        let rows = task::Entity::find()
            .filter(task::Column::InitiativeId.is_in(visible.iter().map(|r| r.id)))
            .order_by_asc(task::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut by_initiative: HashMap<Uuid, Vec<task::Model>> = HashMap::new();
        for row in rows {
            let list = by_initiative.entry(row.initiative_id).or_default();
            if (list.len() as u64) < MAX_TASKS_LISTED {
                list.push(row);
            }
        }
        Ok(by_initiative)
    }

    /// The tasks of `ids` the actor may see.
    pub async fn tasks_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<task::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = task::Entity::find()
            .filter(task::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let initiatives: Vec<Uuid> = rows.iter().map(|t| t.initiative_id).collect();
        let visible = self.visible_initiatives(&tx, actor, &initiatives).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .filter(|t| visible.iter().any(|r| r.id == t.initiative_id))
            .collect())
    }

    /// Who claimed the tasks of `task_ids` (those the actor may see), earliest first.
    pub async fn assignees_of<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        task_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<assignee::Model>>, Error> {
        let seen: Vec<Uuid> = self
            .tasks_by_ids(db, actor, task_ids)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        let tx = tenant::read(db, actor).await?;
        let rows = assignee::Entity::find()
            .filter(assignee::Column::TaskId.is_in(seen))
            .order_by_asc(assignee::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(crate::grouped(rows, |a| (a.task_id, a)))
    }
}

/// Tells the organizers that `user` claimed (or gave back) a place on `found`, and reads the
/// task as it is now.
async fn moved(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    found: &task::Model,
    seen: &Seen,
    user: Uuid,
    claimed: bool,
    now: Timestamp,
) -> Result<task::Model, Error> {
    let event = TaskClaimed {
        task: found.id,
        initiative: seen.initiative.resource_id,
        title: found.title.clone(),
        user,
        claimed,
        org: seen.resource.org_id,
    };
    outbox::append(tx, actor, &event, now).await?;
    task::Entity::find_by_id(found.id)
        .one(tx)
        .await?
        .ok_or(Error::TaskNotFound)
}
