//! GV3: polls. One ballot per voter however many casts arrive at once, eligibility, opening
//! and closing by the clock, quorum and threshold, the outcome recorded once, hidden results
//! and secret ballots.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use commons_core::{Actor, CodedError, ErrorCode, ManualClock, PageRequest};
use commons_governance::entity::{poll, poll_option};
use commons_governance::outcome::decide;
use commons_governance::{CreatePoll, Eligibility, Outcome, PollKind, PollsOf};
use commons_orgs::{Preset, Role};
use futures::future::join_all;
use uuid::Uuid;

use crate::Field;

fn ask(
    on: Uuid,
    kind: PollKind,
    eligibility: Eligibility,
    closes_in: Duration,
    now: chrono::DateTime<Utc>,
) -> CreatePoll {
    CreatePoll {
        initiative_id: Some(on),
        organization_id: None,
        department_id: None,
        question: "When do we plant next?".into(),
        description: None,
        kind,
        options: match kind {
            PollKind::YesNo => Vec::new(),
            _ => vec!["Saturday".into(), "Sunday".into(), "Next month".into()],
        },
        eligibility,
        opens_at: None,
        closes_at: now + closes_in,
        quorum: None,
        threshold_percent: None,
        changeable: false,
        results_hidden: false,
        public_ballots: false,
    }
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
        .single()
        .expect("a time")
}

/// A field on a manual clock, with an open initiative.
async fn field() -> (Field, Arc<ManualClock>, Uuid) {
    let clock = Arc::new(ManualClock::new(start()));
    let field = Field::on_clock(clock.clone()).await;
    let initiative = field.initiative("Tree planting", None).await;
    (field, clock, initiative.resource_id)
}

async fn poll(field: &Field, input: CreatePoll) -> (poll::Model, Vec<poll_option::Model>) {
    field
        .governance
        .create_poll(&field.world.db.conn, &field.organizer, input)
        .await
        .expect("create the poll")
}

async fn joined(field: &Field, initiative: Uuid, people: &[Actor]) {
    let conn = &field.world.db.conn;
    let code = field
        .governance
        .join_codes(conn, &field.organizer, &[initiative])
        .await
        .expect("the code")
        .remove(&initiative)
        .expect("the organizer sees the code");
    for person in people {
        field
            .governance
            .join_initiative(conn, person, &code)
            .await
            .expect("join");
    }
}

#[tokio::test]
async fn two_hundred_casts_from_a_hundred_voters_are_a_hundred_ballots() {
    let (field, _clock, initiative) = field().await;
    let field = Arc::new(field);
    let voters = field.world.people("voter", 100).await;
    joined(&field, initiative, &voters).await;
    let (made, options) = poll(
        &field,
        ask(
            initiative,
            PollKind::Single,
            Eligibility::Participants,
            Duration::days(3),
            start(),
        ),
    )
    .await;
    let (saturday, sunday) = (options[0].id, options[1].id);

    // Each voter sends two different ballots at once: one is cast, the other refused.
    let casts = voters.iter().flat_map(|voter| {
        [saturday, sunday].map(|choice| {
            let (field, voter) = (field.clone(), voter.clone());
            tokio::spawn(async move {
                field
                    .governance
                    .cast_ballot(&field.world.db.conn, &voter, made.id, &[choice])
                    .await
            })
        })
    });
    let outcomes: Vec<_> = join_all(casts)
        .await
        .into_iter()
        .map(|joined| joined.expect("the cast ran"))
        .collect();
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 100);
    for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}");
    }
    let conn = &field.world.db.conn;
    let results = field
        .governance
        .poll_results(conn, &field.organizer, &[made.id])
        .await
        .expect("results")
        .remove(&made.id)
        .expect("shown");
    assert_eq!(results.ballots, 100);
    let votes: i64 = results.votes.iter().map(|(_, n)| n).sum();
    assert_eq!(votes, 100, "one choice per ballot");
    for voter in &voters[..3] {
        let mine = field
            .governance
            .my_ballots(conn, voter, &[made.id])
            .await
            .expect("my ballot");
        assert_eq!(mine[&made.id].choices.len(), 1);
    }

    // Someone who did not join is not a participant.
    let stranger = field.world.person("stranger").await;
    let refused = field
        .governance
        .cast_ballot(conn, &stranger, made.id, &[saturday])
        .await
        .expect_err("not eligible");
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    assert!(refused.to_string().contains("participants"), "{refused}");
}

