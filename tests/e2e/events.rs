//! Events, moderation and places end to end, over HTTP as a frontend speaks:
//! - AqStream publishes a public event and a private one for its "Saratov Team": a non-member
//!   sees only the public one, a department member both; registering beyond capacity
//!   waitlists, cancelling promotes, a ticket checks in once.
//! - A BirQadam volunteer's photo report goes through moderation.
//! - A spot search by distance returns the near spots, nearest first.

use crate::common::{Session, TestServer};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation($input: CreateResourceInput!) { createResource(input: $input) { id __typename status } }";
const PUBLISH: &str = "mutation($id: ID!) { publishResource(id: $id) { status } }";
const REGISTER: &str =
    "mutation($id: ID!) { registerForEvent(eventId: $id) { id status ticketCode waitlistPosition } }";

struct Org {
    id: Value,
    team: Value,
}

async fn organization(
    server: &TestServer,
    owner: &Session,
    name: &str,
    slug: &str,
    team: &str,
    review: bool,
) -> Org {
    let org = server
        .gql(
            "mutation($name: String!, $slug: String!) { createOrganization(input: { name: $name, slug: $slug }) { id } }",
            json!({ "name": name, "slug": slug }),
            Some(&owner.access),
        )
        .await;
    let id = org.data()["createOrganization"]["id"].clone();
    let department = server
        .gql(
            "mutation($org: ID!, $name: String!, $review: Boolean!) { createDepartment(input: { organizationId: $org, name: $name, requiresApproval: $review }) { id } }",
            json!({ "org": id, "name": team, "review": review }),
            Some(&owner.access),
        )
        .await;
    Org {
        id,
        team: department.data()["createDepartment"]["id"].clone(),
    }
}

/// A new person joins the organization by invite, with `role` and a seat in `department`.
async fn invited(
    server: &TestServer,
    owner: &Session,
    org: &Org,
    role: &str,
    department: bool,
    name: &str,
) -> Session {
    let departments = if department { json!([org.team]) } else { json!([]) };
    let invite = server
        .gql(
            "mutation($input: CreateInviteInput!) { createInvite(input: $input) { code } }",
            json!({ "input": { "organizationId": org.id, "role": role, "departmentIds": departments } }),
            Some(&owner.access),
        )
        .await;
    let code = invite.data()["createInvite"]["code"].clone();
    let person = server.register(&format!("{name}@example.org"), name).await;
    let accepted = server
        .gql(
            "mutation($code: String!) { acceptInvite(code: $code) { id } }",
            json!({ "code": code }),
            Some(&person.access),
        )
        .await;
    assert!(accepted.body["errors"].is_null(), "{}", accepted.body);
    person
}

async fn created(server: &TestServer, by: &Session, input: Value) -> Value {
    let reply = server
        .gql(CREATE, json!({ "input": input }), Some(&by.access))
        .await;
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    reply.data()["createResource"]["id"].clone()
}

async fn published(server: &TestServer, by: &Session, input: Value) -> Value {
    let id = created(server, by, input).await;
    let reply = server.gql(PUBLISH, json!({ "id": id }), Some(&by.access)).await;
    assert_eq!(
        reply.data()["publishResource"]["status"],
        "PUBLISHED",
        "{}",
        reply.body
    );
    id
}

fn event(capacity: Option<i32>) -> Value {
    json!({ "event": {
        "startsAt": "2031-06-01T06:00:00Z", "endsAt": "2031-06-01T09:00:00Z",
        "timezone": "Europe/Saratov", "place": "Volga embankment",
        "latitude": 51.5331, "longitude": 46.0342, "capacity": capacity
    } })
}

