//! Lists of resources: distance search over spots and events, the members' view of an
//! organization (visibility and drafts in SQL, as `may_see` decides one by one), most reacted
//! first, and addresses by slug.

use commons_core::{Actor, CodedError, ErrorCode, PageRequest};
use commons_orgs::{Preset, Role};
use commons_resources::entity::resource;
use commons_resources::geo::Location;
use commons_resources::service::reading::{FeedFilter, FeedOrder, Near};
use commons_resources::service::writing::Full;
use commons_resources::{KindInput, Status, Visibility};
use commons_testkit::kind::{self, blogpost as post};
use commons_testkit::{World, user_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Almaty's Republic Square.
const CENTER: Location = Location {
    latitude: 43.2383,
    longitude: 76.9454,
};
/// A kilometre north, in degrees of latitude.
const KM: f64 = 1.0 / 111.195;

fn spot(north_km: f64, east_km: f64) -> KindInput {
    let shrink = CENTER.latitude.to_radians().cos();
    kind::spot(
        Location::new(
            CENTER.latitude + north_km * KM,
            CENTER.longitude + east_km * KM / shrink,
        )
        .expect("on the globe"),
    )
}

async fn list(
    world: &World,
    actor: &Actor,
    filter: FeedFilter,
    first: i32,
    after: Option<&str>,
) -> Vec<Full> {
    world
        .resources
        .feed(
            &world.db.conn,
            actor,
            filter,
            &PageRequest::new(Some(first), after).expect("page"),
        )
        .await
        .expect("list")
        .edges
        .into_iter()
        .map(|(_, full)| full)
        .collect()
}

async fn titles(world: &World, actor: &Actor, filter: FeedFilter) -> Vec<String> {
    list(world, actor, filter, 100, None)
        .await
        .into_iter()
        .map(|f| f.resource.title)
        .collect()
}

#[tokio::test]
async fn spots_near_a_point_come_nearest_first_with_their_distance() {
    let world = World::new().await;
    let guide = world.person("guide").await;
    let me = user_id(&guide);
    for (title, north, east) in [
        ("Eight km east", 0.0, 8.0),
        ("One km north", 1.0, 0.0),
        ("Fifty km south", -50.0, 0.0),
        ("Three km southwest", -2.1, -2.1),
        ("Eleven km in the box's corner", 8.0, 8.0),
    ] {
        world
            .post(&guide, title)
            .owner(me)
            .visibility(Visibility::Public)
            .kind(spot(north, east))
            .publish()
            .await;
    }
    world
        .post(&guide, "A post has no place")
        .owner(me)
        .visibility(Visibility::Public)
        .kind(post("x"))
        .publish()
        .await;
    let near = Near {
        center: CENTER,
        radius_km: 10.0,
    };
    let filter = || FeedFilter {
        near: Some(near),
        order: FeedOrder::Nearest,
        ..FeedFilter::default()
    };
    let found = list(&world, &guide, filter(), 100, None).await;
    let nearest: Vec<&str> = found.iter().map(|f| f.resource.title.as_str()).collect();
    assert_eq!(nearest, ["One km north", "Three km southwest", "Eight km east"]);
    let distances: Vec<f64> = found.iter().map(|f| f.distance_km.expect("measured")).collect();
    for (got, want) in distances.iter().zip([1.0, 2.97, 8.0]) {
        assert!((got - want).abs() < 0.05, "{got} km, expected about {want}");
    }

    // Page by page, the order holds.
    let page = world
        .resources
        .feed(
            &world.db.conn,
            &guide,
            filter(),
            &PageRequest::new(Some(2), None).expect("page"),
        )
        .await
        .expect("first page");
    assert!(page.has_next_page);
    let after = page.edges.last().expect("two").0.encode();
    let rest = list(&world, &guide, filter(), 2, Some(&after)).await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].resource.title, "Eight km east");

    // Without the order, near still filters (newest first).
    let newest = titles(
        &world,
        &guide,
        FeedFilter {
            near: Some(near),
            ..FeedFilter::default()
        },
    )
    .await;
    assert_eq!(newest, ["Three km southwest", "One km north", "Eight km east"]);

    for radius_km in [0.0, -1.0, 5000.0, f64::NAN] {
        let refused = world
            .resources
            .feed(
                &world.db.conn,
                &guide,
                FeedFilter {
                    near: Some(Near {
                        center: CENTER,
                        radius_km,
                    }),
                    ..FeedFilter::default()
                },
                &PageRequest::new(None, None).expect("page"),
            )
            .await
            .unwrap_err();
        assert_eq!(refused.code(), ErrorCode::BadUserInput, "{radius_km}");
    }
    let no_point = world
        .resources
        .feed(
            &world.db.conn,
            &guide,
            FeedFilter {
                order: FeedOrder::Nearest,
                ..FeedFilter::default()
            },
            &PageRequest::new(None, None).expect("page"),
        )
        .await
        .unwrap_err();
    assert_eq!(no_point.code(), ErrorCode::BadUserInput);
}

