//! GV1: who creates initiatives, their lifecycle, and joining by code.

use commons_core::{Actor, CodedError, ErrorCode, PageRequest};
use commons_governance::InitiativeStatus;
use commons_resources::service::writing::CreateResource;
use commons_resources::{KindData, Visibility};

use crate::{Field, initiative_kind};

#[tokio::test]
async fn only_approved_organizers_and_organizations_create_initiatives() {
    let field = Field::open().await;
    let conn = &field.world.db.conn;
    let create = |title: &str| CreateResource {
        owner_id: None,
        title: title.into(),
        slug: None,
        summary: None,
        tags: vec![],
        visibility: Visibility::Public,
        kind: initiative_kind(None),
    };
    let volunteer = field.world.person("vera").await;
    let refused = field
        .world
        .resources
        .create_resource(conn, &volunteer, create("Mine"))
        .await
        .expect_err("a volunteer organizes nothing");
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let pending = field.world.person("pete").account_kind("organizer").await;
    let waiting = field
        .world
        .resources
        .create_resource(conn, &pending, create("Not yet"))
        .await
        .expect_err("an organizer waits for approval");
    assert_eq!(waiting.code(), ErrorCode::Forbidden);

    let made = field
        .world
        .resources
        .create_resource(conn, &field.organizer, create("Park cleanup"))
        .await
        .expect("an approved organizer creates one");
    let Some(KindData::Initiative(row)) = made.data else {
        panic!("an initiative's own row");
    };
    assert_eq!(row.status, InitiativeStatus::Draft);
    assert_eq!(
        (row.category.as_str(), row.currency.as_deref()),
        ("environment", Some("KZT"))
    );
    assert_eq!(row.join_code.len(), 10);

    // An organization's people who create resources there may, whatever their account kind.
    let owner = field.world.person("green_owner").await;
    let org = field.world.organization(&owner, "Green").await;
    let mut for_org = create("Tree planting");
    for_org.owner_id = Some(org.id);
    field
        .world
        .resources
        .create_resource(conn, &owner, for_org)
        .await
        .expect("an organization creates one");
}

#[tokio::test]
async fn people_join_by_code_once_and_never_beyond_the_limit() {
    let field = Field::open().await;
    let conn = &field.world.db.conn;
    let initiative = field.initiative("River cleanup", Some(2)).await;
    let [ann, bob, cat] = [
        field.world.person("ann").await,
        field.world.person("bob").await,
        field.world.person("cat").await,
    ];
    let code = initiative.join_code.to_lowercase();
    let joined = field
        .governance
        .join_initiative(conn, &ann, &code)
        .await
        .expect("join by code, in any case");
    assert_eq!(joined.participant_count, 1);
    let again = field
        .governance
        .join_initiative(conn, &ann, &code)
        .await
        .expect("joining twice finds ann in");
    assert_eq!(again.participant_count, 1);
    field
        .governance
        .join_initiative(conn, &bob, &code)
        .await
        .expect("bob joins");
    let full = field
        .governance
        .join_initiative(conn, &cat, &code)
        .await
        .expect_err("two is the limit");
    assert_eq!(full.code(), ErrorCode::Conflict);
    let unknown = field
        .governance
        .join_initiative(conn, &cat, "NOSUCHCODE")
        .await
        .expect_err("no such code");
    assert_eq!(
        (unknown.code(), unknown.field()),
        (ErrorCode::NotFound, Some("code"))
    );

    let page = PageRequest::new(Some(10), None).expect("page");
    let seen = field
        .governance
        .participants(conn, &field.organizer, initiative.resource_id, &page)
        .await
        .expect("the organizer sees who joined");
    assert_eq!(seen.edges.len(), 2);
    let hidden = field
        .governance
        .participants(conn, &cat, initiative.resource_id, &page)
        .await
        .expect_err("an outsider does not");
    assert_eq!(hidden.code(), ErrorCode::Forbidden);

    let left = field
        .governance
        .leave_initiative(conn, &bob, initiative.resource_id)
        .await
        .expect("bob leaves");
    assert_eq!(left.participant_count, 1);
    field
        .governance
        .join_initiative(conn, &cat, &code)
        .await
        .expect("a place is free again");
}