async fn titles(server: &TestServer, who: Option<&Session>, filter: Value) -> Vec<String> {
    let reply = server
        .gql(
            "query($filter: ResourceFilter) { resources(first: 50, filter: $filter) { edges { node { title } } } }",
            json!({ "filter": filter }),
            who.map(|s| s.access.as_str()),
        )
        .await;
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    reply.data()["resources"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["title"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn aqstream_events_seats_waitlist_and_check_in() {
    let server = TestServer::start().await;
    let owner = server.register("founder@example.org", "founder").await;
    let org = organization(&server, &owner, "AqStream", "aqstream", "Saratov Team", false).await;
    let saratovite = invited(&server, &owner, &org, "MEMBER", true, "saratovite").await;
    let steward = invited(&server, &owner, &org, "MODERATOR", false, "steward").await;
    let outsider = server.register("outsider@example.org", "outsider").await;
    let second = server.register("second@example.org", "second").await;
    let third = server.register("third@example.org", "third").await;

    let open = published(
        &server,
        &owner,
        json!({ "ownerId": org.id, "title": "Open run", "kind": event(Some(2)) }),
    )
    .await;
    published(
        &server,
        &owner,
        json!({ "ownerId": org.team, "title": "Team training", "visibility": "DEPARTMENT", "kind": event(None) }),
    )
    .await;

    let events = json!({ "organizationId": org.id, "kind": "event" });
    assert_eq!(
        titles(&server, Some(&outsider), events.clone()).await,
        ["Open run"]
    );
    assert_eq!(titles(&server, None, events.clone()).await, ["Open run"]);
    assert_eq!(
        titles(&server, Some(&saratovite), events.clone()).await,
        ["Team training", "Open run"]
    );

    // Two seats: the third to register waits.
    let register = |who: &Session| {
        let token = who.access.clone();
        let variables = json!({ "id": open });
        let server = &server;
        async move { server.gql(REGISTER, variables, Some(&token)).await }
    };
    let first = register(&outsider).await;
    let ticket = first.data()["registerForEvent"].clone();
    assert_eq!(ticket["status"], "REGISTERED", "{}", first.body);
    let code = ticket["ticketCode"]
        .as_str()
        .expect("the holder sees the code")
        .to_owned();
    // The ticket is a node for its holder, with its code; for nobody signed out.
    let ticket_node = "query($id: ID!) { node(id: $id) { ... on Registration { status ticketCode } } }";
    let mine = server
        .gql(ticket_node, json!({ "id": ticket["id"] }), Some(&outsider.access))
        .await;
    assert_eq!(
        mine.data()["node"],
        json!({ "status": "REGISTERED", "ticketCode": code }),
        "{}",
        mine.body
    );
    let anonymous = server.gql(ticket_node, json!({ "id": ticket["id"] }), None).await;
    assert_eq!(anonymous.data()["node"], Value::Null, "{}", anonymous.body);
    let got = register(&second).await;
    assert_eq!(got.data()["registerForEvent"]["status"], "REGISTERED");
    let waits = register(&third).await;
    assert_eq!(
        waits.data()["registerForEvent"],
        json!({ "id": waits.data()["registerForEvent"]["id"], "status": "WAITLISTED",
                "ticketCode": waits.data()["registerForEvent"]["ticketCode"], "waitlistPosition": 1 }),
    );
    let seats = "query($id: ID!) { resource(id: $id) { ... on Event { registeredCount seatsLeft viewerRegistration { status } } } }";
    let view = server
        .gql(seats, json!({ "id": open }), Some(&third.access))
        .await;
    assert_eq!(
        view.data()["resource"],
        json!({ "registeredCount": 2, "seatsLeft": 0, "viewerRegistration": { "status": "WAITLISTED" } })
    );

    // The second person cancels; the third gets the seat.
    let cancel = server
        .gql(
            "mutation($id: ID!) { cancelRegistration(registrationId: $id) { status } }",
            json!({ "id": got.data()["registerForEvent"]["id"] }),
            Some(&second.access),
        )
        .await;
    assert_eq!(
        cancel.data()["cancelRegistration"]["status"],
        "CANCELLED",
        "{}",
        cancel.body
    );
    let view = server
        .gql(seats, json!({ "id": open }), Some(&third.access))
        .await;
    assert_eq!(
        view.data()["resource"]["viewerRegistration"]["status"],
        "REGISTERED"
    );

    // At the door: the moderator scans the code once; twice is a conflict naming the first.
    let check_in = "mutation($code: String!) { checkIn(ticketCode: $code) { status checkedInAt user { username } ticketCode } }";
    let refused = server
        .gql(check_in, json!({ "code": code }), Some(&saratovite.access))
        .await;
    assert_eq!(refused.code(), Some("FORBIDDEN"), "{}", refused.body);
    let door = server
        .gql(check_in, json!({ "code": code }), Some(&steward.access))
        .await;
    let checked = &door.data()["checkIn"];
    assert_eq!(checked["user"]["username"], "outsider", "{}", door.body);
    assert!(checked["ticketCode"].is_null(), "only the holder sees the code");
    let again = server
        .gql(check_in, json!({ "code": code }), Some(&steward.access))
        .await;
    assert_eq!(again.code(), Some("CONFLICT"));
    assert!(
        again
            .message()
            .unwrap_or_default()
            .contains("already checked in at"),
        "{}",
        again.body
    );

    // The participant list is the organizer's (hidden from participants by default).
    let list = "query($id: ID!) { resource(id: $id) { ... on Event { registrations(first: 10) { edges { node { status user { username } } } } } } }";
    let organizer = server
        .gql(list, json!({ "id": open }), Some(&steward.access))
        .await;
    let people: Vec<&str> = organizer.data()["resource"]["registrations"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["user"]["username"].as_str())
        .collect();
    assert_eq!(people, ["outsider", "third"], "{}", organizer.body);
    // An attendee's event page (examples/operations.graphql's EventPage) shows the event and
    // their ticket, and no one else: never an error that nulls the page.
    let page = "query EventPage($id: ID!) { resource(id: $id) { title ... on Event { startsAt capacity seatsLeft
        viewerRegistration { status ticketCode } registrations(first: 20) { edges { node { user { username } } } } } } }";
    let attendee = server
        .gql(page, json!({ "id": open }), Some(&outsider.access))
        .await;
    assert!(attendee.body["errors"].is_null(), "{}", attendee.body);
    let event = &attendee.data()["resource"];
    assert_eq!(
        event["viewerRegistration"]["status"], "REGISTERED",
        "{}",
        attendee.body
    );
    assert_eq!(event["registrations"]["edges"], json!([]));

    // OR8: the owner downloads the door list; a moderator may check in but not export.
    let download = |token: &str, format: &str| {
        let url = format!(
            "{}/exports/events/{}/registrations?format={format}",
            server.url,
            open.as_str().unwrap_or_default()
        );
        server.http.get(url).bearer_auth(token).send()
    };
    let csv = download(&owner.access, "csv").await.expect("csv");
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers()["content-disposition"],
        "attachment; filename=\"registrations-open-run.csv\""
    );
    let text = csv.text().await.expect("text");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Name,Username,Email,Status,Requested at,Checked in at,Ticket code"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with(",outsider,outsider@example.org,registered,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(&code), "{}", lines[1]);
    assert!(
        lines[2].contains(",second@example.org,cancelled,"),
        "{}",
        lines[2]
    );
    let xlsx = download(&owner.access, "xlsx").await.expect("xlsx");
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.expect("bytes").starts_with(b"PK"));
    let forbidden = download(&steward.access, "csv").await.expect("refused");
    assert_eq!(forbidden.status(), 403);
    let anonymous = server
        .http
        .get(format!(
            "{}/exports/events/{}/registrations",
            server.url,
            open.as_str().unwrap_or_default()
        ))
        .send()
        .await
        .expect("refused");
    assert_eq!(anonymous.status(), 401);

    // My tickets.
    let mine = server
        .gql(
            "{ myRegistrations(first: 5) { edges { node { status event { title } } } } }",
            json!({}),
            Some(&third.access),
        )
        .await;
    assert_eq!(
        mine.data()["myRegistrations"]["edges"][0]["node"],
        json!({ "status": "REGISTERED", "event": { "title": "Open run" } }),
        "{}",
        mine.body
    );
}

