//! SA4: a spot's time is never booked twice, however many try at once; a spot that asks for
//! approval holds the time while its owner decides; declining or cancelling frees it.

use chrono::{DateTime, Duration, DurationRound, Utc};
use commons_core::{Actor, CodedError, ErrorCode};
use commons_resources::KindInput;
use commons_resources::geo::Location;
use commons_resources::kind::spot::SpotInput;
use commons_sales::entity::{booking, booking_slot};
use commons_sales::{BookSpot, BookingStatus, Error};
use futures::future::join_all;
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::Shop;

/// A spot of the shop's; bookings wait for approval when `approval`.
async fn spot(shop: &Shop, title: &str, approval: bool) -> Uuid {
    shop.world
        .post(&shop.owner, title)
        .owner(shop.org.id)
        .kind(KindInput::Spot(SpotInput {
            location: Location::new(51.53, 46.03).expect("a place"),
            address: Some("Kirova 1".into()),
            hours: None,
            requires_booking_approval: approval,
        }))
        .publish()
        .await
}

/// Tomorrow at `hour`:`minute` UTC.
fn tomorrow(hour: i64, minute: i64) -> DateTime<Utc> {
    let midnight = (Utc::now() + Duration::days(1))
        .duration_trunc(Duration::days(1))
        .expect("midnight");
    midnight + Duration::hours(hour) + Duration::minutes(minute)
}

fn book(spot_id: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> BookSpot {
    BookSpot {
        spot_id,
        starts_at: from,
        ends_at: to,
        customer_id: None,
        note: None,
    }
}

#[tokio::test]
async fn fifty_bookings_of_one_hour_at_once_let_exactly_one_through() {
    let shop = Shop::open("hall").await;
    let hall = spot(&shop, "Assembly hall", false).await;
    let people = shop.world.people("guest", 10).await;
    let shop = std::sync::Arc::new(shop);
    // Every attempt covers 10:00–10:15; some start earlier or end later.
    let attempts = (0..50).map(|n| {
        let (shop, who): (_, Actor) = (shop.clone(), people[n % 10].clone());
        let from = tomorrow(10, -15 * (n as i64 % 3));
        let to = tomorrow(10, 15 + 15 * (n as i64 % 2));
        tokio::spawn(async move {
            shop.sales
                .book_spot(&shop.world.db.conn, &who, book(hall, from, to))
                .await
        })
    });
    let outcomes: Vec<Result<_, Error>> = join_all(attempts)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect();
    let booked: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(booked.len(), 1, "exactly one booking holds the time");
    assert_eq!(booked[0].status, BookingStatus::Confirmed);
    for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}");
        assert_eq!(
            refused.to_string(),
            "Assembly hall is already booked for (part of) this time"
        );
    }
    let held = booking_slot::Entity::find()
        .count(&shop.world.db.conn)
        .await
        .expect("count");
    let quarters = (booked[0].ends_at - booked[0].starts_at).num_minutes() / 15;
    assert_eq!(held as i64, quarters);
}

#[tokio::test]
async fn a_venue_that_asks_for_approval_holds_the_time_until_its_owner_decides() {
    let shop = Shop::open("venue").await;
    let (db, sales) = (&shop.world.db.conn, &shop.sales);
    let hall = spot(&shop, "Garden", true).await;
    let [ann, ben] = <[Actor; 2]>::try_from(shop.world.people("initiative", 2).await).expect("two");
    let (from, to) = (tomorrow(9, 0), tomorrow(12, 0));

    let asked = sales
        .book_spot(db, &ann, book(hall, from, to))
        .await
        .expect("ask");
    assert_eq!(asked.status, BookingStatus::Requested);
    let meanwhile = sales
        .book_spot(db, &ben, book(hall, tomorrow(11, 0), tomorrow(13, 0)))
        .await
        .expect_err("the time is held");
    assert_eq!(meanwhile.code(), ErrorCode::Conflict);

    let not_hers = sales
        .decide_booking(db, &ann, asked.id, true, None)
        .await
        .expect_err("the owner decides");
    assert_eq!(not_hers.code(), ErrorCode::Forbidden);
    let stranger = sales
        .decide_booking(db, &ben, asked.id, true, None)
        .await
        .expect_err("not his");
    assert_eq!(stranger.code(), ErrorCode::NotFound);
    let no_reason = sales
        .decide_booking(db, &shop.clerk, asked.id, false, None)
        .await
        .expect_err("a reason");
    assert_eq!(
        (no_reason.code(), no_reason.field()),
        (ErrorCode::BadUserInput, Some("reason"))
    );
    let declined = sales
        .decide_booking(db, &shop.clerk, asked.id, false, Some("closed for repairs"))
        .await
        .expect("decline");
    assert_eq!(
        (declined.status, declined.reason.as_deref()),
        (BookingStatus::Declined, Some("closed for repairs"))
    );
    let again = sales
        .decide_booking(db, &shop.clerk, asked.id, true, None)
        .await
        .expect_err("decided already");
    assert_eq!(again.code(), ErrorCode::Conflict);

    // Declining freed the time: Ben asks, is approved, then calls it off; Ann books again.
    let bens = sales
        .book_spot(db, &ben, book(hall, tomorrow(11, 0), tomorrow(13, 0)))
        .await
        .expect("free again");
    let approved = sales
        .decide_booking(db, &shop.clerk, bens.id, true, None)
        .await
        .expect("approve");
    assert_eq!(approved.status, BookingStatus::Confirmed);
    let cancelled = sales
        .cancel_booking(db, &ben, bens.id, Some("rain"))
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    let stored = sales
        .booking(db, &ben, bens.id)
        .await
        .expect("read")
        .expect("his");
    assert_eq!(
        (stored.status, stored.decided_by),
        (
            BookingStatus::Cancelled,
            Some(commons_testkit::user_id(&shop.clerk))
        ),
        "cancelling keeps who approved it"
    );
    sales
        .book_spot(db, &ann, book(hall, from, to))
        .await
        .expect("free after cancelling");

    // On PostgreSQL the wall holds below the service too: a stranger's unfiltered SELECT
    // finds none of these bookings; Ann's finds hers.
    if shop.world.db.is_postgres() {
        let stranger = shop.world.person("stranger").await;
        for (who, rows) in [(&stranger, 0), (&ann, 2)] {
            let tx = commons_core::tenant::read(db, who).await.expect("begin");
            let found = booking::Entity::find().all(&tx).await.expect("select");
            assert_eq!(found.len(), rows, "{who:?}");
        }
    }
}

