//! GV2: completion reports. An assignee reports what was done, with up to 10 photos they
//! uploaded; the initiative's organizers approve it with a rating from 1 to 5 or reject it
//! with a reason, and a rejected task is worked on and reported again. The report's status
//! moves with `UPDATE … WHERE status = 'submitted'`, so of two organizers reviewing at once
//! one decides. Approved reports are shown to everyone who sees the initiative; the others to
//! their author and the organizers.

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::{Actor, outbox, tenant, text};
use commons_orgs::service::access::active_writer;
use commons_resources::entity::media;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Governance;
use crate::entity::report::{self, ReportStatus};
use crate::entity::task::{self, TaskStatus};
use crate::entity::{assignee, report_photo};
use crate::error::Error;
use crate::events::{TaskReportReviewed, TaskReportSubmitted};

const MAX_PHOTOS: usize = 10;

/// A report of a task's work.
#[derive(Clone, Debug)]
pub struct SubmitReport {
    pub task_id: Uuid,
    pub body: String,
    /// Images the author uploaded (`uploadMedia`), in order.
    pub photo_ids: Vec<Uuid>,
}

/// An organizer's answer to a report.
#[derive(Clone, Debug)]
pub enum Review {
    /// With a rating from 1 to 5.
    Approve { rating: i16 },
    /// With what to do better.
    Reject { reason: String },
}

