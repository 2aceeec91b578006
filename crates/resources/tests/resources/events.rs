//! Events and their registrations (RS5) at the service level: seats, the waitlist, tickets
//! and check-in, who sees the participants, and capacity under concurrent registrations.

use chrono::Duration;
use commons_core::{Actor, CodedError, ErrorCode, PageRequest};
use commons_orgs::{Preset, Role};
use commons_resources::entity::event;
use commons_resources::kind::event::EventInput;
use commons_resources::service::registrations::Registration;
use commons_resources::{KindInput, RegistrationStatus, Visibility};
use commons_testkit::{World, kind, user_id};
use sea_orm::EntityTrait;
use uuid::Uuid;

fn event(capacity: Option<i32>, participants_visible: bool) -> KindInput {
    KindInput::Event(EventInput {
        capacity,
        participants_visible,
        ..kind::event_input()
    })
}

async fn register(
    world: &World,
    actor: &Actor,
    event: Uuid,
) -> Result<Registration, commons_resources::Error> {
    world
        .resources
        .register_for_event(&world.db.conn, actor, event)
        .await
}

async fn seats_taken(world: &World, event_id: Uuid) -> i32 {
    event::Entity::find_by_id(event_id)
        .one(&world.db.conn)
        .await
        .expect("read")
        .expect("event")
        .registered_count
}

#[tokio::test]
async fn seats_then_waitlist_then_promotion_and_check_in_once() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let owner = world.person("organizer").await;
    let org = world.organization(&owner, "AqStream").await;
    let volunteer = world.new_member(&org, "volunteer", Role::Moderator).await;
    let member = world.new_member(&org, "member", Role::Member).await;
    let run = world
        .post(&owner, "Morning run")
        .owner(org.id)
        .visibility(Visibility::Public)
        .kind(event(Some(2), false))
        .publish()
        .await;
    let [ann, ben, cat] = <[Actor; 3]>::try_from(world.people("runner", 3).await).expect("three");

    let first = register(&world, &ann, run).await.expect("ann registers");
    assert_eq!(first.status, RegistrationStatus::Registered);
    let code = first.ticket_code.clone().expect("the holder sees the ticket");
    assert_eq!(code.len(), 26);
    let again = register(&world, &ann, run).await.expect("again");
    assert_eq!(again.id, first.id, "registering twice keeps one registration");
    assert_eq!(
        register(&world, &ben, run).await.expect("ben").status,
        RegistrationStatus::Registered
    );
    let waiting = register(&world, &cat, run).await.expect("cat");
    assert_eq!(waiting.status, RegistrationStatus::Waitlisted);
    assert_eq!(waiting.waitlist_position, Some(1));
    assert_eq!(seats_taken(&world, run).await, 2);

    // The organizer sees everyone, without their ticket codes; others see nobody, as the
    // organizer set it.
    let list = resources
        .registrations(db, &owner, run, &PageRequest::new(None, None).expect("page"))
        .await
        .expect("organizer's list");
    assert_eq!(list.edges.len(), 3);
    assert!(list.edges.iter().all(|(_, r)| r.ticket_code.is_none()));
    let hidden = resources
        .registrations(db, &ben, run, &PageRequest::new(None, None).expect("page"))
        .await
        .expect("an attendee's view of the list");
    assert!(hidden.edges.is_empty() && !hidden.has_next_page);

    // Ben cancels: Cat, first on the waitlist, gets the seat.
    let ben_reg = register(&world, &ben, run).await.expect("ben's registration");
    let cancelled = resources
        .cancel_registration(db, &ben, ben_reg.id)
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, RegistrationStatus::Cancelled);
    let cat_now = resources
        .my_registrations_for(db, &cat, &[run])
        .await
        .expect("cat's registration")
        .remove(&run)
        .expect("cat has one");
    assert_eq!(cat_now.status, RegistrationStatus::Registered);
    assert_eq!(cat_now.waitlist_position, None);
    assert_eq!(seats_taken(&world, run).await, 2);
    // Coming back after cancelling puts Ben at the end of the (now) full event.
    assert_eq!(
        register(&world, &ben, run).await.expect("back").status,
        RegistrationStatus::Waitlisted
    );

    // Someone else's registration does not exist for them.
    let refused = resources
        .cancel_registration(db, &cat, first.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);

    // Check-in: by a moderator, by code as a scanner reads it, once.
    let not_allowed = resources.check_in(db, &member, &code).await.unwrap_err();
    assert_eq!(not_allowed.code(), ErrorCode::Forbidden);
    let checked = resources
        .check_in(db, &volunteer, &code.to_lowercase())
        .await
        .expect("check in");
    let at = checked.checked_in_at.expect("checked in");
    let twice = resources.check_in(db, &volunteer, &code).await.unwrap_err();
    assert_eq!(twice.code(), ErrorCode::Conflict);
    assert!(
        twice
            .to_string()
            .contains(&at.format("%Y-%m-%d %H:%M:%S").to_string()),
        "the second check-in names the first: {twice}"
    );
    let unknown = resources
        .check_in(db, &volunteer, "0000000000000000000000000Z")
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::NotFound);
    // A checked-in ticket is spent: it cannot be cancelled any more.
    let spent = resources
        .cancel_registration(db, &ann, first.id)
        .await
        .unwrap_err();
    assert_eq!(spent.code(), ErrorCode::Conflict);
    // A waitlisted ticket lets nobody in.
    let ben_code = register(&world, &ben, run)
        .await
        .expect("ben")
        .ticket_code
        .expect("code");
    let no_seat = resources.check_in(db, &volunteer, &ben_code).await.unwrap_err();
    assert_eq!(no_seat.code(), ErrorCode::Conflict);
}