#[tokio::test]
async fn a_poll_opens_and_closes_by_the_clock_and_records_its_outcome_once() {
    let (field, clock, initiative) = field().await;
    let conn = &field.world.db.conn;
    let voters = field.world.people("ballot", 3).await;
    let mut input = ask(
        initiative,
        PollKind::Single,
        Eligibility::SignedIn,
        Duration::days(2),
        start(),
    );
    input.opens_at = Some(start() + Duration::days(1));
    let (made, options) = poll(&field, input).await;

    let early = field
        .governance
        .cast_ballot(conn, &voters[0], made.id, &[options[0].id])
        .await
        .expect_err("not open yet");
    assert_eq!(early.code(), ErrorCode::Conflict);
    assert!(early.to_string().contains("opens at"), "{early}");

    clock.advance(Duration::days(1));
    for (voter, option) in voters.iter().zip([0, 1, 1]) {
        field
            .governance
            .cast_ballot(conn, voter, made.id, &[options[option].id])
            .await
            .expect("cast while open");
    }
    clock.advance(Duration::days(1));
    let late = field
        .governance
        .cast_ballot(conn, &field.world.person("late").await, made.id, &[options[0].id])
        .await
        .expect_err("closed");
    assert_eq!(late.code(), ErrorCode::Conflict);

    // Before the sweep the outcome is already known; the sweep writes it, once.
    let before = field
        .governance
        .poll_results(conn, &voters[0], &[made.id])
        .await
        .expect("results")
        .remove(&made.id)
        .expect("shown");
    let (decision, recorded) = before.decision.expect("closed");
    assert_eq!(
        (decision.outcome, decision.winner),
        (Outcome::Decided, Some(options[1].id))
    );
    assert_eq!(recorded, None);
    let sweeps = join_all((0..3).map(|_| field.governance.close_due_polls(conn))).await;
    let closed: u64 = sweeps.into_iter().map(|n| n.expect("sweep")).sum();
    assert_eq!(closed, 1, "three sweeps at once record it once");
    assert_eq!(field.governance.close_due_polls(conn).await.expect("sweep"), 0);
    let after = field
        .governance
        .poll_results(conn, &voters[0], &[made.id])
        .await
        .expect("results")
        .remove(&made.id)
        .expect("shown");
    let (decision, recorded) = after.decision.expect("closed");
    assert_eq!(decision.winner, Some(options[1].id));
    assert_eq!(recorded, Some(start() + Duration::days(2)));
    assert_eq!(after.ballots, 3);
}

#[tokio::test]
async fn a_missed_quorum_a_tie_and_a_missed_threshold_decide_nothing() {
    let (field, _clock, initiative) = field().await;
    let conn = &field.world.db.conn;
    let voters = field.world.people("quorum", 2).await;
    let mut input = ask(
        initiative,
        PollKind::YesNo,
        Eligibility::SignedIn,
        Duration::hours(1),
        start(),
    );
    input.quorum = Some(3);
    let (made, options) = poll(&field, input).await;
    for voter in &voters {
        field
            .governance
            .cast_ballot(conn, voter, made.id, &[options[0].id])
            .await
            .expect("vote yes");
    }
    let closed = field
        .governance
        .close_poll(conn, &field.organizer, made.id)
        .await
        .expect("close early");
    assert_eq!(closed.outcome, Some(Outcome::NoQuorum));
    assert_eq!(closed.ballot_total, Some(2));
    let again = field
        .governance
        .close_poll(conn, &field.organizer, made.id)
        .await
        .expect_err("closed once");
    assert_eq!(again.code(), ErrorCode::Conflict);
    let voter_closes = field
        .governance
        .close_poll(conn, &voters[0], made.id)
        .await
        .expect_err("not theirs");
    assert_eq!(voter_closes.code(), ErrorCode::Forbidden);

    // The rules themselves, on counts: yes 3, no 3, abstain 4.
    let yes_no = |quorum, threshold| poll::Model {
        quorum,
        threshold_percent: threshold,
        ..closed.clone()
    };
    let votes = |yes: i64, no: i64, abstain: i64| -> HashMap<Uuid, i64> {
        [
            (options[0].id, yes),
            (options[1].id, no),
            (options[2].id, abstain),
        ]
        .into()
    };
    let tied = decide(&yes_no(None, None), &options, 10, &votes(3, 3, 4));
    assert_eq!(tied.outcome, Outcome::Tied);
    // Abstentions count for the quorum, not the threshold: 4 of 6 is 66.7%.
    let two_thirds = decide(&yes_no(Some(10), Some(67)), &options, 10, &votes(4, 2, 4));
    assert_eq!(two_thirds.outcome, Outcome::ThresholdMissed);
    let passed = decide(&yes_no(Some(10), Some(66)), &options, 10, &votes(4, 2, 4));
    assert_eq!(
        (passed.outcome, passed.winner),
        (Outcome::Decided, Some(options[0].id))
    );
    let abstained = decide(&yes_no(None, None), &options, 4, &votes(0, 0, 4));
    assert_eq!(abstained.outcome, Outcome::NoVotes);
}