#[tokio::test]
async fn a_booking_is_on_the_quarter_hour_ahead_and_at_most_a_day() {
    let shop = Shop::open("times").await;
    let (db, sales) = (&shop.world.db.conn, &shop.sales);
    let room = spot(&shop, "Room", false).await;
    let ann = shop.world.person("ann").await;
    let yesterday = tomorrow(10, 0) - Duration::days(2);
    for (from, to, field) in [
        (tomorrow(10, 5), tomorrow(11, 0), "startsAt"),
        (tomorrow(11, 0), tomorrow(10, 0), "endsAt"),
        (tomorrow(0, 0), tomorrow(24, 15), "endsAt"),
        (yesterday, yesterday + Duration::hours(1), "startsAt"),
    ] {
        let refused = sales
            .book_spot(db, &ann, book(room, from, to))
            .await
            .expect_err("a wrong time");
        assert_eq!(
            (refused.code(), refused.field()),
            (ErrorCode::BadUserInput, Some(field)),
            "{refused}"
        );
    }
    let own = sales
        .book_spot(db, &shop.owner, book(room, tomorrow(10, 0), tomorrow(11, 0)))
        .await;
    assert!(own.is_ok(), "the owner's people may book for themselves: {own:?}");
}

/// One customer cannot fill a venue's calendar with requests: ten at once for ten different
/// hours leave three waiting (the rest `LIMIT_EXCEEDED`); another customer is not held back;
/// an answer frees a place in the queue.
#[tokio::test]
async fn a_customer_has_at_most_three_requests_waiting_per_spot() {
    use commons_sales::bookings::MAX_PENDING_REQUESTS;
    let shop = Shop::open("venue").await;
    let (db, sales) = (&shop.world.db.conn, &shop.sales);
    let hall = spot(&shop, "Community hall", true).await;
    let [ann, ben] = <[Actor; 2]>::try_from(shop.world.people("hirer", 2).await).expect("two");

    let attempts = (0..10).map(|hour| {
        let (db, sales, ann) = (db.clone(), sales.clone(), ann.clone());
        async move {
            sales
                .book_spot(&db, &ann, book(hall, tomorrow(hour, 0), tomorrow(hour, 30)))
                .await
        }
    });
    let (mut waiting, mut refused) = (Vec::new(), 0);
    for attempt in join_all(attempts).await {
        match attempt {
            Ok(booking) => waiting.push(booking),
            Err(e @ Error::TooManyRequests { .. }) => {
                assert_eq!(e.code(), ErrorCode::LimitExceeded);
                assert!(e.to_string().contains("“Community hall”"), "{e}");
                refused += 1;
            }
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(
        (waiting.len() as u64, refused),
        (MAX_PENDING_REQUESTS, 10 - MAX_PENDING_REQUESTS)
    );

    sales
        .book_spot(db, &ben, book(hall, tomorrow(20, 0), tomorrow(21, 0)))
        .await
        .expect("another customer has a queue of their own");
    sales
        .decide_booking(
            db,
            &shop.clerk,
            waiting[0].id,
            false,
            Some("booked for a wedding"),
        )
        .await
        .expect("declined");
    sales
        .book_spot(db, &ann, book(hall, tomorrow(22, 0), tomorrow(23, 0)))
        .await
        .expect("an answer frees a place");
}
