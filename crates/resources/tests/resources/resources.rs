//! Resources at the service level: writing by owners and by the permission matrix, the plan's
//! monthly allowance, and who sees what (AqStream's public and department-only posts).

use commons_core::{Actor, CodedError, ErrorCode, PageRequest, tenant};
use commons_orgs::service::departments::AddDepartmentMember;
use commons_orgs::{Preset, Role};
use commons_resources::entity::resource;
use commons_resources::kind::blogpost::BlogpostInput;
use commons_resources::service::reading::FeedFilter;
use commons_resources::{KindData, KindInput, Status, Visibility};
use commons_testkit::{PostBuilder, World, kind, user_id};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// A blogpost whose body is its title as a heading, tagged for the feed filters below (the
/// tags repeated in other spellings, which the service folds into one).
fn tagged_post<'w>(world: &'w World, author: &Actor, title: &str) -> PostBuilder<'w> {
    world
        .post(author, title)
        .tags(["Running", "saratov", "running "])
        .kind(kind::blogpost(&format!("# {title}")))
}

#[tokio::test]
async fn a_person_writes_drafts_and_publishes_them() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let ada = world.person("ada").await;
    let bob = world.person("bob").await;
    let post = tagged_post(&world, &ada, "Hello, Saratov!")
        .visibility(Visibility::Public)
        .draft()
        .await;
    let full = resources
        .resource(db, &ada, post)
        .await
        .expect("read")
        .expect("her own draft");
    assert_eq!(full.resource.status, Status::Draft);
    assert_eq!(full.resource.slug, "hello-saratov");
    assert_eq!(full.tags, vec!["running", "saratov"]);
    assert!(matches!(full.data, Some(KindData::Blogpost(ref b)) if b.body == "# Hello, Saratov!"));
    assert!(!world.sees(&bob, post).await, "a draft is its creator's");

    // Only the owner publishes a personal resource; to others her draft does not exist.
    let refused = resources.publish_resource(db, &bob, post).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    resources.publish_resource(db, &ada, post).await.expect("publish");
    assert!(world.sees(&bob, post).await);
    assert!(world.sees(&Actor::ANONYMOUS, post).await);
    let again = resources.publish_resource(db, &ada, post).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);

    // The feed filters by kind, owner and tag; a second post with the same title gets its own
    // address; a title in another script gets one too.
    let twin = tagged_post(&world, &ada, "Hello, Saratov!")
        .visibility(Visibility::Public)
        .draft()
        .await;
    let cyrillic = tagged_post(&world, &ada, "Привет, Саратов")
        .visibility(Visibility::Public)
        .draft()
        .await;
    for id in [twin, cyrillic] {
        resources.publish_resource(db, &ada, id).await.expect("publish");
    }
    let slugs: Vec<String> = resource::Entity::find()
        .all(db)
        .await
        .expect("rows")
        .into_iter()
        .map(|r| r.slug)
        .collect();
    assert_eq!(
        slugs.iter().collect::<std::collections::HashSet<_>>().len(),
        3,
        "{slugs:?}"
    );
    let page = PageRequest::new(Some(10), None).expect("page");
    let feed = resources
        .feed(
            db,
            &Actor::ANONYMOUS,
            FeedFilter {
                tag: Some("SARATOV".into()),
                owner_id: Some(user_id(&ada)),
                kind: Some("blogpost".into()),
                ..FeedFilter::default()
            },
            &page,
        )
        .await
        .expect("feed");
    let ids: Vec<Uuid> = feed.edges.iter().map(|(_, r)| r.resource.id).collect();
    assert!(
        feed.edges
            .iter()
            .all(|(_, r)| r.tags == ["running", "saratov"] && r.data.is_some())
    );
    assert_eq!(ids, vec![cyrillic, twin, post], "newest first");

    // Text search: every word, in title or summary, any case; pattern characters are literal.
    let found = resources
        .feed(
            db,
            &Actor::ANONYMOUS,
            FeedFilter {
                text: Some("HELLO saratov".into()),
                ..FeedFilter::default()
            },
            &page,
        )
        .await
        .expect("search");
    assert_eq!(found.edges.len(), 2);
    let none = resources
        .feed(
            db,
            &Actor::ANONYMOUS,
            FeedFilter {
                text: Some("%".into()),
                ..FeedFilter::default()
            },
            &page,
        )
        .await
        .expect("search");
    assert!(none.edges.is_empty(), "a % is a percent sign, not a wildcard");

    // Deleted, it is gone for everyone, and out of the feed.
    let refused = resources.delete_resource(db, &bob, post).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    resources.delete_resource(db, &ada, post).await.expect("delete");
    assert!(!world.sees(&ada, post).await);
    let feed = resources
        .feed(db, &Actor::ANONYMOUS, FeedFilter::default(), &page)
        .await
        .expect("feed");
    assert_eq!(feed.edges.len(), 2);

    // Bad input names its field.
    let bad = world
        .post(&ada, "   ")
        .visibility(Visibility::Public)
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(
        (bad.code(), bad.field()),
        (ErrorCode::BadUserInput, Some("title"))
    );
    let bad = world
        .post(&ada, "Mine")
        .visibility(Visibility::Department)
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("visibility"));
}