#[tokio::test]
async fn members_see_their_organizations_resources_as_visibility_allows() {
    let world = World::new().await;
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "AqStream").await;
    let team = world.department(&org, "Saratov Team").await;
    let writer = world.new_member(&org, "writer", Role::Member).await;
    world.seat(&team, &writer, Preset::Creator).await;
    let member = world.new_member(&org, "member", Role::Member).await;
    let outsider = world.person("outsider").await;
    let o = Some(org.id);
    world
        .post(&owner, "Public news")
        .owner(org.id)
        .visibility(Visibility::Public)
        .kind(post("a"))
        .publish()
        .await;
    world
        .post(&owner, "Members memo")
        .owner(org.id)
        .visibility(Visibility::Members)
        .kind(post("b"))
        .publish()
        .await;
    world
        .post(&owner, "Board minutes")
        .owner(org.id)
        .visibility(Visibility::Private)
        .kind(post("c"))
        .publish()
        .await;
    world
        .post(&writer, "Team plan")
        .owner(team.id)
        .visibility(Visibility::Department)
        .kind(post("d"))
        .publish()
        .await;
    world
        .post(&writer, "Team draft")
        .owner(team.id)
        .visibility(Visibility::Department)
        .kind(post("e"))
        .try_draft()
        .await
        .expect("draft");
    world
        .post(&owner, "Owner's draft")
        .owner(org.id)
        .visibility(Visibility::Members)
        .kind(post("f"))
        .try_draft()
        .await
        .expect("draft");
    let of_org = |status| FeedFilter {
        organization_id: o,
        status,
        ..FeedFilter::default()
    };

    assert_eq!(titles(&world, &outsider, of_org(None)).await, ["Public news"]);
    assert_eq!(
        titles(&world, &member, of_org(None)).await,
        ["Members memo", "Public news"]
    );
    assert_eq!(
        titles(&world, &writer, of_org(None)).await,
        ["Team plan", "Members memo", "Public news"]
    );
    assert_eq!(
        titles(&world, &owner, of_org(None)).await,
        ["Team plan", "Board minutes", "Members memo", "Public news"]
    );
    // Drafts: their creators', and everything for those who publish there.
    assert!(
        titles(&world, &member, of_org(Some(Status::Draft)))
            .await
            .is_empty()
    );
    assert!(
        titles(&world, &outsider, of_org(Some(Status::Draft)))
            .await
            .is_empty()
    );
    assert_eq!(
        titles(&world, &writer, of_org(Some(Status::Draft))).await,
        ["Team draft"]
    );
    assert_eq!(
        titles(&world, &owner, of_org(Some(Status::Draft))).await,
        ["Owner's draft", "Team draft"]
    );
    // The list and the one-by-one rule agree.
    for person in [&outsider, &member, &writer, &owner] {
        for full in list(&world, person, of_org(None), 100, None).await {
            assert!(world.sees(person, full.resource.id).await);
        }
    }
}

