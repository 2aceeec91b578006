//! Governance (GV1, GV2): initiatives are a resource kind (table `initiatives`, beside the
//! other kinds' tables) with a lifecycle, a join code and a participant count; their
//! participants; tasks with a number of places held by a conditional update (`assignee_count
//! <= max_assignees`, a `CHECK` too) and their assignees (unique per task and person); and
//! completion reports with photos, reviewed with a rating or a reason.
//!
//! GV4: each person's points in one row (`point_totals`, kept by identity's `points::award`
//! with every award, backfilled here) and per organization (`org_points`), the counts badges
//! are awarded at (`achievement_counts`), badges (unique per person and badge: each once) and
//! an activity log.
//!
//! GV3: polls on an initiative or for an organization (or department), their options, and
//! ballots (unique per poll and voter) with the options each chose. The outcome is written
//! once, by a conditional update when the poll closes.
//!
//! On PostgreSQL participants, tasks, assignees and reports follow their initiative: rows of an
//! initiative the actor cannot see are not theirs to see.

use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{
    drop_tables, fk, fk_restrict, fk_set_null, index, one_of, row_policies, row_policies_split,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INITIATIVE_STATUSES: [&str; 5] = ["draft", "open", "in_progress", "completed", "cancelled"];
const TASK_STATUSES: [&str; 5] = ["open", "in_progress", "submitted", "approved", "rejected"];
const REPORT_STATUSES: [&str; 3] = ["submitted", "approved", "rejected"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("initiatives")
                    .col(uuid("resource_id").primary_key())
                    .col(string_len("status", 16).check(one_of("status", &INITIATIVE_STATUSES)))
                    .col(string_len("category", 64))
                    .col(text_null("place"))
                    .col(timestamp_with_time_zone_null("starts_at"))
                    .col(timestamp_with_time_zone_null("ends_at"))
                    .col(big_integer_null("goal_minor"))
                    .col(string_len_null("currency", 3))
                    .col(integer_null("max_participants"))
                    // What a QR code carries: `joinInitiative(code:)`.
                    .col(string_len("join_code", 16).unique_key())
                    .col(integer("participant_count").default(0))
                    .check(Expr::col("participant_count").gte(0))
                    .check(
                        Expr::col("max_participants")
                            .is_null()
                            .or(Expr::col("participant_count").lte(Expr::col("max_participants"))),
                    )
                    .foreign_key(&mut fk("initiatives", "resource_id", "resources"))
                    .take(),
            )
            .await?;
        manager.create_index(index("initiatives", &["status"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("initiative_participants")
                    .col(pk_uuid("id"))
                    .col(uuid("initiative_id"))
                    .col(uuid("user_id"))
                    .col(timestamp_with_time_zone("joined_at"))
                    .foreign_key(&mut fk("initiative_participants", "initiative_id", "resources"))
                    .foreign_key(&mut fk("initiative_participants", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("initiative_participants", &["initiative_id", "user_id"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(index("initiative_participants", &["user_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("tasks")
                    .col(pk_uuid("id"))
                    .col(uuid("initiative_id"))
                    .col(text("title"))
                    .col(text_null("description"))
                    .col(timestamp_with_time_zone_null("deadline"))
                    .col(integer("max_assignees").check(Expr::col("max_assignees").gte(1)))
                    .col(integer("assignee_count").default(0))
                    .col(string_len("status", 16).check(one_of("status", &TASK_STATUSES)))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .check(
                        Expr::col("assignee_count")
                            .gte(0)
                            .and(Expr::col("assignee_count").lte(Expr::col("max_assignees"))),
                    )
                    .foreign_key(&mut fk("tasks", "initiative_id", "resources"))
                    .foreign_key(&mut fk_restrict("tasks", "created_by", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("tasks", &["initiative_id", "id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("task_assignees")
                    .col(pk_uuid("id"))
                    .col(uuid("task_id"))
                    .col(uuid("user_id"))
                    .col(timestamp_with_time_zone("claimed_at"))
                    .foreign_key(&mut fk("task_assignees", "task_id", "tasks"))
                    .foreign_key(&mut fk("task_assignees", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("task_assignees", &["task_id", "user_id"]).unique().take())
            .await?;
        manager
            .create_index(index("task_assignees", &["user_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("task_reports")
                    .col(pk_uuid("id"))
                    .col(uuid("task_id"))
                    .col(uuid("author_id"))
                    .col(text("body"))
                    .col(string_len("status", 16).check(one_of("status", &REPORT_STATUSES)))
                    .col(small_integer_null("rating"))
                    .col(text_null("reason"))
                    .col(uuid_null("reviewed_by"))
                    .col(timestamp_with_time_zone_null("reviewed_at"))
                    .col(integer("photo_count").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .check(
                        Expr::col("rating")
                            .is_null()
                            .or(Expr::col("rating").between(1, 5)),
                    )
                    .foreign_key(&mut fk("task_reports", "task_id", "tasks"))
                    .foreign_key(&mut fk_restrict("task_reports", "author_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("task_reports", &["task_id", "id"]))
            .await?;
        manager
            .create_index(index("task_reports", &["author_id", "id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("task_report_photos")
                    .col(pk_uuid("id"))
                    .col(uuid("report_id"))
                    .col(uuid("media_id"))
                    .col(small_integer("position"))
                    .foreign_key(&mut fk("task_report_photos", "report_id", "task_reports"))
                    .foreign_key(&mut fk_restrict("task_report_photos", "media_id", "media"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("task_report_photos", &["report_id", "position"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(index("task_report_photos", &["media_id"]))
            .await?;
        achievements(manager).await?;
        polls(manager).await?;
        // An initiative's group chat: a messaging conversation whose people follow who joined.
        manager
            .create_table(
                Table::create()
                    .table("initiative_chats")
                    .col(uuid("initiative_id").primary_key())
                    .col(uuid("conversation_id").unique_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("initiative_chats", "initiative_id", "resources"))
                    .foreign_key(&mut fk("initiative_chats", "conversation_id", "conversations"))
                    .take(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            isolate(manager.get_connection()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "initiative_chats",
                "ballot_choices",
                "ballots",
                "poll_options",
                "polls",
                "activities",
                "badges",
                "achievement_counts",
                "org_points",
                "point_totals",
                "task_report_photos",
                "task_reports",
                "task_assignees",
                "tasks",
                "initiative_participants",
                "initiatives",
            ],
        )
        .await
    }
}

async fn achievements(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("point_totals")
                .col(uuid("user_id").primary_key())
                .col(big_integer("points"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("point_totals", "user_id", "users"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("point_totals", &["points", "user_id"]))
        .await?;
    manager
        .get_connection()
        .execute_unprepared(
            "INSERT INTO point_totals (user_id, points, updated_at) \
             SELECT user_id, CAST(SUM(amount) AS BIGINT), MAX(created_at) FROM point_awards GROUP BY user_id",
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("org_points")
                .col(pk_uuid("id"))
                .col(uuid("org_id"))
                .col(uuid("user_id"))
                .col(big_integer("points"))
                .foreign_key(&mut fk("org_points", "org_id", "organizations"))
                .foreign_key(&mut fk("org_points", "user_id", "users"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("org_points", &["org_id", "user_id"]).unique().take())
        .await?;
    manager
        .create_index(index("org_points", &["org_id", "points", "user_id"]))
        .await?;
    manager.create_index(index("org_points", &["user_id"])).await?;
    manager
        .create_table(
            Table::create()
                .table("achievement_counts")
                .col(uuid("user_id").primary_key())
                .col(integer("approved_tasks").default(0))
                .col(integer("approved_photo_reports").default(0))
                .foreign_key(&mut fk("achievement_counts", "user_id", "users"))
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("badges")
                .col(pk_uuid("id"))
                .col(uuid("user_id"))
                .col(string_len("badge", 32))
                .col(timestamp_with_time_zone("awarded_at"))
                .foreign_key(&mut fk("badges", "user_id", "users"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("badges", &["user_id", "badge"]).unique().take())
        .await?;
    manager
        .create_table(
            Table::create()
                .table("activities")
                .col(pk_uuid("id"))
                .col(uuid("user_id"))
                // `report_approved`, `badge_awarded`.
                .col(string_len("kind", 32))
                .col(uuid_null("initiative_id"))
                .col(uuid_null("subject_id"))
                .col(text_null("detail"))
                .col(big_integer("points").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("activities", "user_id", "users"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("activities", &["user_id", "id"]))
        .await
}

const POLL_KINDS: [&str; 3] = ["single", "approval", "yes_no"];
const ELIGIBILITIES: [&str; 4] = ["members", "department", "participants", "signed_in"];
const OUTCOMES: [&str; 5] = ["decided", "no_quorum", "threshold_missed", "tied", "no_votes"];

async fn polls(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("polls")
                .col(pk_uuid("id"))
                .col(uuid_null("initiative_id"))
                .col(uuid_null("org_id"))
                .col(uuid_null("department_id"))
                .col(text("question"))
                .col(text_null("description"))
                .col(string_len("kind", 16).check(one_of("kind", &POLL_KINDS)))
                .col(string_len("eligibility", 16).check(one_of("eligibility", &ELIGIBILITIES)))
                .col(timestamp_with_time_zone("opens_at"))
                .col(timestamp_with_time_zone("closes_at"))
                .col(integer_null("quorum"))
                .col(small_integer_null("threshold_percent"))
                .col(boolean("changeable"))
                .col(boolean("results_hidden"))
                .col(boolean("public_ballots"))
                .col(
                    string_len_null("outcome", 16)
                        .check(Expr::col("outcome").is_null().or(one_of("outcome", &OUTCOMES))),
                )
                .col(uuid_null("winner_id"))
                .col(integer_null("ballot_total"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .check(Expr::col("closes_at").gt(Expr::col("opens_at")))
                .check(
                    Expr::col("initiative_id")
                        .is_not_null()
                        .or(Expr::col("org_id").is_not_null()),
                )
                .check(Expr::col("quorum").is_null().or(Expr::col("quorum").gte(1)))
                .check(
                    Expr::col("threshold_percent")
                        .is_null()
                        .or(Expr::col("threshold_percent").between(1, 100)),
                )
                .foreign_key(&mut fk("polls", "initiative_id", "resources"))
                .foreign_key(&mut fk("polls", "org_id", "organizations"))
                // A department's deletion leaves its polls (and their ballots) as they were.
                .foreign_key(&mut fk_set_null("polls", "department_id", "departments"))
                .foreign_key(&mut fk_restrict("polls", "created_by", "users"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("polls", &["initiative_id", "id"]))
        .await?;
    manager.create_index(index("polls", &["org_id", "id"])).await?;
    // What the closing sweep looks for.
    manager
        .create_index(index("polls", &["outcome", "closes_at"]))
        .await?;
    manager.create_index(index("polls", &["department_id"])).await?;
    manager.create_index(index("polls", &["created_by"])).await?;
    manager
        .create_table(
            Table::create()
                .table("poll_options")
                .col(pk_uuid("id"))
                .col(uuid("poll_id"))
                .col(small_integer("position"))
                .col(text("label"))
                .col(boolean("abstain").default(false))
                .foreign_key(&mut fk("poll_options", "poll_id", "polls"))
                .take(),
        )
        .await?;
    manager
        .create_index(index("poll_options", &["poll_id", "position"]).unique().take())
        .await?;
    manager
        .create_table(
            Table::create()
                .table("ballots")
                .col(pk_uuid("id"))
                .col(uuid("poll_id"))
                .col(uuid("voter_id"))
                .col(timestamp_with_time_zone("cast_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("ballots", "poll_id", "polls"))
                .foreign_key(&mut fk("ballots", "voter_id", "users"))
                .take(),
        )
        .await?;
    // One ballot per voter: what 200 concurrent casts from 100 voters come down to.
    manager
        .create_index(index("ballots", &["poll_id", "voter_id"]).unique().take())
        .await?;
    manager.create_index(index("ballots", &["voter_id"])).await?;
    manager
        .create_table(
            Table::create()
                .table("ballot_choices")
                .col(pk_uuid("id"))
                .col(uuid("ballot_id"))
                .col(uuid("poll_id"))
                .col(uuid("option_id"))
                .foreign_key(&mut fk("ballot_choices", "ballot_id", "ballots"))
                .foreign_key(&mut fk("ballot_choices", "poll_id", "polls"))
                .foreign_key(&mut fk("ballot_choices", "option_id", "poll_options"))
                .take(),
        )
        .await?;
    manager
        .create_index(
            index("ballot_choices", &["ballot_id", "option_id"])
                .unique()
                .take(),
        )
        .await?;
    manager
        .create_index(index("ballot_choices", &["poll_id", "option_id"]))
        .await?;
    manager
        .create_index(index("ballot_choices", &["option_id"]))
        .await
}

/// Row level security: each row for whoever sees its initiative (the `resources` policy
/// decides), so a query that forgets the service's check still shows nothing of a hidden
/// initiative.
async fn isolate(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let through_initiative = "EXISTS (SELECT 1 FROM resources r WHERE r.id = initiative_id)";
    let through_task = "EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_id)";
    let through_report = "EXISTS (SELECT 1 FROM task_reports p WHERE p.id = report_id)";
    for (table, seen) in [
        ("initiative_participants", through_initiative),
        ("tasks", through_initiative),
        ("task_assignees", through_task),
        ("task_reports", through_task),
        ("task_report_photos", through_report),
        ("initiative_chats", through_initiative),
    ] {
        row_policies(db, table, seen).await?;
    }
    // A poll: for whoever sees its initiative; an organization's for its members (and for
    // everyone signed in when everyone signed in votes).
    let poll_seen = "CASE WHEN initiative_id IS NOT NULL \
         THEN EXISTS (SELECT 1 FROM resources r WHERE r.id = initiative_id) \
         ELSE org_id = ANY (commons_actor_orgs()) OR commons_is_admin() \
         OR (eligibility = 'signed_in' AND commons_actor() IS NOT NULL) END";
    // Polls are changed only as the system (closing, recording the outcome); a ballot only
    // by its voter. Reading follows what each may see.
    row_policies_split(db, "polls", poll_seen, "commons_is_admin()").await?;
    row_policies(
        db,
        "poll_options",
        "EXISTS (SELECT 1 FROM polls p WHERE p.id = poll_id)",
    )
    .await?;
    // A ballot is secret to everyone but its voter unless the poll is public; counts are
    // taken as the system.
    row_policies_split(
        db,
        "ballots",
        "voter_id = commons_actor() OR commons_is_admin() \
         OR EXISTS (SELECT 1 FROM polls p WHERE p.id = poll_id AND p.public_ballots)",
        "voter_id = commons_actor() OR commons_is_admin()",
    )
    .await?;
    row_policies_split(
        db,
        "ballot_choices",
        "EXISTS (SELECT 1 FROM ballots b WHERE b.id = ballot_id)",
        "EXISTS (SELECT 1 FROM ballots b WHERE b.id = ballot_id \
         AND (b.voter_id = commons_actor() OR commons_is_admin()))",
    )
    .await?;
    Ok(())
}