#[tokio::test]
async fn department_events_are_for_the_department_and_lists_as_the_organizer_sets() {
    let world = World::new().await;
    let resources = &world.resources;
    let owner = world.person("founder").await;
    let org = world.organization(&owner, "AqStream").await;
    let team = world.department(&org, "Saratov Team").await;
    let saratov = world.new_member(&org, "saratovite", Role::Member).await;
    world.seat(&team, &saratov, Preset::Analyst).await;
    let member = world.new_member(&org, "elsewhere", Role::Member).await;
    let outsider = world.person("outsider").await;
    let open = world
        .post(&owner, "City run")
        .owner(org.id)
        .visibility(Visibility::Public)
        .kind(event(None, true))
        .publish()
        .await;
    let private = world
        .post(&owner, "Team training")
        .owner(team.id)
        .visibility(Visibility::Department)
        .kind(event(Some(10), true))
        .publish()
        .await;

    // A non-member sees and registers for the public event only; the department's member both.
    assert!(world.sees(&outsider, open).await);
    assert!(!world.sees(&outsider, private).await);
    assert!(!world.sees(&member, private).await);
    assert!(world.sees(&saratov, private).await);
    register(&world, &outsider, open).await.expect("public event");
    let refused = register(&world, &outsider, private).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    let refused = register(&world, &member, private).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    register(&world, &saratov, private)
        .await
        .expect("department member");

    // A visible list shows those with a seat to whoever sees the event.
    let page = PageRequest::new(None, None).expect("page");
    let listed = resources
        .registrations(&world.db.conn, &saratov, open, &page)
        .await
        .expect("visible list");
    assert_eq!(listed.edges.len(), 1);
    assert_eq!(listed.edges[0].1.user_id, user_id(&outsider));
    assert_eq!(listed.edges[0].1.ticket_code, None);
}

#[tokio::test]
async fn registration_follows_its_window_and_bigger_capacity_admits_the_waitlist() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let host = world.person("host").await;
    let now = chrono::Utc::now();
    let later = KindInput::Event(EventInput {
        starts_at: now + Duration::days(30),
        ends_at: now + Duration::days(30) + Duration::hours(1),
        timezone: None,
        place: None,
        online_url: Some("https://meet.example.org/x".into()),
        location: None,
        capacity: Some(1),
        registration_opens_at: Some(now + Duration::days(1)),
        registration_closes_at: None,
        participants_visible: false,
    });
    let webinar = world
        .post(&host, "Webinar")
        .owner(user_id(&host))
        .visibility(Visibility::Public)
        .kind(later)
        .publish()
        .await;
    let guest = world.person("guest").await;
    let early = register(&world, &guest, webinar).await.unwrap_err();
    assert_eq!(early.code(), ErrorCode::Conflict);
    assert!(early.to_string().contains("registration opens at"), "{early}");

    // The host opens registration now, for one seat; two ask; then the host adds a seat.
    let open = |capacity| {
        KindInput::Event(EventInput {
            starts_at: now + Duration::days(30),
            ends_at: now + Duration::days(30) + Duration::hours(1),
            timezone: None,
            place: None,
            online_url: Some("https://meet.example.org/x".into()),
            location: None,
            capacity: Some(capacity),
            registration_opens_at: None,
            registration_closes_at: None,
            participants_visible: false,
        })
    };
    let update = |capacity| commons_resources::service::writing::UpdateResource {
        id: webinar,
        kind: Some(open(capacity)),
        ..Default::default()
    };
    resources
        .update_resource(db, &host, update(1))
        .await
        .expect("open registration");
    let second = world.person("second").await;
    assert_eq!(
        register(&world, &guest, webinar).await.expect("guest").status,
        RegistrationStatus::Registered
    );
    assert_eq!(
        register(&world, &second, webinar).await.expect("second").status,
        RegistrationStatus::Waitlisted
    );
    resources
        .update_resource(db, &host, update(2))
        .await
        .expect("more seats");
    let now_second = resources
        .my_registrations_for(db, &second, &[webinar])
        .await
        .expect("read")
        .remove(&webinar)
        .expect("registered");
    assert_eq!(now_second.status, RegistrationStatus::Registered);
    assert_eq!(seats_taken(&world, webinar).await, 2);

    // A person's event is checked in by that person alone.
    let code = now_second.ticket_code.expect("own code");
    let refused = resources.check_in(db, &guest, &code).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    resources
        .check_in(db, &host, &code)
        .await
        .expect("host checks in");
}

