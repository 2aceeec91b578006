//! GV2: tasks claimed within their places (also at once), reports with photos reviewed with a
//! rating or a reason, a rejected task reported again.

use std::sync::Arc;

use commons_core::{CodedError, ErrorCode};
use commons_governance::{ReportStatus, Review, SubmitReport, TaskStatus};
use commons_resources::media::sniff::samples::PNG_3X2 as PNG;
use futures::future::join_all;

use crate::{Field, user};

#[tokio::test]
async fn twenty_claims_at_once_on_three_places_give_exactly_three_assignees() {
    let field = Arc::new(Field::open().await);
    let initiative = field.initiative("Beach cleanup", None).await;
    let task = field.task(initiative.resource_id, "Collect plastic", 3).await;
    let people = field.world.people("volunteer", 20).await;

    let claims = people.into_iter().map(|person| {
        let field = field.clone();
        tokio::spawn(async move {
            field
                .governance
                .claim_task(&field.world.db.conn, &person, task)
                .await
        })
    });
    let outcomes: Vec<_> = join_all(claims)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect();

    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 3);
    for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}");
    }
    let conn = &field.world.db.conn;
    let assignees = field
        .governance
        .assignees_of(conn, &field.organizer, &[task])
        .await
        .expect("assignees");
    assert_eq!(assignees.get(&task).map(Vec::len), Some(3));
    let now = field
        .governance
        .tasks_by_ids(conn, &field.organizer, &[task])
        .await
        .expect("the task");
    assert_eq!(
        (now[0].assignee_count, now[0].status),
        (3, TaskStatus::InProgress)
    );
    let initiative = field
        .governance
        .joined(conn, &field.organizer, &[initiative.resource_id])
        .await
        .expect("joined");
    assert!(initiative.is_empty(), "the organizer claimed nothing");
}

