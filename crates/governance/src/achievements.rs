//! GV4: points, badges, the activity log and leaderboards. An approved report pays its author
//! `rating × 10` points (identity's ledger: once per report), counts toward the badges below
//! and is logged. The counts move with an upsert that locks the person's row, so two approvals
//! at once are counted one after the other and a threshold they cross together awards its
//! badge once (unique per person and badge); the award is an outbox event that tells them.

use commons_core::db::Conn;
use commons_core::page::SortKey;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, outbox, tenant};
use commons_identity::entity::point_total;
use commons_identity::service::points;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::Governance;
use crate::entity::achievement::{activity, badge, counts, org_points};
use crate::error::Error;
use crate::events::BadgeAwarded;

/// Why points were given for approved work.
pub const REPORT_APPROVED: &str = "task_report_approved";

/// A badge: its name and what earns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Badge {
    pub name: &'static str,
    pub approved_tasks: i32,
    pub approved_photo_reports: i32,
}

/// The badges, each earned once at its threshold.
pub const BADGES: [Badge; 3] = [
    Badge {
        name: "Activist",
        approved_tasks: 5,
        approved_photo_reports: 0,
    },
    Badge {
        name: "Photographer",
        approved_tasks: 0,
        approved_photo_reports: 10,
    },
    Badge {
        name: "City Hero",
        approved_tasks: 50,
        approved_photo_reports: 0,
    },
];

/// A report just approved, as achievements count it.
pub(crate) struct Approved<'a> {
    pub report: Uuid,
    pub author: Uuid,
    pub rating: i16,
    pub with_photos: bool,
    pub initiative: Uuid,
    pub title: &'a str,
    pub org: Option<Uuid>,
}

/// Counts `approved` in the approving transaction (as the system: these rows are the
/// platform's), then returns to `actor`.
pub(crate) async fn count(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    approved: Approved<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    let points = i64::from(approved.rating) * 10;
    tenant::act_as(tx, &Actor::System).await?;
    let paid = points::award(tx, approved.author, points, REPORT_APPROVED, approved.report, now)
        .await
        .map_err(commons_orgs::Error::from)?;
    if !paid {
        tenant::act_as(tx, actor).await?;
        return Ok(());
    }
    if let Some(org) = approved.org {
        org_points::Entity::insert(org_points::ActiveModel {
            id: Set(commons_core::id::new()),
            org_id: Set(org),
            user_id: Set(approved.author),
            points: Set(points),
        })
        .on_conflict(
            OnConflict::columns([org_points::Column::OrgId, org_points::Column::UserId])
                .value(
                    org_points::Column::Points,
                    Expr::col((org_points::Entity, org_points::Column::Points)).add(points),
                )
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await?;
    }
    let photo = i32::from(approved.with_photos);
    counts::Entity::insert(counts::ActiveModel {
        user_id: Set(approved.author),
        approved_tasks: Set(1),
        approved_photo_reports: Set(photo),
    })
    .on_conflict(
        OnConflict::column(counts::Column::UserId)
            .value(
                counts::Column::ApprovedTasks,
                Expr::col((counts::Entity, counts::Column::ApprovedTasks)).add(1),
            )
            .value(
                counts::Column::ApprovedPhotoReports,
                Expr::col((counts::Entity, counts::Column::ApprovedPhotoReports)).add(photo),
            )
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    // This transaction holds the row now: what it reads includes every approval before it.
    let done = counts::Entity::find_by_id(approved.author)
        .one(tx)
        .await?
        .ok_or(Error::Db(sea_orm::DbErr::RecordNotFound(
            "achievement counts".into(),
        )))?;
    log(
        tx,
        approved.author,
        "report_approved",
        Some(approved.initiative),
        Some(approved.report),
        approved.title,
        points,
        now,
    )
    .await?;
    for earned in BADGES.iter().filter(|b| {
        done.approved_tasks >= b.approved_tasks && done.approved_photo_reports >= b.approved_photo_reports
    }) {
        let awarded = badge::Entity::insert(badge::ActiveModel {
            id: Set(commons_core::id::new()),
            user_id: Set(approved.author),
            badge: Set(earned.name.to_owned()),
            awarded_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([badge::Column::UserId, badge::Column::Badge])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await?;
        if awarded == 1 {
            log(
                tx,
                approved.author,
                "badge_awarded",
                None,
                None,
                earned.name,
                0,
                now,
            )
            .await?;
            let event = BadgeAwarded {
                user: approved.author,
                badge: earned.name.to_owned(),
            };
            outbox::append(tx, &Actor::System, &event, now).await?;
        }
    }
    tenant::act_as(tx, actor).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn log(
    tx: &impl ConnectionTrait,
    user: Uuid,
    kind: &str,
    initiative: Option<Uuid>,
    subject: Option<Uuid>,
    detail: &str,
    points: i64,
    now: Timestamp,
) -> Result<(), Error> {
    activity::Entity::insert(activity::ActiveModel {
        id: Set(commons_core::id::new()),
        user_id: Set(user),
        kind: Set(kind.to_owned()),
        initiative_id: Set(initiative),
        subject_id: Set(subject),
        detail: Set(Some(detail.to_owned())),
        points: Set(points),
        created_at: Set(now),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// One place on a leaderboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub user_id: Uuid,
    pub points: i64,
}

impl Governance {
    /// Everyone's points, most first (sign-up and referral bonuses included), or those earned
    /// in one organization's initiatives. Leaderboards are public: names and points only.
    pub async fn leaderboard<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<Standing>, Error> {
        let tx = tenant::read(db, actor).await?;
        let found = match org {
            None => page::fetch(
                &tx,
                point_total::Entity::find().filter(point_total::Column::Points.gt(0)),
                Keyset {
                    key: Some(point_total::Column::Points),
                    id: point_total::Column::UserId,
                    descending: true,
                },
                page,
                |t| Cursor {
                    key: Some(SortKey::Int(t.points)),
                    id: t.user_id,
                },
            )
            .await?
            .map(|t| Standing {
                user_id: t.user_id,
                points: t.points,
            }),
            Some(org) => page::fetch(
                &tx,
                org_points::Entity::find().filter(org_points::Column::OrgId.eq(org)),
                Keyset {
                    key: Some(org_points::Column::Points),
                    id: org_points::Column::UserId,
                    descending: true,
                },
                page,
                |t| Cursor {
                    key: Some(SortKey::Int(t.points)),
                    id: t.user_id,
                },
            )
            .await?
            .map(|t| Standing {
                user_id: t.user_id,
                points: t.points,
            }),
        };
        tx.commit().await?;
        Ok(found)
    }

    /// The actor's activity log, newest first.
    pub async fn activity<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<activity::Model>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Page::empty());
        };
        let tx = tenant::read(db, actor).await?;
        let select = activity::Entity::find().filter(activity::Column::UserId.eq(me));
        let found = page::fetch(
            &tx,
            select,
            Keyset::newest_first(activity::Column::Id),
            page,
            |a| Cursor::by_id(a.id),
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The badges of `users`, oldest first: public, like a profile's.
    pub async fn badges<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        users: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<badge::Model>>, Error> {
        let tx = tenant::read(db, actor).await?;
        let rows = badge::Entity::find()
            .filter(badge::Column::UserId.is_in(users.iter().copied()))
            .order_by_asc(badge::Column::AwardedAt)
            .all(&tx)
            .await?;
        tx.commit().await?;
        let mut by_user: std::collections::HashMap<Uuid, Vec<badge::Model>> =
            std::collections::HashMap::new();
        for row in rows {
            by_user.entry(row.user_id).or_default().push(row);
        }
        Ok(by_user)
    }
}
