//! Moderation (RS6): where a department or organization reviews content, a creator's photo
//! report goes submitted → approved (published) or rejected with a reason (BirQadam).

use commons_core::{CodedError, ErrorCode, PageRequest};
use commons_orgs::service::organizations::UpdateOrganization;
use commons_orgs::{Preset, Role};
use commons_resources::kind::photo::PhotoInput;
use commons_resources::{KindInput, Review, Status, Visibility};

mod common;

use common::World;

fn photo(caption: &str) -> KindInput {
    KindInput::Photo(PhotoInput {
        url: Some("https://cdn.example.org/cleanup.jpg".into()),
        media_id: None,
        caption: Some(caption.into()),
    })
}

#[tokio::test]
async fn a_volunteers_photo_report_waits_for_a_moderator() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let owner = world.person("coordinator").await;
    let org = world.organization(&owner, "BirQadam", "birqadam").await;
    let cleanup = world.department(&owner, org.id, "Park cleanup", true).await;
    let volunteer = world.join(&owner, org.id, Role::Member, "volunteer").await;
    world.seat(&owner, cleanup.id, &volunteer, Preset::Creator).await;
    let moderator = world.join(&owner, org.id, Role::Moderator, "reviewer").await;
    let passerby = world.person("passerby").await;
    let queue = |actor| {
        let (world, page) = (&world, PageRequest::new(None, None).expect("page"));
        async move {
            world
                .resources
                .review_queue(&world.db.conn, actor, org.id, &page)
                .await
        }
    };

    let report = world
        .create(
            &volunteer,
            Some(cleanup.id),
            "Park after cleanup",
            Visibility::Public,
            photo("before and after"),
        )
        .await
        .expect("draft")
        .resource;
    // The creator preset may publish elsewhere, but here content is reviewed.
    let direct = resources
        .publish_resource(db, &volunteer, report.id)
        .await
        .unwrap_err();
    assert_eq!(direct.code(), ErrorCode::Forbidden);
    assert!(direct.to_string().contains("submit it for review"), "{direct}");
    let submitted = resources
        .submit_resource(db, &volunteer, report.id)
        .await
        .expect("submit");
    assert_eq!(submitted.review, Some(Review::Submitted));
    assert!(!world.sees(&passerby, report.id).await);
    let waiting = queue(&moderator).await.expect("moderator's queue");
    assert_eq!(waiting.edges.len(), 1);
    assert_eq!(queue(&volunteer).await.unwrap_err().code(), ErrorCode::Forbidden);

    // Rejected with a reason: a draft again, for the volunteer to mend and resubmit.
    let no_reason = resources
        .reject_resource(db, &moderator, report.id, " ")
        .await
        .unwrap_err();
    assert_eq!(no_reason.code(), ErrorCode::BadUserInput);
    let rejected = resources
        .reject_resource(db, &moderator, report.id, "the faces of children are visible")
        .await
        .expect("reject");
    assert_eq!(rejected.review, Some(Review::Rejected));
    assert_eq!(
        rejected.review_reason.as_deref(),
        Some("the faces of children are visible")
    );
    assert_eq!(rejected.status, Status::Draft);
    assert!(queue(&moderator).await.expect("queue").edges.is_empty());
    let twice = resources
        .approve_resource(db, &moderator, report.id)
        .await
        .unwrap_err();
    assert_eq!(twice.code(), ErrorCode::Conflict);

    resources
        .submit_resource(db, &volunteer, report.id)
        .await
        .expect("resubmit");
    let refused = resources
        .approve_resource(db, &volunteer, report.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let approved = resources
        .approve_resource(db, &moderator, report.id)
        .await
        .expect("approve");
    assert_eq!(
        (approved.status, approved.review),
        (Status::Published, Some(Review::Approved))
    );
    assert!(approved.published_at.is_some());
    assert!(world.sees(&passerby, report.id).await);

    // Once published, the volunteer's edits would change what the public sees: moderators only.
    let edit = commons_resources::service::writing::UpdateResource {
        id: report.id,
        title: Some("Park, edited".into()),
        ..Default::default()
    };
    let refused = resources
        .update_resource(db, &volunteer, edit.clone())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    resources
        .update_resource(db, &moderator, edit)
        .await
        .expect("moderator edits");
}

#[tokio::test]
async fn an_organization_can_review_everything_and_unreviewed_places_publish_directly() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "Workspace", "workspace").await;
    let studio = world.department(&owner, org.id, "Studio", false).await;
    let designer = world.join(&owner, org.id, Role::Member, "designer").await;
    world.seat(&owner, studio.id, &designer, Preset::Creator).await;

    let first = world
        .create(
            &designer,
            Some(studio.id),
            "Logo",
            Visibility::Members,
            photo("v1"),
        )
        .await
        .expect("draft")
        .resource;
    let pointless = resources
        .submit_resource(db, &designer, first.id)
        .await
        .unwrap_err();
    assert_eq!(pointless.code(), ErrorCode::Conflict);
    resources
        .publish_resource(db, &designer, first.id)
        .await
        .expect("no review here");

    world
        .orgs()
        .update_organization(
            db,
            &owner,
            UpdateOrganization {
                id: org.id,
                name: None,
                description: None,
                logo_url: None,
                kind: None,
                content_requires_approval: Some(true),
            },
        )
        .await
        .expect("review everything");
    let second = world
        .create(
            &designer,
            Some(studio.id),
            "Logo v2",
            Visibility::Members,
            photo("v2"),
        )
        .await
        .expect("draft")
        .resource;
    let direct = resources
        .publish_resource(db, &designer, second.id)
        .await
        .unwrap_err();
    assert_eq!(direct.code(), ErrorCode::Forbidden);
    // The owner moderates, and publishes their own without a detour.
    let own = world
        .create(
            &owner,
            Some(org.id),
            "Announcement",
            Visibility::Members,
            photo("hi"),
        )
        .await
        .expect("draft")
        .resource;
    resources
        .publish_resource(db, &owner, own.id)
        .await
        .expect("moderators publish");
}