#[tokio::test]
async fn aqstream_public_and_department_only_posts() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let owner = world.person("founder").await;
    let org = world.organization(&owner, "AqStream").await;
    let team = world.department(&org, "Saratov Team").await;
    let moderator = world.new_member(&org, "moder", Role::Moderator).await;
    let runner = world.new_member(&org, "runner", Role::Member).await;
    let analyst = world.new_member(&org, "analyst", Role::Member).await;
    let member = world.new_member(&org, "member", Role::Member).await;
    let outsider = world.person("outsider").await;
    world.seat(&team, &runner, Preset::Creator).await;
    world.seat(&team, &analyst, Preset::Analyst).await;

    // Writing follows the matrix: members cannot write for the organization, an analyst
    // cannot write for the department, its creator can.
    let refused = world
        .post(&member, "Nope")
        .owner(org.id)
        .visibility(Visibility::Public)
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let refused = world
        .post(&analyst, "Nope")
        .owner(team.id)
        .visibility(Visibility::Department)
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let public = world
        .post(&moderator, "Open run")
        .owner(org.id)
        .visibility(Visibility::Public)
        .draft()
        .await;
    let private = world
        .post(&runner, "Team run")
        .owner(team.id)
        .visibility(Visibility::Department)
        .draft()
        .await;
    resources
        .publish_resource(db, &moderator, public)
        .await
        .expect("publish");
    resources
        .publish_resource(db, &runner, private)
        .await
        .expect("a creator publishes in the department");

    assert!(world.sees(&outsider, public).await);
    assert!(!world.sees(&outsider, private).await, "not for outsiders");
    assert!(
        !world.sees(&member, private).await,
        "not for members outside the department"
    );
    assert!(
        world.sees(&analyst, private).await,
        "for the department's members"
    );
    assert!(
        world.sees(&moderator, private).await,
        "for the organization's moderators"
    );

    // On PostgreSQL the wall holds below the service too: an unfiltered SELECT as an outsider
    // returns the public post and not the department's.
    if world.db.is_postgres() {
        let tx = tenant::read(db, &outsider).await.expect("begin");
        let rows = resource::Entity::find().all(&tx).await.expect("select");
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        assert!(ids.contains(&public) && !ids.contains(&private), "{ids:?}");
    }
}

#[tokio::test]
async fn an_organization_stops_at_its_monthly_allowance() {
    let world = World::new().await;
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "Busy").await;
    let allowance = commons_orgs::Plan::Free
        .limits()
        .resources_per_month
        .expect("limited");
    for i in 0..allowance {
        world
            .post(&owner, &format!("Post {i}"))
            .owner(org.id)
            .visibility(Visibility::Members)
            .draft()
            .await;
    }
    let refused = world
        .post(&owner, "One more")
        .owner(org.id)
        .visibility(Visibility::Members)
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::LimitExceeded);
    assert!(
        refused
            .to_string()
            .contains("free plan allows 30 resources per month"),
        "{refused}"
    );
    // Personal resources do not count against anyone's plan.
    world
        .post(&owner, "Mine")
        .visibility(Visibility::Private)
        .draft()
        .await;
}