#[tokio::test]
async fn a_report_is_approved_with_a_rating_or_rejected_and_sent_again() {
    let field = Field::open().await;
    let conn = &field.world.db.conn;
    let initiative = field.initiative("Park cleanup", None).await;
    let task = field.task(initiative.resource_id, "Paint the benches", 2).await;
    let ann = field.world.person("ann").await;
    let bob = field.world.person("bob").await;

    let claimed = field
        .governance
        .claim_task(conn, &ann, task)
        .await
        .expect("claim");
    assert_eq!(claimed.status, TaskStatus::InProgress);
    assert_eq!(
        field
            .governance
            .joined(conn, &ann, &[initiative.resource_id])
            .await
            .expect("joined"),
        vec![initiative.resource_id],
        "claiming joins the initiative"
    );
    let photo = field
        .world
        .resources
        .upload_media(conn, &ann, Some("benches.png"), PNG.to_vec())
        .await
        .expect("upload");
    let not_assigned = field
        .governance
        .submit_report(
            conn,
            &bob,
            SubmitReport {
                task_id: task,
                body: "Done".into(),
                photo_ids: vec![],
            },
        )
        .await
        .expect_err("bob did not claim it");
    assert_eq!(not_assigned.code(), ErrorCode::Forbidden);
    let bobs_photo = field
        .world
        .resources
        .upload_media(conn, &bob, Some("other.png"), PNG.to_vec())
        .await
        .expect("upload");
    let wrong_photo = field
        .governance
        .submit_report(
            conn,
            &ann,
            SubmitReport {
                task_id: task,
                body: "Done".into(),
                photo_ids: vec![bobs_photo.id],
            },
        )
        .await
        .expect_err("a photo of someone else's");
    assert_eq!(wrong_photo.field(), Some("photoIds"));

    let first = field
        .governance
        .submit_report(
            conn,
            &ann,
            SubmitReport {
                task_id: task,
                body: "Two benches painted".into(),
                photo_ids: vec![photo.id],
            },
        )
        .await
        .expect("report");
    assert_eq!(first.photo_count, 1);
    let by_ann = field
        .governance
        .review_report(conn, &ann, first.id, Review::Approve { rating: 5 })
        .await
        .expect_err("ann does not review her own work");
    assert_eq!(by_ann.code(), ErrorCode::Forbidden);
    let rejected = field
        .governance
        .review_report(
            conn,
            &field.organizer,
            first.id,
            Review::Reject {
                reason: "Three benches are left".into(),
            },
        )
        .await
        .expect("reject");
    assert_eq!(rejected.status, ReportStatus::Rejected);
    let twice = field
        .governance
        .review_report(conn, &field.organizer, first.id, Review::Approve { rating: 4 })
        .await
        .expect_err("reviewed already");
    assert_eq!(twice.code(), ErrorCode::Conflict);

    let second = field
        .governance
        .submit_report(
            conn,
            &ann,
            SubmitReport {
                task_id: task,
                body: "All five benches painted".into(),
                photo_ids: vec![photo.id],
            },
        )
        .await
        .expect("report again");
    let no_rating = field
        .governance
        .review_report(conn, &field.organizer, second.id, Review::Approve { rating: 6 })
        .await
        .expect_err("1 to 5");
    assert_eq!(no_rating.field(), Some("rating"));
    let approved = field
        .governance
        .review_report(conn, &field.organizer, second.id, Review::Approve { rating: 5 })
        .await
        .expect("approve");
    assert_eq!(
        (approved.status, approved.rating),
        (ReportStatus::Approved, Some(5))
    );

    // Everyone who sees the initiative sees the approved report; the rejected one stays
    // between ann and the organizers.
    let reports = field
        .governance
        .reports_of(conn, &bob, &[task])
        .await
        .expect("reports");
    let seen: Vec<_> = reports[&task].iter().map(|r| r.id).collect();
    assert_eq!(seen, vec![second.id]);
    let hers = field
        .governance
        .reports_of(conn, &ann, &[task])
        .await
        .expect("reports");
    assert_eq!(hers[&task].len(), 2);
    let photos = field
        .governance
        .report_photos(conn, &bob, &[first.id, second.id])
        .await
        .expect("photos");
    assert_eq!(photos.get(&second.id), Some(&vec![photo.id]));
    assert!(
        !photos.contains_key(&first.id),
        "the rejected report's photos stay hidden"
    );
    let done = field
        .governance
        .unclaim_task(conn, &ann, task)
        .await
        .expect_err("an approved task keeps its people");
    assert_eq!(done.code(), ErrorCode::Conflict);
    assert_eq!(user(&ann), approved.author_id);
}

#[tokio::test]
async fn the_last_to_give_a_place_back_opens_the_task_again() {
    let field = Field::open().await;
    let conn = &field.world.db.conn;
    let initiative = field.initiative("Library day", None).await;
    let task = field.task(initiative.resource_id, "Sort books", 1).await;
    let ann = field.world.person("ann").await;
    let bob = field.world.person("bob").await;
    field
        .governance
        .claim_task(conn, &ann, task)
        .await
        .expect("claim");
    let full = field
        .governance
        .claim_task(conn, &bob, task)
        .await
        .expect_err("one place");
    assert_eq!(full.code(), ErrorCode::Conflict);
    let again = field
        .governance
        .claim_task(conn, &ann, task)
        .await
        .expect("claiming twice is fine");
    assert_eq!(again.assignee_count, 1);
    let left = field
        .governance
        .leave_initiative(conn, &ann, initiative.resource_id)
        .await
        .expect_err("unclaim first");
    assert_eq!(left.code(), ErrorCode::BadUserInput);
    let open = field
        .governance
        .unclaim_task(conn, &ann, task)
        .await
        .expect("unclaim");
    assert_eq!((open.assignee_count, open.status), (0, TaskStatus::Open));
    field
        .governance
        .claim_task(conn, &bob, task)
        .await
        .expect("bob takes the free place");
}