impl Governance {
    /// Reports a claimed task's work (one of its assignees) for the organizers to review.
    pub async fn submit_report<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: SubmitReport,
    ) -> Result<report::Model, Error> {
        let body = text::required("body", &input.body, 5000)?;
        if input.photo_ids.len() > MAX_PHOTOS {
            return Err(Error::invalid(
                "photoIds",
                format!("a report has at most {MAX_PHOTOS} photos"),
            ));
        }
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let (found, seen) = self.task_seen(&tx, actor, input.task_id).await?;
        let assigned = assignee::Entity::find()
            .filter(assignee::Column::TaskId.eq(found.id))
            .filter(assignee::Column::UserId.eq(me))
            .one(&tx)
            .await?;
        if assigned.is_none() {
            return Err(Error::NotAllowed(
                "only someone who claimed the task reports on it",
            ));
        }
        let mut photos: Vec<Uuid> = Vec::with_capacity(input.photo_ids.len());
        for id in &input.photo_ids {
            if !photos.contains(id) {
                photos.push(*id);
            }
        }
        let uploads = media::Entity::find()
            .filter(media::Column::Id.is_in(photos.iter().copied()))
            .all(&tx)
            .await?;
        let yours = |id: &Uuid| {
            uploads
                .iter()
                .any(|m| m.id == *id && m.uploader_id == me && m.content_type.starts_with("image/"))
        };
        if !photos.iter().all(yours) {
            return Err(Error::invalid("photoIds", "every photo is an image you uploaded"));
        }
        let moved = task::Entity::update_many()
            .col_expr(task::Column::Status, Expr::value(TaskStatus::Submitted))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(found.id))
            .filter(task::Column::Status.is_in([TaskStatus::InProgress, TaskStatus::Rejected]))
            .exec(&tx)
            .await?;
        if moved.rows_affected == 0 {
            return Err(Error::TaskClosed {
                status: found.status,
                what: "it is reported while in progress or after a rejection",
            });
        }
        let made = report::Model {
            id: commons_core::id::new(),
            task_id: found.id,
            author_id: me,
            body,
            status: ReportStatus::Submitted,
            rating: None,
            reason: None,
            reviewed_by: None,
            reviewed_at: None,
            photo_count: photos.len() as i32,
            created_at: now,
        };
        report::Entity::insert(report::ActiveModel::from(made.clone()))
            .exec_without_returning(&tx)
            .await?;
        if !photos.is_empty() {
            report_photo::Entity::insert_many(photos.iter().enumerate().map(|(n, media_id)| {
                report_photo::ActiveModel {
                    id: Set(commons_core::id::new()),
                    report_id: Set(made.id),
                    media_id: Set(*media_id),
                    position: Set(n as i16),
                }
            }))
            .exec_without_returning(&tx)
            .await?;
        }
        let event = TaskReportSubmitted {
            report: made.id,
            task: found.id,
            initiative: seen.initiative.resource_id,
            title: found.title.clone(),
            author: me,
            photos: made.photo_count,
            org: seen.resource.org_id,
        };
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Approves (with a rating) or rejects (with a reason) a submitted report: the
    /// initiative's organizers. Its author is told.
    pub async fn review_report<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        report_id: Uuid,
        review: Review,
    ) -> Result<report::Model, Error> {
        let (status, rating, reason) = match review {
            Review::Approve { rating } if (1..=5).contains(&rating) => {
                (ReportStatus::Approved, Some(rating), None)
            }
            Review::Approve { .. } => return Err(Error::invalid("rating", "a rating is 1 to 5")),
            Review::Reject { reason } => (
                ReportStatus::Rejected,
                None,
                Some(text::required("reason", &reason, 2000)?),
            ),
        };
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        let found = report::Entity::find_by_id(report_id)
            .one(&tx)
            .await?
            .ok_or(Error::ReportNotFound)?;
        let (task, seen) = match self.task_seen(&tx, actor, found.task_id).await {
            Ok(pair) => pair,
            Err(Error::TaskNotFound) => return Err(Error::ReportNotFound),
            Err(e) => return Err(e),
        };
        self.require_organizer(
            &tx,
            actor,
            &seen.resource,
            "only the initiative's organizers review reports",
        )
        .await?;
        let decided = report::Entity::update_many()
            .col_expr(report::Column::Status, Expr::value(status))
            .col_expr(report::Column::Rating, Expr::value(rating))
            .col_expr(report::Column::Reason, Expr::value(reason.clone()))
            .col_expr(report::Column::ReviewedBy, Expr::value(me))
            .col_expr(report::Column::ReviewedAt, Expr::value(now))
            .filter(report::Column::Id.eq(report_id))
            .filter(report::Column::Status.eq(ReportStatus::Submitted))
            .exec(&tx)
            .await?;
        if decided.rows_affected == 0 {
            return Err(Error::AlreadyReviewed);
        }
        let task_status = if status == ReportStatus::Approved {
            TaskStatus::Approved
        } else {
            TaskStatus::Rejected
        };
        task::Entity::update_many()
            .col_expr(task::Column::Status, Expr::value(task_status))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(task.id))
            .filter(task::Column::Status.eq(TaskStatus::Submitted))
            .exec(&tx)
            .await?;
        if let Some(rating) = rating {
            let approved = crate::achievements::Approved {
                report: report_id,
                author: found.author_id,
                rating,
                with_photos: found.photo_count > 0,
                initiative: seen.initiative.resource_id,
                title: &task.title,
                org: seen.resource.org_id,
            };
            crate::achievements::count(&tx, actor, approved, now).await?;
        }
        let event = TaskReportReviewed {
            report: report_id,
            task: task.id,
            initiative: seen.initiative.resource_id,
            title: task.title.clone(),
            author: found.author_id,
            approved: status == ReportStatus::Approved,
            rating,
            reason: reason.clone(),
            with_photos: found.photo_count > 0,
            org: seen.resource.org_id,
        };
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        Ok(report::Model {
            status,
            rating,
            reason,
            reviewed_by: Some(me),
            reviewed_at: Some(now),
            ..found
        })
    }

    /// The reports of the tasks of `task_ids` the actor may see, oldest first: approved ones
    /// for everyone who sees the initiative, the others for their author and its organizers.
    pub async fn reports_of<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        task_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<report::Model>>, Error> {
        let tx = tenant::read(db, actor).await?;
        let asked = task::Entity::find()
            .filter(task::Column::Id.is_in(task_ids.iter().copied()))
            .all(&tx)
            .await?;
        let initiative_ids: Vec<Uuid> = asked.iter().map(|t| t.initiative_id).collect();
        let visible = self.visible_initiatives(&tx, actor, &initiative_ids).await?;
        let organized = self.organized_among(&tx, actor, &visible).await?;
        let tasks: Vec<task::Model> = asked
            .into_iter()
            .filter(|t| visible.iter().any(|r| r.id == t.initiative_id))
            .collect();
        let rows = report::Entity::find()
            .filter(report::Column::TaskId.is_in(tasks.iter().map(|t| t.id)))
            .order_by_asc(report::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        let initiative_of: HashMap<Uuid, Uuid> = tasks.iter().map(|t| (t.id, t.initiative_id)).collect();
        let me = actor.user_id();
        let mut by_task: HashMap<Uuid, Vec<report::Model>> = HashMap::new();
        for row in rows {
            let organizes = initiative_of
                .get(&row.task_id)
                .is_some_and(|i| organized.contains(i));
            if row.status == ReportStatus::Approved || organizes || me == Some(row.author_id) {
                by_task.entry(row.task_id).or_default().push(row);
            }
        }
        Ok(by_task)
    }

    /// The reports of `ids` the actor may see (as `reports_of` decides).
    pub async fn reports_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<report::Model>, Error> {
        let tx = tenant::read(db, actor).await?;
        let task_ids: Vec<Uuid> = report::Entity::find()
            .select_only()
            .column(report::Column::TaskId)
            .filter(report::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(self
            .reports_of(db, actor, &task_ids)
            .await?
            .into_values()
            .flatten()
            .filter(|r| ids.contains(&r.id))
            .collect())
    }

    /// The photos (media ids, in order) of the reports of `report_ids` the actor may see.
    pub async fn report_photos<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        report_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Uuid>>, Error> {
        let visible: Vec<Uuid> = self
            .reports_by_ids(db, actor, report_ids)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let tx = tenant::read(db, actor).await?;
        let rows = report_photo::Entity::find()
            .filter(report_photo::Column::ReportId.is_in(visible))
            .order_by_asc(report_photo::Column::ReportId)
            .order_by_asc(report_photo::Column::Position)
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(crate::grouped(rows, |p| (p.report_id, p.media_id)))
    }
}
