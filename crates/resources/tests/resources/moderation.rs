//! Moderation (RS6): where a department or organization reviews content, a creator's photo
//! report goes submitted → approved (published) or rejected with a reason (BirQadam).

use commons_core::{CodedError, ErrorCode, PageRequest};
use commons_orgs::service::organizations::UpdateOrganization;
use commons_orgs::{Preset, Role};
use commons_resources::{KindInput, Review, Status, Visibility};
use commons_testkit::{World, kind};

fn photo(caption: &str) -> KindInput {
    kind::photo("https://cdn.example.org/cleanup.jpg", caption)
}

#[tokio::test]
async fn a_volunteers_photo_report_waits_for_a_moderator() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let owner = world.person("coordinator").await;
    let org = world.organization(&owner, "BirQadam").await;
    let cleanup = world.reviewed_department(&org, "Park cleanup").await;
    let volunteer = world.new_member(&org, "volunteer", Role::Member).await;
    world.seat(&cleanup, &volunteer, Preset::Creator).await;
    let moderator = world.new_member(&org, "reviewer", Role::Moderator).await;
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
        .post(&volunteer, "Park after cleanup")
        .owner(cleanup.id)
        .visibility(Visibility::Public)
        .kind(photo("before and after"))
        .try_draft()
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
    let org = world.organization(&owner, "Workspace").await;
    let studio = world.department(&org, "Studio").await;
    let designer = world.new_member(&org, "designer", Role::Member).await;
    world.seat(&studio, &designer, Preset::Creator).await;

    let first = world
        .post(&designer, "Logo")
        .owner(studio.id)
        .visibility(Visibility::Members)
        .kind(photo("v1"))
        .try_draft()
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
        .post(&designer, "Logo v2")
        .owner(studio.id)
        .visibility(Visibility::Members)
        .kind(photo("v2"))
        .try_draft()
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
        .post(&owner, "Announcement")
        .owner(org.id)
        .visibility(Visibility::Members)
        .kind(photo("hi"))
        .try_draft()
        .await
        .expect("draft")
        .resource;
    resources
        .publish_resource(db, &owner, own.id)
        .await
        .expect("moderators publish");
}