#[tokio::test]
async fn hidden_results_wait_for_the_close_and_ballots_are_secret_unless_public() {
    let (field, clock, initiative) = field().await;
    let conn = &field.world.db.conn;
    let voters = field.world.people("secret", 2).await;
    let mut secret = ask(
        initiative,
        PollKind::Approval,
        Eligibility::SignedIn,
        Duration::days(1),
        start(),
    );
    secret.results_hidden = true;
    let (hidden, options) = poll(&field, secret).await;
    let mut open = ask(
        initiative,
        PollKind::Single,
        Eligibility::SignedIn,
        Duration::days(1),
        start(),
    );
    open.public_ballots = true;
    let (public, public_options) = poll(&field, open).await;
    for voter in &voters {
        field
            .governance
            .cast_ballot(conn, voter, hidden.id, &[options[0].id, options[2].id])
            .await
            .expect("approve two");
        field
            .governance
            .cast_ballot(conn, voter, public.id, &[public_options[1].id])
            .await
            .expect("cast");
    }

    let shown = field
        .governance
        .poll_results(conn, &field.organizer, &[hidden.id, public.id])
        .await
        .expect("results");
    assert!(
        !shown.contains_key(&hidden.id),
        "hidden until it closes, organizers too"
    );
    assert_eq!(shown[&public.id].ballots, 2);
    let mine = field
        .governance
        .my_ballots(conn, &voters[0], &[hidden.id])
        .await
        .expect("my ballot");
    assert_eq!(mine[&hidden.id].choices.len(), 2, "a voter sees their own ballot");
    let page = PageRequest::new(Some(10), None).expect("a page");
    let secret_ballots = field
        .governance
        .public_ballots(conn, &field.organizer, hidden.id, &page)
        .await
        .expect_err("secret");
    assert_eq!(secret_ballots.code(), ErrorCode::Forbidden);
    let listed = field
        .governance
        .public_ballots(conn, &voters[1], public.id, &page)
        .await
        .expect("a public poll's ballots");
    assert_eq!(listed.edges.len(), 2);

    clock.advance(Duration::days(1));
    let shown = field
        .governance
        .poll_results(conn, &field.organizer, &[hidden.id])
        .await
        .expect("results");
    let counts: Vec<i64> = shown[&hidden.id].votes.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, vec![2, 0, 2]);
    assert_eq!(
        shown[&hidden.id].decision.map(|(d, _)| d.outcome),
        Some(Outcome::Tied)
    );
}

#[tokio::test]
async fn a_changeable_ballot_changes_and_a_fixed_one_is_refused_unless_repeated() {
    let (field, _clock, initiative) = field().await;
    let conn = &field.world.db.conn;
    let voter = field.world.person("chooser").await;
    let mut input = ask(
        initiative,
        PollKind::Single,
        Eligibility::SignedIn,
        Duration::days(1),
        start(),
    );
    input.changeable = true;
    let (changeable, options) = poll(&field, input).await;
    let (fixed, fixed_options) = poll(
        &field,
        ask(
            initiative,
            PollKind::Single,
            Eligibility::SignedIn,
            Duration::days(1),
            start(),
        ),
    )
    .await;

    let cast = |poll: Uuid, option: Uuid| {
        let (governance, voter) = (&field.governance, &voter);
        async move { governance.cast_ballot(conn, voter, poll, &[option]).await }
    };
    let first = cast(changeable.id, options[0].id).await.expect("cast");
    let second = cast(changeable.id, options[1].id).await.expect("change");
    assert_eq!(first.ballot.id, second.ballot.id, "the same ballot, changed");
    let results = field
        .governance
        .poll_results(conn, &voter, &[changeable.id])
        .await
        .expect("results");
    let counts: Vec<i64> = results[&changeable.id].votes.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, vec![0, 1, 0]);

    cast(fixed.id, fixed_options[0].id).await.expect("cast");
    let retried = cast(fixed.id, fixed_options[0].id)
        .await
        .expect("a retry finds it");
    assert_eq!(retried.choices, vec![fixed_options[0].id]);
    let changed = cast(fixed.id, fixed_options[1].id).await.expect_err("fixed");
    assert_eq!(changed.code(), ErrorCode::Conflict);

    let two = field
        .governance
        .cast_ballot(conn, &voter, changeable.id, &[options[0].id, options[1].id])
        .await
        .expect_err("one option");
    assert_eq!(two.code(), ErrorCode::BadUserInput);
    let foreign = cast(changeable.id, fixed_options[0].id)
        .await
        .expect_err("not its option");
    assert_eq!(foreign.code(), ErrorCode::BadUserInput);
}