#[tokio::test]
async fn birqadam_photo_report_goes_through_moderation() {
    let server = TestServer::start().await;
    let owner = server.register("coordinator@example.org", "coordinator").await;
    let org = organization(&server, &owner, "BirQadam", "birqadam", "Park cleanup", true).await;
    let volunteer = invited(&server, &owner, &org, "MEMBER", false, "volunteer").await;
    let reviewer = invited(&server, &owner, &org, "MODERATOR", false, "reviewer").await;
    let seat = server
        .gql(
            "mutation($input: AddDepartmentMemberInput!) { addDepartmentMember(input: $input) { preset } }",
            json!({ "input": { "departmentId": org.team, "userId": volunteer.user_id, "preset": "CREATOR" } }),
            Some(&owner.access),
        )
        .await;
    assert!(seat.body["errors"].is_null(), "{}", seat.body);

    let photo = created(
        &server,
        &volunteer,
        json!({ "ownerId": org.team, "title": "Park after the cleanup",
                "kind": { "photo": { "url": "https://cdn.example.org/park.jpg", "caption": "42 bags" } } }),
    )
    .await;
    let direct = server
        .gql(PUBLISH, json!({ "id": photo }), Some(&volunteer.access))
        .await;
    assert_eq!(direct.code(), Some("FORBIDDEN"), "{}", direct.body);
    let submit = server
        .gql(
            "mutation($id: ID!) { submitResource(id: $id) { review status } }",
            json!({ "id": photo }),
            Some(&volunteer.access),
        )
        .await;
    assert_eq!(
        submit.data()["submitResource"],
        json!({ "review": "SUBMITTED", "status": "DRAFT" }),
        "{}",
        submit.body
    );
    let queue = "query($org: ID!) { reviewQueue(organizationId: $org) { edges { node { title ... on Photo { caption } } } } }";
    let waiting = server
        .gql(queue, json!({ "org": org.id }), Some(&reviewer.access))
        .await;
    assert_eq!(
        waiting.data()["reviewQueue"]["edges"][0]["node"],
        json!({ "title": "Park after the cleanup", "caption": "42 bags" }),
        "{}",
        waiting.body
    );
    let reject = server
        .gql(
            "mutation($id: ID!) { rejectResource(input: { id: $id, reason: \"blur the faces\" }) { review reviewReason status } }",
            json!({ "id": photo }),
            Some(&reviewer.access),
        )
        .await;
    assert_eq!(
        reject.data()["rejectResource"],
        json!({ "review": "REJECTED", "reviewReason": "blur the faces", "status": "DRAFT" }),
        "{}",
        reject.body
    );
    server
        .gql(
            "mutation($id: ID!) { submitResource(id: $id) { review } }",
            json!({ "id": photo }),
            Some(&volunteer.access),
        )
        .await;
    let approve = server
        .gql(
            "mutation($id: ID!) { approveResource(id: $id) { review status } }",
            json!({ "id": photo }),
            Some(&reviewer.access),
        )
        .await;
    assert_eq!(
        approve.data()["approveResource"],
        json!({ "review": "APPROVED", "status": "PUBLISHED" }),
        "{}",
        approve.body
    );
    let public = server
        .gql(
            "query($id: ID!) { resource(id: $id) { __typename ... on Photo { url } } }",
            json!({ "id": photo }),
            None,
        )
        .await;
    assert_eq!(
        public.data()["resource"],
        json!({ "__typename": "Photo", "url": "https://cdn.example.org/park.jpg" })
    );
}

