//! The BirQadam flow over HTTP (GV1, GV2): an organizer approved by an admin starts an
//! initiative with two tasks and a join code; two volunteers join by the code, claim, and
//! report with photos; one report is approved with a 5, the other rejected with a reason and
//! sent again; they talk in the initiative's chat; a poll among the participants decides the
//! next date. Each step tells the
//! right person.

use serde_json::{Value, json};

use crate::common::{Session, TestServer};
use crate::events::upload_keyed;

const CLAIM: &str =
    "mutation($t: ID!) { claimTask(taskId: $t) { status placesLeft assignees { username } } }";
const REPORT: &str = "mutation($t: ID!, $photos: [ID!]!, $body: String!) {
    submitTaskReport(input: { taskId: $t, body: $body, photoIds: $photos }) { id status photoUrls } }";
const REVIEW: &str = "mutation($r: ID!, $approve: Boolean!, $rating: Int, $reason: String) {
    reviewTaskReport(input: { reportId: $r, approve: $approve, rating: $rating, reason: $reason }) { status rating reason } }";

async fn gql_ok(server: &TestServer, query: &str, variables: Value, who: &Session) -> Value {
    let reply = server.gql(query, variables, Some(&who.access)).await;
    assert!(reply.body["errors"].is_null(), "{}", reply.body);
    reply.body["data"].clone()
}

async fn photo(server: &TestServer, who: &Session, name: &str) -> Value {
    use commons_resources::media::sniff::samples::PNG_3X2;
    let uploaded = upload_keyed(server, Some(&who.access), name, PNG_3X2.to_vec(), None).await;
    uploaded.data()["uploadMedia"]["id"].clone()
}