#[tokio::test]
async fn an_organization_asks_its_members_and_a_department_its_own() {
    let field = Field::open().await;
    let world = &field.world;
    let conn = &world.db.conn;
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "Green Almaty").await;
    let member = world.new_member(&org, "member", Role::Member).await;
    let seated = world.new_member(&org, "seated", Role::Member).await;
    let outsider = world.person("outsider").await;
    let department = world.department(&org, "Parks").await;
    world.seat(&department, &seated, Preset::Creator).await;
    let now = Utc::now();

    let for_members = |eligibility, department_id| CreatePoll {
        initiative_id: None,
        organization_id: Some(org.id),
        department_id,
        ..ask(Uuid::nil(), PollKind::YesNo, eligibility, Duration::days(1), now)
    };
    let refused = field
        .governance
        .create_poll(conn, &member, for_members(Eligibility::Members, None))
        .await
        .expect_err("members do not put polls");
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let (members_poll, options) = field
        .governance
        .create_poll(conn, &owner, for_members(Eligibility::Members, None))
        .await
        .expect("the owner asks the members");
    field
        .governance
        .cast_ballot(conn, &member, members_poll.id, &[options[0].id])
        .await
        .expect("a member votes");
    let hidden = field
        .governance
        .cast_ballot(conn, &outsider, members_poll.id, &[options[0].id])
        .await
        .expect_err("an outsider does not see it");
    assert_eq!(hidden.code(), ErrorCode::NotFound);

    let (department_poll, options) = field
        .governance
        .create_poll(
            conn,
            &owner,
            for_members(Eligibility::Department, Some(department.id)),
        )
        .await
        .expect("the owner asks the department");
    field
        .governance
        .cast_ballot(conn, &seated, department_poll.id, &[options[1].id])
        .await
        .expect("a department member votes");
    let not_seated = field
        .governance
        .cast_ballot(conn, &member, department_poll.id, &[options[1].id])
        .await
        .expect_err("not in the department");
    assert_eq!(not_seated.code(), ErrorCode::Forbidden);

    let page = PageRequest::new(Some(10), None).expect("a page");
    let listed = field
        .governance
        .polls(conn, &member, PollsOf::Organization(org.id), &page)
        .await
        .expect("the organization's polls");
    let ids: Vec<Uuid> = listed.edges.iter().map(|(_, p)| p.id).collect();
    assert_eq!(ids, vec![department_poll.id, members_poll.id], "newest first");
    let outside = field
        .governance
        .polls(conn, &outsider, PollsOf::Organization(org.id), &page)
        .await
        .expect("what an outsider may list");
    assert!(outside.edges.is_empty() && !outside.has_next_page);
    let may: Vec<Uuid> = field
        .governance
        .may_vote(conn, &member, &ids)
        .await
        .expect("may vote");
    assert_eq!(may, vec![members_poll.id]);
}

#[tokio::test]
async fn a_poll_that_makes_no_sense_is_refused_with_the_field_to_fix() {
    let (field, _clock, initiative) = field().await;
    let conn = &field.world.db.conn;
    let base = || {
        ask(
            initiative,
            PollKind::Single,
            Eligibility::SignedIn,
            Duration::days(1),
            start(),
        )
    };
    let cases = [
        (
            CreatePoll {
                kind: PollKind::YesNo,
                ..base()
            },
            "options",
        ),
        (
            CreatePoll {
                options: vec!["Only one".into()],
                ..base()
            },
            "options",
        ),
        (
            CreatePoll {
                options: vec!["Same".into(), "same".into()],
                ..base()
            },
            "options",
        ),
        (
            CreatePoll {
                closes_at: start() - Duration::hours(1),
                ..base()
            },
            "closesAt",
        ),
        (
            // Half a microsecond apart: the same instant once stored.
            CreatePoll {
                opens_at: Some(start() + Duration::hours(1)),
                closes_at: start() + Duration::hours(1) + Duration::nanoseconds(500),
                ..base()
            },
            "closesAt",
        ),
        (
            CreatePoll {
                threshold_percent: Some(101),
                ..base()
            },
            "thresholdPercent",
        ),
        (
            CreatePoll {
                eligibility: Eligibility::Members,
                ..base()
            },
            "eligibility",
        ),
        (
            CreatePoll {
                organization_id: Some(Uuid::nil()),
                ..base()
            },
            "initiativeId",
        ),
    ];
    for (input, field_name) in cases {
        let refused = field
            .governance
            .create_poll(conn, &field.organizer, input)
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), ErrorCode::BadUserInput, "{refused}");
        assert_eq!(refused.field(), Some(field_name), "{refused}");
    }
    let volunteer = field.world.person("volunteer").await;
    let not_organizer = field
        .governance
        .create_poll(conn, &volunteer, base())
        .await
        .expect_err("organizers put polls");
    assert_eq!(not_organizer.code(), ErrorCode::Forbidden);
}
