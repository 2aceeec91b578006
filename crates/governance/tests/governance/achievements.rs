//! GV4: points from approved reports, badges at thresholds (each once, also when two
//! approvals cross one together), the activity log and leaderboards.

use std::sync::Arc;

use commons_core::{Actor, PageRequest};
use commons_governance::{Review, SubmitReport};
use futures::future::join_all;
use uuid::Uuid;

use crate::{Field, user};

/// `count` tasks of one initiative, each claimed and reported on by `author`; their reports.
async fn reported(field: &Field, author: &Actor, count: usize) -> Vec<Uuid> {
    let conn = &field.world.db.conn;
    let initiative = field.initiative("Trees for the city", None).await;
    let mut reports = Vec::new();
    for n in 0..count {
        let task = field
            .task(initiative.resource_id, &format!("Plant row {n}"), 1)
            .await;
        field
            .governance
            .claim_task(conn, author, task)
            .await
            .expect("claim");
        let report = field
            .governance
            .submit_report(
                conn,
                author,
                SubmitReport {
                    task_id: task,
                    body: format!("Row {n} planted"),
                    photo_ids: vec![],
                },
            )
            .await
            .expect("report");
        reports.push(report.id);
    }
    reports
}

async fn approve(field: &Field, report: Uuid, rating: i16) {
    field
        .governance
        .review_report(
            &field.world.db.conn,
            &field.organizer,
            report,
            Review::Approve { rating },
        )
        .await
        .expect("approve");
}

#[tokio::test]
async fn two_approvals_crossing_a_threshold_together_award_the_badge_once() {
    let field = Arc::new(Field::open().await);
    let ann = field.world.person("ann").await;
    let reports = reported(&field, &ann, 5).await;
    for report in &reports[..3] {
        approve(&field, *report, 4).await;
    }
    let last_two = reports[3..].iter().map(|report| {
        let (field, report) = (field.clone(), *report);
        tokio::spawn(async move { approve(&field, report, 5).await })
    });
    for done in join_all(last_two).await {
        done.expect("approved");
    }

    let conn = &field.world.db.conn;
    let badges = field
        .governance
        .badges(conn, &ann, &[user(&ann)])
        .await
        .expect("badges");
    let names: Vec<&str> = badges[&user(&ann)].iter().map(|b| b.badge.as_str()).collect();
    assert_eq!(names, ["Activist"], "five approved tasks, one badge, once");
    let page = PageRequest::new(Some(20), None).expect("page");
    let log = field
        .governance
        .activity(conn, &ann, &page)
        .await
        .expect("activity");
    let kinds: Vec<&str> = log.edges.iter().map(|(_, a)| a.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "report_approved").count(), 5);
    assert_eq!(kinds.iter().filter(|k| **k == "badge_awarded").count(), 1);
    let points: i64 = log.edges.iter().map(|(_, a)| a.points).sum();
    assert_eq!(points, 3 * 40 + 2 * 50);
}

#[tokio::test]
async fn the_leaderboard_ranks_by_points_overall_and_per_organization() {
    let field = Field::open().await;
    let conn = &field.world.db.conn;
    let ann = field.world.person("ann").await;
    let bob = field.world.person("bob").await;
    for report in reported(&field, &ann, 2).await {
        approve(&field, report, 3).await;
    }
    let bobs = reported(&field, &bob, 1).await;
    approve(&field, bobs[0], 5).await;
    // Approving again pays nothing twice.
    let twice = field
        .governance
        .review_report(conn, &field.organizer, bobs[0], Review::Approve { rating: 5 })
        .await;
    assert!(twice.is_err());

    let page = PageRequest::new(Some(10), None).expect("page");
    let board = field
        .governance
        .leaderboard(conn, &Actor::ANONYMOUS, None, &page)
        .await
        .expect("leaderboard");
    let ranked: Vec<(Uuid, i64)> = board.edges.iter().map(|(_, s)| (s.user_id, s.points)).collect();
    assert_eq!(ranked, vec![(user(&ann), 60), (user(&bob), 50)]);
    let first = PageRequest::new(Some(1), None).expect("page");
    let top = field
        .governance
        .leaderboard(conn, &Actor::ANONYMOUS, None, &first)
        .await
        .expect("the top");
    let after = top.edges[0].0.encode();
    let next = PageRequest::new(Some(1), Some(&after)).expect("page");
    let second = field
        .governance
        .leaderboard(conn, &Actor::ANONYMOUS, None, &next)
        .await
        .expect("the next");
    assert_eq!(
        second.edges[0].1.user_id,
        user(&bob),
        "keyset pages follow the points"
    );

    // Work in an organization's initiative counts on its board too.
    let owner = field.world.person("green_owner").await;
    let org = field.world.organization(&owner, "Green").await;
    let id = field
        .world
        .post(&owner, "Green's cleanup")
        .owner(org.id)
        .kind(crate::initiative_kind(None))
        .publish()
        .await;
    field
        .governance
        .move_initiative(conn, &owner, id, commons_governance::InitiativeStatus::Open)
        .await
        .expect("open");
    let task = field
        .governance
        .create_task(
            conn,
            &owner,
            commons_governance::CreateTask {
                initiative_id: id,
                title: "Sweep".into(),
                description: None,
                deadline: None,
                max_assignees: None,
            },
        )
        .await
        .expect("task");
    field
        .governance
        .claim_task(conn, &bob, task.id)
        .await
        .expect("claim");
    let report = field
        .governance
        .submit_report(
            conn,
            &bob,
            SubmitReport {
                task_id: task.id,
                body: "Swept".into(),
                photo_ids: vec![],
            },
        )
        .await
        .expect("report");
    field
        .governance
        .review_report(conn, &owner, report.id, Review::Approve { rating: 2 })
        .await
        .expect("approve");
    let green = field
        .governance
        .leaderboard(conn, &Actor::ANONYMOUS, Some(org.id), &page)
        .await
        .expect("the organization's board");
    let ranked: Vec<(Uuid, i64)> = green.edges.iter().map(|(_, s)| (s.user_id, s.points)).collect();
    assert_eq!(ranked, vec![(user(&bob), 20)]);
}