#[tokio::test]
async fn most_reacted_first_and_addresses_by_slug() {
    let world = World::new().await;
    let author = world.person("author").await;
    let me = user_id(&author);
    let mut ids = Vec::new();
    for (title, reactions) in [("Quiet", 0), ("Loved", 40), ("Liked", 7), ("Also liked", 7)] {
        let id = world
            .post(&author, title)
            .owner(me)
            .visibility(Visibility::Public)
            .kind(post(title))
            .publish()
            .await;
        // The reactions crate keeps this total in the reacting transaction.
        resource::Entity::update_many()
            .col_expr(resource::Column::ReactionCount, Expr::value(reactions as i64))
            .filter(resource::Column::Id.eq(id))
            .exec(&world.db.conn)
            .await
            .expect("count");
        ids.push(id);
    }
    let by_reactions = || FeedFilter {
        order: FeedOrder::MostReacted,
        ..FeedFilter::default()
    };
    assert_eq!(
        titles(&world, &author, by_reactions()).await,
        ["Loved", "Also liked", "Liked", "Quiet"]
    );
    let first_two = world
        .resources
        .feed(
            &world.db.conn,
            &author,
            by_reactions(),
            &PageRequest::new(Some(2), None).expect("page"),
        )
        .await
        .expect("page");
    let after = first_two.edges.last().expect("two").0.encode();
    let rest: Vec<String> = list(&world, &author, by_reactions(), 10, Some(&after))
        .await
        .into_iter()
        .map(|f| f.resource.title)
        .collect();
    assert_eq!(rest, ["Liked", "Quiet"]);

    let found = world
        .resources
        .resource_by_slug(&world.db.conn, &Actor::ANONYMOUS, user_id(&author), "ALSO-liked")
        .await
        .expect("read")
        .expect("found by slug");
    assert_eq!(found.resource.id, ids[3]);
}

#[tokio::test]
async fn an_unknown_kind_is_a_mistake_not_an_empty_list() {
    let world = World::new().await;
    let reader = world.person("reader").await;
    let refused = world
        .resources
        .feed(
            &world.db.conn,
            &reader,
            FeedFilter {
                kind: Some("poem".into()),
                ..FeedFilter::default()
            },
            &PageRequest::new(None, None).expect("page"),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::BadUserInput);
    assert!(
        refused
            .to_string()
            .contains("blogpost, event, initiative, page, photo, product, spot")
    );
}

/// Every kind comes back as it was written, alike from the feed, by ids and alone, its tags in
/// order.
#[tokio::test]
async fn every_kind_reads_back_as_written_from_lists_and_alone() {
    let world = World::new().await;
    let db = &world.db.conn;
    let author = world.person("author").await;
    // An organization's, so its people may start initiatives too.
    let org = world.organization(&author, "Green").await;
    let mut written = Vec::new();
    for (n, input) in kind::one_of_each().into_iter().enumerate() {
        let full = world
            .post(&author, &format!("Kind {n}"))
            .owner(org.id)
            .tags(["Zeta", "alpha", "mid"])
            .kind(input)
            .try_draft()
            .await
            .expect("create");
        world
            .resources
            .publish_resource(db, &author, full.resource.id)
            .await
            .expect("publish");
        written.push(full);
    }
    let feed = list(&world, &Actor::ANONYMOUS, FeedFilter::default(), 10, None).await;
    assert_eq!(feed.len(), written.len());
    let ids: Vec<_> = written.iter().map(|f| f.resource.id).collect();
    let by_ids = world
        .resources
        .resources_by_ids(db, &Actor::ANONYMOUS, &ids)
        .await
        .expect("by ids");
    for made in &written {
        let (id, kind) = (made.resource.id, &made.resource.kind);
        assert!(made.data.is_some(), "{kind} written with its fields");
        let alone = world
            .resources
            .resource(db, &Actor::ANONYMOUS, id)
            .await
            .expect("read")
            .expect("published");
        let listed = feed.iter().find(|f| f.resource.id == id).expect("in the feed");
        for (read, how) in [
            (&alone, "alone"),
            (listed, "in the feed"),
            (&by_ids[&id], "by ids"),
        ] {
            assert_eq!(read.data, made.data, "{kind} read {how}");
            assert_eq!(read.tags, ["alpha", "mid", "zeta"], "{kind} read {how}");
        }
    }
}