/// 200 people register at once for 50 seats: exactly 50 get one, the rest wait in line, each
/// told a place of their own, in the order their requests were decided.
#[tokio::test]
async fn capacity_holds_under_concurrent_registrations() {
    let world = World::new().await;
    let host = world.person("host").await;
    let org = world.organization(&host, "Big run").await;
    let race = world
        .post(&host, "Race")
        .owner(org.id)
        .visibility(Visibility::Public)
        .kind(event(Some(50), false))
        .publish()
        .await;
    let runners = world.people("racer", 200).await;
    let tasks: Vec<_> = runners
        .into_iter()
        .map(|runner| {
            let (db, resources) = (world.db.conn.clone(), world.resources.clone());
            tokio::spawn(async move { resources.register_for_event(&db, &runner, race).await })
        })
        .collect();
    let (mut seated, mut places) = (0, Vec::new());
    for task in tasks {
        let registration = task
            .await
            .expect("the task ran")
            .expect("registered or waitlisted");
        match registration.status {
            RegistrationStatus::Registered => seated += 1,
            RegistrationStatus::Waitlisted => places.push(registration.waitlist_position),
            RegistrationStatus::Cancelled => panic!("nobody cancelled"),
        }
    }
    assert_eq!((seated, places.len()), (50, 150));
    assert_eq!(seats_taken(&world, race).await, 50);
    places.sort();
    let expected: Vec<Option<u64>> = (1..=150).map(Some).collect();
    assert_eq!(places, expected, "every one waiting has a place of their own");

    // Nobody who asked earlier waits behind somebody seated after them.
    let tx = commons_core::tenant::read(&world.db.conn, &Actor::System)
        .await
        .expect("tx");
    let stored = commons_resources::entity::event_registration::Entity::find()
        .all(&tx)
        .await
        .expect("registrations");
    let numbers = |status| {
        stored
            .iter()
            .filter(|r| r.status == status)
            .map(|r| r.request_number)
            .collect::<Vec<_>>()
    };
    let (seated, waiting) = (
        numbers(RegistrationStatus::Registered),
        numbers(RegistrationStatus::Waitlisted),
    );
    assert_eq!(seated.iter().max(), Some(&50));
    assert_eq!(waiting.iter().min(), Some(&51));
}

#[tokio::test]
async fn registrations_follow_their_event_to_another_organization() {
    let world = World::new().await;
    let (db, resources) = (&world.db.conn, &world.resources);
    let founder = world.person("founder").await;
    let first = world.organization(&founder, "Old club").await;
    let second = world.organization(&founder, "New club").await;
    let keeper = world.new_member(&second, "keeper", Role::Admin).await;
    let run = world
        .post(&founder, "Relay")
        .owner(first.id)
        .visibility(Visibility::Public)
        .kind(event(Some(5), false))
        .publish()
        .await;
    let runner = world.person("runner").await;
    register(&world, &runner, run).await.expect("registered");

    resources
        .transfer_resource(db, &founder, run, second.id)
        .await
        .expect("transfer");
    // Read past row level security: the test's own connection acts as no one.
    let tx = commons_core::tenant::read(db, &Actor::System).await.expect("tx");
    let stored = commons_resources::entity::event_registration::Entity::find()
        .all(&tx)
        .await
        .expect("registrations");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].org_id, Some(second.id));
    // The new organization's admin runs the event now, list and all.
    let list = resources
        .registrations(db, &keeper, run, &PageRequest::new(None, None).expect("page"))
        .await
        .expect("the new organizer's list");
    assert_eq!(list.edges.len(), 1);
    assert_eq!(list.edges[0].1.user_id, user_id(&runner));
}

#[tokio::test]
async fn a_ticket_is_cancelled_after_its_event_was_archived() {
    let world = World::new().await;
    let db = &world.db.conn;
    let host = world.person("host").await;
    let ann = world.person("ann").await;
    let supper = world
        .post(&host, "Supper club")
        .kind(event(Some(5), false))
        .publish()
        .await;
    let ticket = register(&world, &ann, supper).await.expect("ann registers");
    world
        .resources
        .archive_resource(db, &host, supper)
        .await
        .expect("archived");
    let cancelled = world
        .resources
        .cancel_registration(db, &ann, ticket.id)
        .await
        .expect("she cancels what she holds");
    assert_eq!(cancelled.status, RegistrationStatus::Cancelled);
    let system = commons_core::tenant::read(db, &Actor::System)
        .await
        .expect("begin");
    let seats = event::Entity::find_by_id(supper)
        .one(&system)
        .await
        .expect("read")
        .expect("event")
        .registered_count;
    assert_eq!(seats, 0, "her seat is free again");
}
