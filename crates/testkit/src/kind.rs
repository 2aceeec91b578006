//! One of each kind of resource, with plausible fields. Tests that care about a field set it:
//! `KindInput::Event(EventInput { capacity: Some(2), ..kind::event_input() })`.

use chrono::{Duration, Utc};
use commons_resources::KindInput;
use commons_resources::geo::Location;
use commons_resources::kind::blogpost::BlogpostInput;
use commons_resources::kind::event::EventInput;
use commons_resources::kind::page::PageInput;
use commons_resources::kind::photo::PhotoInput;
use commons_resources::kind::product::ProductInput;
use commons_resources::kind::spot::SpotInput;

pub fn blogpost(body: &str) -> KindInput {
    KindInput::Blogpost(BlogpostInput {
        body: body.into(),
        cover_url: None,
    })
}

/// An event with `capacity` seats (unlimited when `None`), registration open now.
pub fn event(capacity: Option<i32>) -> KindInput {
    KindInput::Event(EventInput {
        capacity,
        ..event_input()
    })
}

/// Three hours on the Volga embankment a week from now; seats unlimited, registration open,
/// the participants' list for organizers only.
pub fn event_input() -> EventInput {
    let starts_at = Utc::now() + Duration::days(7);
    EventInput {
        starts_at,
        ends_at: starts_at + Duration::hours(3),
        timezone: Some("Europe/Saratov".into()),
        place: Some("Volga embankment".into()),
        online_url: None,
        location: None,
        capacity: None,
        registration_opens_at: None,
        registration_closes_at: None,
        participants_visible: false,
    }
}

/// A top-level page at `path`.
pub fn page(path: &str) -> KindInput {
    KindInput::Page(PageInput {
        path: path.into(),
        body: "text".into(),
        parent_id: None,
    })
}

/// A photo kept elsewhere, at `url`.
pub fn photo(url: &str, caption: &str) -> KindInput {
    KindInput::Photo(PhotoInput {
        url: Some(url.into()),
        media_id: None,
        caption: Some(caption.into()),
    })
}

/// A product on sale at `price_minor` (in minor units) of `currency`, stock not counted.
pub fn product(price_minor: i64, currency: &str) -> KindInput {
    KindInput::Product(ProductInput {
        price_minor,
        currency: currency.into(),
        sku: None,
        stock: None,
        active: true,
    })
}

/// A place at `location`.
pub fn spot(location: Location) -> KindInput {
    KindInput::Spot(SpotInput {
        location,
        address: None,
        hours: None,
        requires_booking_approval: false,
    })
}

/// An initiative in `category`, without a place, dates, goal or limit.
pub fn initiative(category: &str) -> KindInput {
    KindInput::Initiative(commons_resources::kind::initiative::InitiativeInput {
        category: category.into(),
        place: None,
        location: None,
        starts_at: None,
        ends_at: None,
        goal_minor: None,
        currency: None,
        max_participants: None,
    })
}

/// One resource of every kind, in the order of `commons_resources::kind::KINDS`: what a test
/// of "every kind" makes, so a new kind joins each such test here.
pub fn one_of_each() -> Vec<KindInput> {
    let almaty = Location {
        latitude: 43.2383,
        longitude: 76.9454,
    };
    vec![
        blogpost("# Notes"),
        event(Some(10)),
        initiative("environment"),
        page("about"),
        photo("https://cdn.example.org/a.jpg", "A view"),
        product(1500, "EUR"),
        spot(almaty),
    ]
}