/// Whether `who` is told something containing `needle` (notifications are made after the
/// events commit: wait up to five seconds).
async fn told(server: &TestServer, who: &Session, needle: &str) -> bool {
    for _ in 0..50 {
        let reply = server
            .gql(
                "query { notifications(first: 50) { edges { node { summary } } } }",
                json!({}),
                Some(&who.access),
            )
            .await;
        let edges = reply.body["data"]["notifications"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if edges
            .iter()
            .any(|e| e["node"]["summary"].as_str().is_some_and(|s| s.contains(needle)))
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn an_organizer_runs_an_initiative_with_volunteers_who_join_by_code() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let olga = server
        .register_as("olga@example.org", "olga", Some("organizer"))
        .await;
    let create = "mutation { createInitiative(input: { title: \"Clean the Esentai riverbank\",
        category: \"environment\", place: \"Esentai river\", goalMinor: 20000000, currency: \"KZT\" }) {
        id initiativeStatus } }";
    let early = server.gql(create, json!({}), Some(&olga.access)).await;
    assert_eq!(
        early.code(),
        Some("FORBIDDEN"),
        "not approved yet: {}",
        early.body
    );
    gql_ok(
        &server,
        "mutation($u: ID!) { approveUser(input: { userId: $u }) { status } }",
        json!({ "u": olga.user_id }),
        &admin,
    )
    .await;
    let made = gql_ok(&server, create, json!({}), &olga).await;
    assert_eq!(made["createInitiative"]["initiativeStatus"], "DRAFT");
    let initiative = made["createInitiative"]["id"].clone();
    gql_ok(
        &server,
        "mutation($id: ID!) { publishResource(id: $id) { status } }",
        json!({ "id": initiative }),
        &olga,
    )
    .await;
    let opened = gql_ok(
        &server,
        "mutation($id: ID!) { moveInitiative(initiativeId: $id, to: OPEN) {
            ... on Initiative { initiativeStatus joinCode category goalMinor currency } } }",
        json!({ "id": initiative }),
        &olga,
    )
    .await;
    let opened = &opened["moveInitiative"];
    assert_eq!(opened["initiativeStatus"], "OPEN");
    assert_eq!(
        (opened["goalMinor"].clone(), opened["currency"].clone()),
        (json!(20_000_000), json!("KZT"))
    );
    let code = opened["joinCode"]
        .as_str()
        .expect("the organizer sees the code")
        .to_owned();
    let mut tasks = Vec::new();
    for (title, places) in [("Collect litter along 1 km", 2), ("Sort what was collected", 1)] {
        let task = gql_ok(
            &server,
            "mutation($i: ID!, $title: String!, $places: Int!) {
                createTask(input: { initiativeId: $i, title: $title, maxAssignees: $places }) { id status placesLeft } }",
            json!({ "i": initiative, "title": title, "places": places }),
            &olga,
        )
        .await;
        tasks.push(task["createTask"]["id"].clone());
    }

    let aida = server.register("aida@example.org", "aida").await;
    let timur = server.register("timur@example.org", "timur").await;
    for volunteer in [&aida, &timur] {
        let joined = gql_ok(
            &server,
            "mutation($c: String!) { joinInitiative(code: $c) { ... on Initiative { participantCount viewerJoined joinCode } } }",
            json!({ "c": code.to_lowercase() }),
            volunteer,
        )
        .await;
        assert_eq!(joined["joinInitiative"]["viewerJoined"], true);
        assert_eq!(
            joined["joinInitiative"]["joinCode"],
            Value::Null,
            "only organizers see the code"
        );
    }
    // The organizer opens the initiative's chat: both volunteers are in it; aida writes.
    let chat = gql_ok(
        &server,
        "mutation($i: ID!) { openInitiativeChat(initiativeId: $i) { id title participants { user { username } } } }",
        json!({ "i": initiative }),
        &olga,
    )
    .await;
    let chat = &chat["openInitiativeChat"];
    assert_eq!(chat["title"], "Clean the Esentai riverbank");
    let mut in_chat: Vec<&str> = chat["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["user"]["username"].as_str())
        .collect();
    in_chat.sort();
    assert_eq!(in_chat, ["aida", "olga", "timur"]);
    gql_ok(
        &server,
        "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"Gloves are by the gate\" }) { id } }",
        json!({ "c": chat["id"] }),
        &aida,
    )
    .await;
    // Its people are who joined: nobody is added to it any other way.
    let stranger = server.register("stranger@example.org", "stranger").await;
    let added = server
        .gql(
            "mutation($c: ID!, $u: ID!) { addParticipants(conversationId: $c, userIds: [$u]) { id } }",
            json!({ "c": chat["id"], "u": stranger.user_id }),
            Some(&aida.access),
        )
        .await;
    assert_eq!(added.code(), Some("CONFLICT"), "{}", added.body);
    let seen = gql_ok(
        &server,
        "query($i: ID!) { node(id: $i) { ... on Initiative { chat { messages(first: 5) { edges { node { body author { username } } } } } } } }",
        json!({ "i": initiative }),
        &timur,
    )
    .await;
    assert_eq!(
        seen["node"]["chat"]["messages"]["edges"][0]["node"],
        json!({ "body": "Gloves are by the gate", "author": { "username": "aida" } })
    );

    let claimed = gql_ok(&server, CLAIM, json!({ "t": tasks[0] }), &aida).await;
    assert_eq!(claimed["claimTask"]["status"], "IN_PROGRESS");
    gql_ok(&server, CLAIM, json!({ "t": tasks[1] }), &timur).await;
    let full = server
        .gql(CLAIM, json!({ "t": tasks[1] }), Some(&aida.access))
        .await;
    assert_eq!(full.code(), Some("CONFLICT"), "{}", full.body);

    let aidas_photo = photo(&server, &aida, "bank.png").await;
    let timurs_photo = photo(&server, &timur, "sorted.png").await;
    let aidas = gql_ok(
        &server,
        REPORT,
        json!({ "t": tasks[0], "photos": [aidas_photo], "body": "12 bags of litter" }),
        &aida,
    )
    .await;
    assert_eq!(
        aidas["submitTaskReport"]["photoUrls"].as_array().map(Vec::len),
        Some(1)
    );
    let timurs = gql_ok(
        &server,
        REPORT,
        json!({ "t": tasks[1], "photos": [timurs_photo], "body": "Sorted" }),
        &timur,
    )
    .await;
    assert!(
        told(&server, &olga, "waits for your review").await,
        "the organizer hears of the reports"
    );

    let approved = gql_ok(
        &server,
        REVIEW,
        json!({ "r": aidas["submitTaskReport"]["id"], "approve": true, "rating": 5 }),
        &olga,
    )
    .await;
    assert_eq!(
        approved["reviewTaskReport"],
        json!({ "status": "APPROVED", "rating": 5, "reason": null })
    );
    let no_reason = server
        .gql(
            REVIEW,
            json!({ "r": timurs["submitTaskReport"]["id"], "approve": false }),
            Some(&olga.access),
        )
        .await;
    assert_eq!(no_reason.code(), Some("BAD_USER_INPUT"), "{}", no_reason.body);
    gql_ok(
        &server,
        REVIEW,
        json!({ "r": timurs["submitTaskReport"]["id"], "approve": false, "reason": "Glass and plastic are mixed" }),
        &olga,
    )
    .await;
    assert!(
        told(&server, &timur, "rejected: Glass and plastic are mixed").await,
        "timur hears why"
    );
    assert!(
        told(&server, &aida, "approved: 5 of 5").await,
        "aida hears her rating"
    );
    let again = gql_ok(
        &server,
        REPORT,
        json!({ "t": tasks[1], "photos": [timurs_photo], "body": "Sorted again: glass apart" }),
        &timur,
    )
    .await;
    assert_eq!(again["submitTaskReport"]["status"], "SUBMITTED");

    // The approval paid aida 5 × 10 points: on the leaderboard and in her activity log.
    let board = gql_ok(
        &server,
        "query { leaderboard(first: 5) { edges { node { points user { username } } } } myActivity(first: 5) { edges { node { kind points detail } } } }",
        json!({}),
        &aida,
    )
    .await;
    assert_eq!(
        board["leaderboard"]["edges"][0]["node"],
        json!({ "points": 50, "user": { "username": "aida" } })
    );
    assert_eq!(
        board["myActivity"]["edges"],
        json!([{ "node": { "kind": "report_approved", "points": 50, "detail": "Collect litter along 1 km" } }])
    );

    // Sponsors give to the initiative's fund; the initiative shows what it raised.
    gql_ok(
        &server,
        "mutation($i: ID!) { acceptContributions(input: { resourceId: $i, currency: \"KZT\", goalMinor: 20000000 }) { acceptsContributions } }",
        json!({ "i": initiative }),
        &olga,
    )
    .await;
    for (who, amount, key) in [(&timur, 500_000, "t1"), (&aida, 250_000, "a1")] {
        gql_ok(
            &server,
            "mutation($i: ID!, $amount: Int!, $key: String!) { contribute(input: { resourceId: $i, amountMinor: $amount, currency: \"KZT\", idempotencyKey: $key }) { status } }",
            json!({ "i": initiative, "amount": amount, "key": key }),
            who,
        )
        .await;
    }
    let funded = gql_ok(
        &server,
        "query($id: ID!) { node(id: $id) { ... on Initiative { goalMinor fundsRaisedMinor } } }",
        json!({ "id": initiative }),
        &aida,
    )
    .await;
    assert_eq!(
        funded["node"],
        json!({ "goalMinor": 20_000_000, "fundsRaisedMinor": 750_000 })
    );

    // The organizer exports the initiative's report; a participant may not.
    let export = |who: &Session| {
        server
            .http
            .get(format!(
                "{}/exports/initiatives/{}?format=csv",
                server.url,
                initiative.as_str().expect("an id")
            ))
            .bearer_auth(&who.access)
            .send()
    };
    let csv = export(&olga).await.expect("answer");
    assert_eq!(csv.status().as_u16(), 200);
    let text = csv.text().await.expect("text");
    for expected in [
        "Participant,aida",
        "Task,Collect litter along 1 km,approved,aida",
        "Approved report,Collect litter along 1 km,5 of 5,aida",
        "Funds raised,7500.00 KZT",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert_eq!(export(&aida).await.expect("answer").status().as_u16(), 403);

    // Anyone sees the initiative's tasks and its approved reports.
    let page = gql_ok(
        &server,
        "query($id: ID!) { node(id: $id) { ... on Initiative { participantCount
            tasks { title status placesLeft assignees { username } reports { status rating author { username } } } } } }",
        json!({ "id": initiative }),
        &aida,
    )
    .await;
    assert_eq!(page["node"]["participantCount"], 2);
    assert_eq!(
        page["node"]["tasks"][0],
        json!({ "title": "Collect litter along 1 km", "status": "APPROVED", "placesLeft": 1,
            "assignees": [{ "username": "aida" }],
            "reports": [{ "status": "APPROVED", "rating": 5, "author": { "username": "aida" } }] })
    );
    assert_eq!(page["node"]["tasks"][1]["status"], "SUBMITTED");
    assert_eq!(
        page["node"]["tasks"][1]["reports"],
        json!([]),
        "timur's reports wait for review: aida does not see them"
    );

    // A poll among the participants decides the next date; its counts wait for the close.
    let closes_at = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let made = gql_ok(
        &server,
        "mutation($i: ID!, $closes: DateTime!) { createPoll(input: { initiativeId: $i,
            question: \"When do we meet next?\", kind: SINGLE, eligibility: PARTICIPANTS,
            options: [\"Saturday 12 December\", \"Sunday 13 December\"], closesAt: $closes,
            resultsHiddenUntilClose: true }) { id status options { id label } } }",
        json!({ "i": initiative, "closes": closes_at }),
        &olga,
    )
    .await;
    let poll = made["createPoll"]["id"].clone();
    assert_eq!(made["createPoll"]["status"], "OPEN");
    let saturday = made["createPoll"]["options"][0]["id"].clone();
    const CAST: &str = "mutation($p: ID!, $o: ID!) { castBallot(input: { pollId: $p, optionIds: [$o] }) {
        choices { label } poll { viewerMayVote results { ballots } viewerBallot { choices { label } } } } }";
    for volunteer in [&aida, &timur] {
        let cast = gql_ok(&server, CAST, json!({ "p": poll, "o": saturday }), volunteer).await;
        assert_eq!(
            cast["castBallot"],
            json!({ "choices": [{ "label": "Saturday 12 December" }], "poll": { "viewerMayVote": true,
                "results": null, "viewerBallot": { "choices": [{ "label": "Saturday 12 December" }] } } })
        );
    }
    // Her ballot and the option are nodes for her; a secret ballot is nobody else's to see.
    let mine = gql_ok(
        &server,
        "query($p: ID!) { poll(id: $p) { viewerBallot { id } } }",
        json!({ "p": poll }),
        &aida,
    )
    .await;
    let ballot = mine["poll"]["viewerBallot"]["id"].clone();
    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }";
    let found = gql_ok(&server, nodes, json!({ "ids": [ballot, saturday] }), &aida).await;
    assert_eq!(
        found["nodes"],
        json!([{ "__typename": "Ballot" }, { "__typename": "PollOption" }])
    );
    let found = gql_ok(&server, nodes, json!({ "ids": [ballot, saturday] }), &olga).await;
    assert_eq!(found["nodes"], json!([null, { "__typename": "PollOption" }]));
    let outsider = server.register("outsider@example.org", "outsider").await;
    let refused = server
        .gql(CAST, json!({ "p": poll, "o": saturday }), Some(&outsider.access))
        .await;
    assert_eq!(refused.code(), Some("FORBIDDEN"), "{}", refused.body);
    let closed = gql_ok(
        &server,
        "mutation($p: ID!) { closePoll(pollId: $p) { status results { ballots
            options { option { label } votes } outcome { result winner { label } } } } }",
        json!({ "p": poll }),
        &olga,
    )
    .await;
    assert_eq!(
        closed["closePoll"],
        json!({ "status": "CLOSED", "results": { "ballots": 2,
            "options": [{ "option": { "label": "Saturday 12 December" }, "votes": 2 },
                        { "option": { "label": "Sunday 13 December" }, "votes": 0 }],
            "outcome": { "result": "DECIDED", "winner": { "label": "Saturday 12 December" } } } })
    );
    assert!(told(&server, &aida, "“Saturday 12 December” won").await);
    // Her notifications lead to what they are about: the poll, her reviewed report.
    let inbox = gql_ok(
        &server,
        "query { notifications(first: 50) { edges { node { topic subjectId } } } }",
        json!({}),
        &aida,
    )
    .await;
    let about = |topic: &str| {
        inbox["notifications"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["node"])
            .find(|n| n["topic"] == topic)
            .cloned()
            .unwrap_or_else(|| panic!("a {topic} notification in {inbox}"))
    };
    let closed_note = about("poll.closed");
    assert_eq!(closed_note["subjectId"], poll);
    let subjects = gql_ok(
        &server,
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename
            ... on Poll { question } ... on TaskReport { status rating } } }",
        json!({ "ids": [closed_note["subjectId"], about("task.report_reviewed")["subjectId"]] }),
        &aida,
    )
    .await;
    assert_eq!(
        subjects["nodes"],
        json!([{ "__typename": "Poll", "question": "When do we meet next?" },
               { "__typename": "TaskReport", "status": "APPROVED", "rating": 5 }])
    );
    let late = server
        .gql(CAST, json!({ "p": poll, "o": saturday }), Some(&aida.access))
        .await;
    assert_eq!(late.code(), Some("CONFLICT"), "{}", late.body);
}