#[tokio::test]
async fn spots_near_a_point_nearest_first() {
    let server = TestServer::start().await;
    let guide = server.register("guide@example.org", "guide").await;
    // Around Almaty's Republic Square (43.2383, 76.9454): about 1 km, 4 km, 9 km and 300 km.
    for (title, latitude, longitude) in [
        ("Far away", 45.9, 76.9454),
        ("Nine km", 43.3192, 76.9454),
        ("One km", 43.2473, 76.9454),
        ("Four km", 43.2383, 76.9947),
    ] {
        published(
            &server,
            &guide,
            json!({ "title": title, "kind": { "spot": { "latitude": latitude, "longitude": longitude, "address": "Almaty" } } }),
        )
        .await;
    }
    let near = server
        .gql(
            "{ resources(orderBy: NEAREST, filter: { near: { latitude: 43.2383, longitude: 76.9454, radiusKm: 10 } }) {
                edges { node { title distanceKm ... on Spot { latitude address } } } } }",
            json!({}),
            None,
        )
        .await;
    let edges = near.data()["resources"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let found: Vec<(&str, f64)> = edges
        .iter()
        .map(|e| {
            (
                e["node"]["title"].as_str().unwrap_or_default(),
                e["node"]["distanceKm"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect();
    assert_eq!(
        found.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        ["One km", "Four km", "Nine km"],
        "{}",
        near.body
    );
    for ((_, got), want) in found.iter().zip([1.0, 4.0, 9.0]) {
        assert!((got - want).abs() < 0.1, "{got} km, expected about {want}");
    }
    let refused = server
        .gql(
            "{ resources(filter: { near: { latitude: 91, longitude: 0, radiusKm: 1 } }) { edges { cursor } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
}

/// Sends `bytes` as a GraphQL multipart request to `uploadMedia`.
async fn upload(
    server: &TestServer,
    token: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> crate::common::Reply {
    upload_keyed(server, token, name, bytes, None).await
}

/// [`upload`] with an idempotency key.
pub(crate) async fn upload_keyed(
    server: &TestServer,
    token: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
    key: Option<&str>,
) -> crate::common::Reply {
    let operations = json!({
        "query": "mutation($file: Upload!, $key: String) { uploadMedia(file: $file, idempotencyKey: $key) { id url contentType sizeBytes width height filename } }",
        "variables": { "file": null, "key": key }
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let mut request = server
        .http
        .post(format!("{}/graphql", server.url))
        .header("accept", "application/graphql-response+json")
        .multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    TestServer::reply(request.send().await.expect("the server answers")).await
}

#[tokio::test]
async fn uploaded_photos_are_checked_and_served_with_cache_headers() {
    use commons_resources::media::sniff::samples::PNG_3X2;
    let server = TestServer::start().await;
    let volunteer = server.register("volunteer@example.org", "volunteer").await;

    let sent = upload(&server, Some(&volunteer.access), "cleanup.jpg", PNG_3X2.to_vec()).await;
    let media = sent.data()["uploadMedia"].clone();
    assert_eq!(media["contentType"], "image/png", "{}", sent.body);
    assert_eq!(
        (media["width"].as_i64(), media["height"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(media["filename"], "cleanup.jpg");

    let photo = published(
        &server,
        &volunteer,
        json!({ "title": "After the cleanup", "kind": { "photo": { "mediaId": media["id"], "caption": "42 bags" } } }),
    )
    .await;
    let read = server
        .gql(
            "query($id: ID!) { resource(id: $id) { ... on Photo { url contentType width height sizeBytes } } }",
            json!({ "id": photo }),
            None,
        )
        .await;
    let shown = &read.data()["resource"];
    assert_eq!(shown["url"], media["url"], "{}", read.body);
    assert_eq!(shown["width"], 3);
    assert_eq!(shown["sizeBytes"], PNG_3X2.len());

    let url = format!("{}{}", server.url, media["url"].as_str().unwrap_or_default());
    let file = server.http.get(&url).send().await.expect("served");
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(
        file.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(file.headers()["x-content-type-options"], "nosniff");
    let etag = file.headers()["etag"].clone();
    assert_eq!(file.bytes().await.expect("bytes").as_ref(), PNG_3X2);
    let again = server
        .http
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("revalidated");
    assert_eq!(again.status(), 304);
    let missing = server
        .http
        .get(format!("{}/media/{}", server.url, uuid::Uuid::now_v7()))
        .send()
        .await
        .expect("answered");
    assert_eq!(missing.status(), 404);
    assert!(
        !file_headers_say_attachment(&server, &url).await,
        "an image shows in the page"
    );

    // A PDF (which may carry JavaScript) downloads, sandboxed, instead of opening inline.
    let pdf = upload(
        &server,
        Some(&volunteer.access),
        "minutes.pdf",
        b"%PDF-1.7\n/JS (app.alert(1))\n%%EOF".to_vec(),
    )
    .await;
    let pdf_url = format!(
        "{}{}",
        server.url,
        pdf.data()["uploadMedia"]["url"].as_str().unwrap_or_default()
    );
    assert!(file_headers_say_attachment(&server, &pdf_url).await);

    let script = upload(
        &server,
        Some(&volunteer.access),
        "x.png",
        b"<svg onload=alert(1)/>".to_vec(),
    )
    .await;
    assert_eq!(script.code(), Some("BAD_USER_INPUT"), "{}", script.body);
    let mut huge = PNG_3X2.to_vec();
    huge.resize(crate::common::MAX_UPLOAD + 1, 0);
    let too_big = upload(&server, Some(&volunteer.access), "big.png", huge).await;
    assert_eq!(too_big.code(), Some("PAYLOAD_TOO_LARGE"), "{}", too_big.body);
    let anonymous = upload(&server, None, "a.png", PNG_3X2.to_vec()).await;
    assert_eq!(anonymous.code(), Some("UNAUTHENTICATED"), "{}", anonymous.body);
}

/// The feed's statements do not grow with the page: tags and kinds' rows, creators, owners
/// and the viewer's registrations each load in one batch.
#[tokio::test]
async fn the_feed_costs_the_same_for_5_and_50() {
    // The default batch window, which must gather each level into one batch on a slow debug
    // build too.
    let server = TestServer::with_config(commons_gateway::GatewayConfig {
        auth_attempts_per_minute: 0,
        ..commons_gateway::GatewayConfig::default()
    })
    .await;
    let viewer = server.register("viewer@example.org", "viewer").await;
    let mut authors = Vec::new();
    for i in 0..5 {
        authors.push(
            server
                .register(&format!("author{i}@example.org"), &format!("author{i}"))
                .await,
        );
    }
    for n in 0..51 {
        let kind = match n % 3 {
            0 => json!({ "blogpost": { "body": "text" } }),
            1 => event(Some(10)),
            _ => json!({ "spot": { "latitude": 43.2, "longitude": 76.9, "address": "Almaty" } }),
        };
        let title = format!("Resource {n}");
        published(
            &server,
            &authors[n % authors.len()],
            json!({ "title": title, "tags": ["a", "b"], "kind": kind }),
        )
        .await;
    }
    let query = "query($n: Int) { resources(first: $n) { edges { node { __typename title tags
        creator { username } owner { __typename ... on User { username } }
        commentCount reactions { total viewerReactions counts { kind count } }
        ... on Blogpost { body } ... on Spot { address } ... on Event { seatsLeft viewerRegistration { status } } } } } }";
    let (five, cost_of_5) = server
        .counted(query, json!({ "n": 5 }), Some(&viewer.access))
        .await;
    let (fifty, cost_of_50) = server
        .counted(query, json!({ "n": 50 }), Some(&viewer.access))
        .await;
    assert_eq!(
        five.data()["resources"]["edges"].as_array().map(Vec::len),
        Some(5)
    );
    let edges = fifty.data()["resources"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 50, "{}", fifty.body);
    assert!(edges.iter().all(|e| e["node"]["creator"]["username"].is_string()));
    eprintln!("SQL statements: {cost_of_5} for 5 resources, {cost_of_50} for 50");
    assert_eq!(cost_of_5, cost_of_50, "the statements do not grow with the page");

    // Anonymous, the same page costs four statements (issue 16): the page; its details (the
    // tags and the rows of the three kinds here, in one); the people (creators and owners in
    // one batch: owners who are people need no read of their kind); the reaction counts.
    let anonymous = "{ resources(first: 50) { edges { node { title tags creator { username }
        owner { __typename ... on User { username } } reactions { total counts { kind count } }
        ... on Blogpost { body } ... on Spot { address } ... on Event { seatsLeft } } } } }";
    let (page, cost) = server.counted(anonymous, json!({}), None).await;
    let owners = page.data()["resources"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(owners.len(), 50, "{}", page.body);
    assert!(owners.iter().all(|e| e["node"]["owner"]["__typename"] == "User"));
    assert_eq!(cost, 4, "statements for an anonymous page");
}

/// Whether the file at `url` is served to download, sandboxed, rather than shown inline.
async fn file_headers_say_attachment(server: &TestServer, url: &str) -> bool {
    let file = server.http.get(url).send().await.expect("served");
    let headers = file.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap_or_default()
            .contains("sandbox")
    );
    headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("attachment"))
}