#[tokio::test]
async fn edits_and_transfers_follow_the_same_rules() {
    use commons_resources::kind::page::PageInput;
    use commons_resources::service::writing::UpdateResource;
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let ada = world.person("ada").await;
    let bob = world.person("bob").await;
    let post = world
        .post(&ada, "Draft title")
        .visibility(Visibility::Public)
        .draft()
        .await;

    let refused = resources
        .update_resource(
            db,
            &bob,
            UpdateResource {
                id: post,
                title: Some("Mine now".into()),
                ..UpdateResource::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    let updated = resources
        .update_resource(
            db,
            &ada,
            UpdateResource {
                id: post,
                title: Some("Final title".into()),
                tags: Some(vec!["News".into()]),
                kind: Some(KindInput::Blogpost(BlogpostInput {
                    body: "New body".into(),
                    cover_url: None,
                })),
                ..UpdateResource::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.resource.title, "Final title");
    assert_eq!(updated.tags, vec!["news"]);
    assert!(matches!(updated.data, Some(KindData::Blogpost(ref b)) if b.body == "New body"));
    let wrong_kind = resources
        .update_resource(
            db,
            &ada,
            UpdateResource {
                id: post,
                kind: Some(KindInput::Page(PageInput {
                    path: "about".into(),
                    body: "x".into(),
                    parent_id: None,
                })),
                ..UpdateResource::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (wrong_kind.code(), wrong_kind.field()),
        (ErrorCode::BadUserInput, Some("kind"))
    );

    // Ada hands her post to an organization where she may create; Bob, a plain member there,
    // may not hand his.
    let org = world.organization(&ada, "Runners").await;
    world.member(&org, &bob, Role::Member).await;
    let moved = resources
        .transfer_resource(db, &ada, post, org.id)
        .await
        .expect("transfer");
    assert_eq!((moved.owner_id, moved.org_id), (org.id, Some(org.id)));
    let his = world
        .post(&bob, "Bob's")
        .visibility(Visibility::Public)
        .draft()
        .await;
    let refused = resources
        .transfer_resource(db, &bob, his, org.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    // Once the organization's, Bob (not its creator, no right to moderate) cannot edit it.
    let refused = resources
        .update_resource(
            db,
            &bob,
            UpdateResource {
                id: post,
                title: Some("x".into()),
                ..UpdateResource::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn pages_hang_under_their_owners_pages() {
    use commons_resources::kind::page::PageInput;
    let world = World::new().await;
    let ada = world.person("ada").await;
    let bob = world.person("bob").await;
    let page = |author: &Actor, title: &str, path: &str, parent_id: Option<Uuid>| {
        world.post(author, title).kind(KindInput::Page(PageInput {
            path: path.into(),
            body: "text".into(),
            parent_id,
        }))
    };
    let about = page(&ada, "About", "about", None).draft().await;
    let team = page(&ada, "Team", "/about/team/", Some(about))
        .try_draft()
        .await
        .expect("a child page");
    assert!(
        matches!(team.data, Some(KindData::Page(ref p)) if p.path == "about/team" && p.parent_id == Some(about))
    );
    let refused = page(&bob, "Mine", "mine", Some(about))
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), refused.field()),
        (ErrorCode::BadUserInput, Some("parentId"))
    );
    let refused = page(&ada, "Bad path", "a//b", None)
        .try_draft()
        .await
        .unwrap_err();
    assert_eq!(refused.field(), Some("path"));
}

#[tokio::test]
async fn nobody_changes_what_they_may_not_see() {
    use commons_resources::service::writing::UpdateResource;
    let world = World::new().await;
    let (db, orgs, resources) = (&world.db.conn, world.orgs(), &world.resources);
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "Walled").await;
    let moderator = world.new_member(&org, "moder", Role::Moderator).await;
    let secret = world
        .post(&owner, "Board notes")
        .owner(org.id)
        .visibility(Visibility::Private)
        .draft()
        .await;
    resources
        .publish_resource(db, &owner, secret)
        .await
        .expect("publish");

    // A moderator neither sees an admin's private resource nor reaches it another way.
    assert!(!world.sees(&moderator, secret).await);
    let open_up = UpdateResource {
        id: secret,
        visibility: Some(Visibility::Members),
        ..UpdateResource::default()
    };
    let refused = resources
        .update_resource(db, &moderator, open_up)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    let refused = resources
        .transfer_resource(db, &moderator, secret, user_id(&moderator))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    let refused = resources
        .archive_resource(db, &moderator, secret)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);

    // A member who may create but not publish cannot open a published resource to the public.
    let writer = world.new_member(&org, "writer", Role::Member).await;
    let team = world.department(&org, "Writers").await;
    orgs.add_department_member(
        db,
        &owner,
        AddDepartmentMember {
            department_id: team.id,
            user_id: user_id(&writer),
            preset: Preset::Custom,
            permissions: vec!["create_resources".into()],
        },
    )
    .await
    .expect("seat");
    let draft = world
        .post(&writer, "Team plan")
        .owner(team.id)
        .visibility(Visibility::Department)
        .draft()
        .await;
    resources
        .publish_resource(db, &owner, draft)
        .await
        .expect("the owner publishes it");
    let refused = resources
        .update_resource(
            db,
            &writer,
            UpdateResource {
                id: draft,
                visibility: Some(Visibility::Public),
                ..UpdateResource::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);

    // Removed from the organization, the writer no longer sees what they wrote there.
    let tx = tenant::read(db, &Actor::System).await.expect("begin");
    let membership = commons_orgs::entity::membership::Entity::find()
        .all(&tx)
        .await
        .expect("memberships")
        .into_iter()
        .find(|m| m.user_id == user_id(&writer))
        .expect("the writer's membership");
    drop(tx);
    orgs.remove_member(db, &owner, membership.id)
        .await
        .expect("remove");
    assert!(!world.sees(&writer, draft).await);
}

/// One of every kind, as the test world makes them: each publishes and reads back as its kind.
#[tokio::test]
async fn every_kind_is_published_and_read_back() {
    let world = World::new().await;
    // A platform admin: initiatives are started by approved organizers (or organizations).
    let maker = world.person("maker").platform_admin().await;
    let mut read_back = Vec::new();
    for (i, kind) in kind::one_of_each().into_iter().enumerate() {
        let id = world
            .post(&maker, &format!("Thing {i}"))
            .kind(kind)
            .publish()
            .await;
        let full = world
            .resources
            .resource(&world.db.conn, &Actor::ANONYMOUS, id)
            .await
            .expect("read")
            .expect("published and public");
        assert_eq!(full.resource.status, Status::Published);
        assert!(full.data.is_some(), "{} has its own fields", full.resource.kind);
        read_back.push(full.resource.kind);
    }
    assert_eq!(read_back, commons_resources::kind::KINDS);
}

#[tokio::test]
async fn a_persons_draft_is_walled_below_the_service_from_everyone_else() {
    let world = World::new().await;
    let db = &world.db.conn;
    let ann = world.person("ann").await;
    let bob = world.person("bob").await;
    let draft = world
        .post(&ann, "Half-written")
        .kind(kind::event(Some(10)))
        .draft()
        .await;
    let public = world.post(&ann, "Out now").publish().await;
    assert!(world.sees(&ann, draft).await);
    assert!(!world.sees(&bob, draft).await);
    if !world.db.is_postgres() {
        return;
    }
    // An unfiltered SELECT, with no actor at all and as another person: the draft and its
    // event row are not there; the published post is.
    let seen_by = |actor: Option<Actor>| async move {
        let tx = match &actor {
            Some(actor) => tenant::read(db, actor).await.expect("begin"),
            None => sea_orm::TransactionTrait::begin(db).await.expect("begin"),
        };
        let rows: Vec<Uuid> = resource::Entity::find()
            .all(&tx)
            .await
            .expect("select")
            .iter()
            .map(|r| r.id)
            .collect();
        let events = commons_resources::entity::event::Entity::find()
            .all(&tx)
            .await
            .expect("select events")
            .len();
        (rows, events)
    };
    for who in [None, Some(bob.clone())] {
        let (rows, events) = seen_by(who).await;
        assert!(rows.contains(&public) && !rows.contains(&draft), "{rows:?}");
        assert_eq!(events, 0, "the draft's event row follows it");
    }
    let (rows, events) = seen_by(Some(ann.clone())).await;
    assert!(rows.contains(&draft));
    assert_eq!(events, 1);
}