#[tokio::test]
async fn only_organizers_move_an_initiative_and_only_forward() {
    let field = Field::open().await;
    let conn = &field.world.db.conn;
    let draft = field
        .world
        .post(&field.organizer, "Book swap")
        .kind(initiative_kind(None))
        .draft()
        .await;
    let unpublished = field
        .governance
        .move_initiative(conn, &field.organizer, draft, InitiativeStatus::Open)
        .await
        .expect_err("publish first");
    assert_eq!(unpublished.code(), ErrorCode::BadUserInput);
    let initiative = field.initiative("Food drive", None).await;
    let id = initiative.resource_id;
    let ann = field.world.person("ann").await;
    field
        .governance
        .join_initiative(conn, &ann, &initiative.join_code)
        .await
        .expect("join");
    let not_hers = field
        .governance
        .move_initiative(conn, &ann, id, InitiativeStatus::InProgress)
        .await
        .expect_err("a participant does not move it");
    assert_eq!(not_hers.code(), ErrorCode::Forbidden);
    let skipped = field
        .governance
        .move_initiative(conn, &field.organizer, id, InitiativeStatus::Completed)
        .await
        .expect_err("open does not jump to completed");
    assert_eq!(skipped.code(), ErrorCode::Conflict);
    for to in [InitiativeStatus::InProgress, InitiativeStatus::Completed] {
        field
            .governance
            .move_initiative(conn, &field.organizer, id, to)
            .await
            .expect("move on");
    }
    let late = field
        .governance
        .join_initiative(conn, &field.world.person("bob").await, &initiative.join_code)
        .await
        .expect_err("a completed initiative takes nobody");
    assert_eq!(late.code(), ErrorCode::Conflict);
}

#[tokio::test]
async fn an_initiative_chat_holds_who_joined_and_follows_who_joins_and_leaves() {
    let field = Field::open().await;
    let conn = &field.world.db.conn;
    let governance = &field.governance;
    let initiative = field.initiative("River cleanup", None).await;
    let id = initiative.resource_id;
    let ann = field.world.person("ann").await;
    let bob = field.world.person("bob").await;
    governance
        .join_initiative(conn, &ann, &initiative.join_code)
        .await
        .expect("ann joins");

    let refused = governance
        .open_initiative_chat(conn, &ann, id)
        .await
        .expect_err("organizers open it");
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let chat = governance
        .open_initiative_chat(conn, &field.organizer, id)
        .await
        .expect("open the chat");
    assert_eq!(chat.title.as_deref(), Some("River cleanup"));
    let again = governance
        .open_initiative_chat(conn, &field.organizer, id)
        .await
        .expect("open it again");
    assert_eq!(again.id, chat.id, "one chat per initiative");

    let in_chat = |who: Actor| async move {
        governance
            .chats_of(conn, &who, &[id])
            .await
            .expect("chats")
            .get(&id)
            .map(|c| c.id)
    };
    assert_eq!(in_chat(ann.clone()).await, Some(chat.id), "who joined before");
    assert_eq!(in_chat(bob.clone()).await, None, "not joined yet");
    governance
        .join_initiative(conn, &bob, &initiative.join_code)
        .await
        .expect("bob joins");
    assert_eq!(in_chat(bob.clone()).await, Some(chat.id), "who joins after");
    governance
        .leave_initiative(conn, &ann, id)
        .await
        .expect("ann leaves");
    assert_eq!(in_chat(ann.clone()).await, None, "who leaves is out");
    assert_eq!(in_chat(field.organizer.clone()).await, Some(chat.id));
}
