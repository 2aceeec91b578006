//! Ways around the rules that a review found, each closed and kept closed: granting more than
//! one holds, invites outliving their sender's rights, read-only keys writing, inactive
//! accounts acting through bots, and counters drifting under races.

use commons_core::{Actor, CodedError, ErrorCode, PageRequest, tenant};
use commons_identity::service::accounts::Register;
use commons_identity::service::api_keys::{CreateApiKey, CreateBot};
use commons_orgs::entity::department;
use commons_orgs::service::departments::AddDepartmentMember;
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::memberships::ChangeRole;
use commons_orgs::service::organizations::Decision;
use commons_orgs::{BillingStatus, Permission, Plan, Preset, Role};
use commons_testkit::{World, input, user_id};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::support::{enterprise, membership_of, reload};

fn add(department: Uuid, user: &Actor, preset: Preset, permissions: &[&str]) -> AddDepartmentMember {
    AddDepartmentMember {
        department_id: department,
        user_id: user_id(user),
        preset,
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
    }
}

async fn department_count(world: &World, id: Uuid) -> i32 {
    let tx = tenant::read(&world.db.conn, &Actor::System).await.expect("begin");
    department::Entity::find_by_id(id)
        .one(&tx)
        .await
        .expect("query")
        .expect("the department")
        .member_count
}

#[tokio::test]
async fn nobody_grants_department_permissions_they_do_not_hold() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "grants").await;
    enterprise(&world, &org).await;
    let moderator = world.new_member(&org, "moder", Role::Moderator).await;
    let manager = world.new_member(&org, "manager", Role::Member).await;
    let member = world.new_member(&org, "member", Role::Member).await;
    let team = world.department(&org, "Team").await;
    orgs.add_department_member(db, &owner, add(team.id, &manager, Preset::Manager, &[]))
        .await
        .expect("the owner makes a manager");

    // A moderator cannot hand themselves analytics, nor anyone a manager's seat.
    let refused = orgs
        .add_department_member(
            db,
            &moderator,
            add(team.id, &moderator, Preset::Custom, &["export_data"]),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    assert!(refused.to_string().contains("export_data"), "{refused}");
    let refused = orgs
        .add_department_member(db, &moderator, add(team.id, &member, Preset::Manager, &[]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    // A manager adds a creator and an analyst (both within what a manager holds), not a
    // second manager and not billing.
    let creator_seat = orgs
        .add_department_member(db, &manager, add(team.id, &member, Preset::Creator, &[]))
        .await
        .expect("a manager adds a creator");
    let other = world.new_member(&org, "other", Role::Member).await;
    let refused = orgs
        .add_department_member(
            db,
            &manager,
            add(team.id, &other, Preset::Custom, &["manage_billing"]),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let refused = orgs
        .add_department_member(db, &manager, add(team.id, &other, Preset::Manager, &[]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);

    // Managers take creators out, not other managers; people may leave on their own.
    let second_manager = world.new_member(&org, "deputy", Role::Member).await;
    let seat = orgs
        .add_department_member(db, &owner, add(team.id, &second_manager, Preset::Manager, &[]))
        .await
        .expect("a second manager");
    let refused = orgs
        .remove_department_member(db, &manager, seat.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    orgs.remove_department_member(db, &second_manager, seat.id)
        .await
        .expect("leaving on one's own");
    assert_eq!(
        department_count(&world, team.id).await,
        2,
        "the manager and the creator remain"
    );

    // Grants in one organization's department say nothing about another organization: a
    // creator in Team, who is a plain member of another organization, holds nothing there
    // even when asking with Team's id.
    let elsewhere = world.organization(&manager, "elsewhere").await;
    let invite = orgs
        .create_invite(
            db,
            &manager,
            CreateInvite {
                org_id: Some(elsewhere.id),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    orgs.accept_invite(db, &member, &invite.code)
        .await
        .expect("accept");
    let here = orgs
        .permissions(db, &member, org.id, Some(team.id))
        .await
        .expect("permissions");
    assert!(here.contains(&Permission::CreateResources));
    let there = orgs
        .permissions(db, &member, elsewhere.id, Some(team.id))
        .await
        .expect("permissions");
    assert!(
        there.is_empty(),
        "Team's grants leaked into another organization: {there:?}"
    );

    // A manager removes the creator; deleting the department frees its plan slot.
    orgs.remove_department_member(db, &manager, creator_seat.id)
        .await
        .expect("a manager removes a creator");
    let refused = orgs.delete_department(db, &manager, team.id).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    assert_eq!(reload(&world, org.id).await.department_count, 1);
    orgs.delete_department(db, &owner, team.id).await.expect("delete");
    assert_eq!(reload(&world, org.id).await.department_count, 0);
    let gone = orgs
        .department_members(db, &owner, team.id, &PageRequest::new(None, None).expect("page"))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn an_invite_stops_when_its_sender_loses_the_right() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "revoked-rights").await;
    let admin = world.new_member(&org, "deputy", Role::Admin).await;
    let invite = orgs
        .create_invite(
            db,
            &admin,
            CreateInvite {
                org_id: Some(org.id),
                role: Some(Role::Moderator),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    let membership = membership_of(&world, org.id, &admin).await;
    orgs.remove_member(db, &owner, membership.id)
        .await
        .expect("remove the deputy");
    let newcomer = world.person("newcomer").await;
    let refused = orgs.accept_invite(db, &newcomer, &invite.code).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Conflict);
    assert!(refused.to_string().contains("no longer valid"), "{refused}");
    // Nothing was taken: no membership, no use counted.
    let page = PageRequest::new(None, None).expect("page");
    let members = orgs.members(db, &owner, org.id, &page).await.expect("members");
    assert_eq!(members.edges.len(), 1);

    // A blocked sender's invites stop too, plain referrals included; until then a referral
    // reports its use to the person who accepted it.
    let friend = world.person("friend").await;
    let referral = orgs
        .create_invite(db, &friend, CreateInvite::default())
        .await
        .expect("referral");
    let first = world.person("first").await;
    let accepted = orgs
        .accept_invite(db, &first, &referral.code)
        .await
        .expect("accept");
    assert_eq!(accepted.invite.uses, 1);
    let admin = world.person("platformadmin").platform_admin().await;
    orgs.identity()
        .decide(
            db,
            &admin,
            user_id(&friend),
            commons_identity::service::admin::Decision::Block,
            Some("spam"),
        )
        .await
        .expect("block");
    let second = world.person("second").await;
    let refused = orgs.accept_invite(db, &second, &referral.code).await.unwrap_err();
    assert!(refused.to_string().contains("no longer valid"), "{refused}");
}

#[tokio::test]
async fn read_only_keys_and_inactive_accounts_change_nothing() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let owner = world.person("owner").await;
    let admin = world.person("platformadmin").platform_admin().await;
    let org = world.organization(&owner, "keys").await;
    let read_only = |actor: &Actor| Actor::User {
        id: user_id(actor),
        platform_role: match actor {
            Actor::User { platform_role, .. } => *platform_role,
            _ => commons_core::PlatformRole::User,
        },
        scopes: Some(vec!["read".into()]),
        session: None,
    };
    let refused = orgs
        .set_plan(
            db,
            &read_only(&admin),
            org.id,
            Plan::Enterprise,
            BillingStatus::Active,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let refused = orgs
        .decide_organization(db, &read_only(&admin), org.id, Decision::Approve, None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let member = world.new_member(&org, "member", Role::Member).await;
    let refused = orgs.leave(db, &read_only(&member), org.id).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let refused = orgs
        .identity()
        .decide(
            db,
            &read_only(&admin),
            user_id(&member),
            commons_identity::service::admin::Decision::Block,
            Some("x"),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);

    // A pending account makes no bot and no key; a blocked owner's bot stops.
    let pending = world.person("waiting").account_kind("organizer").await;
    let bot = CreateBot {
        username: "waiting_bot".into(),
        display_name: None,
    };
    let refused = orgs
        .identity()
        .create_bot(db, &pending, bot.clone())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let bot_user = orgs
        .identity()
        .create_bot(
            db,
            &member,
            CreateBot {
                username: "member_bot".into(),
                ..bot
            },
        )
        .await
        .expect("bot");
    let key = orgs
        .identity()
        .create_api_key(
            db,
            &member,
            CreateApiKey {
                name: "bot".into(),
                bot_id: Some(bot_user.id),
                ..CreateApiKey::default()
            },
        )
        .await
        .expect("key");
    assert!(
        orgs.identity()
            .authenticate_api_key(db, &key.secret)
            .await
            .is_ok()
    );
    orgs.identity()
        .decide(
            db,
            &admin,
            user_id(&member),
            commons_identity::service::admin::Decision::Block,
            Some("spam"),
        )
        .await
        .expect("block");
    let stopped = orgs
        .identity()
        .authenticate_api_key(db, &key.secret)
        .await
        .unwrap_err();
    assert_eq!(stopped.code(), ErrorCode::Unauthenticated);

    // An account that waits for approval cannot take an invite at sign-up; none is made.
    let invite = orgs
        .create_invite(
            db,
            &owner,
            CreateInvite {
                org_id: Some(org.id),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    let refused = orgs
        .register_with_invite(
            db,
            Register {
                account_kind: Some("organizer".into()),
                ..input::registration("hopeful")
            },
            &invite.code,
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let again = orgs
        .identity()
        .register(db, &Actor::ANONYMOUS, input::registration("hopeful"))
        .await;
    assert!(again.is_ok(), "the refused sign-up left no account behind");
}

#[tokio::test]
async fn counters_hold_through_departments_demotions_and_races() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "counters").await;
    enterprise(&world, &org).await;
    let team = world.department(&org, "Team").await;
    let person = world.person("joiner").await;
    orgs.join_department(db, &person, &team.join_code)
        .await
        .expect("join by code");
    // An invite naming a department the person is already in still works (on PostgreSQL a
    // caught unique violation would have aborted the transaction).
    let invite = orgs
        .create_invite(
            db,
            &owner,
            CreateInvite {
                org_id: Some(org.id),
                role: Some(Role::Moderator),
                department_ids: vec![team.id],
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    orgs.accept_invite(db, &person, &invite.code)
        .await
        .expect("accept");
    assert_eq!(department_count(&world, team.id).await, 1);
    assert_eq!(membership_of(&world, org.id, &person).await.role, Role::Moderator);

    // Demoted to subscriber, they leave the department; leaving the organization then keeps
    // every count right.
    let membership = membership_of(&world, org.id, &person).await;
    orgs.change_member_role(
        db,
        &owner,
        ChangeRole {
            membership_id: membership.id,
            role: Role::Subscriber,
        },
    )
    .await
    .expect("demote");
    assert_eq!(department_count(&world, team.id).await, 0);
    let counts = reload(&world, org.id).await;
    assert_eq!((counts.member_count, counts.subscriber_count), (1, 1));
    orgs.leave(db, &person, org.id).await.expect("leave");
    let counts = reload(&world, org.id).await;
    assert_eq!((counts.member_count, counts.subscriber_count), (1, 0));

    // Two admins remove the same member at once: one succeeds, the count drops once.
    let first = world.new_member(&org, "first", Role::Admin).await;
    let second = world.new_member(&org, "second", Role::Admin).await;
    let target = world.new_member(&org, "target", Role::Member).await;
    let target_membership = membership_of(&world, org.id, &target).await.id;
    let before = reload(&world, org.id).await.member_count;
    let removals: Vec<_> = [first, second]
        .into_iter()
        .map(|admin| {
            let (db, orgs) = (world.db.conn.clone(), world.orgs().clone());
            tokio::spawn(async move { orgs.remove_member(&db, &admin, target_membership).await })
        })
        .collect();
    let mut succeeded = 0;
    for removal in removals {
        match removal.await.expect("the task ran") {
            Ok(()) => succeeded += 1,
            Err(e) => assert!(
                matches!(e.code(), ErrorCode::Conflict | ErrorCode::NotFound),
                "{e:?}"
            ),
        }
    }
    assert_eq!(succeeded, 1);
    assert_eq!(reload(&world, org.id).await.member_count, before - 1);

    // Department seats need a membership, whatever a service might forget: the database
    // refuses a seat for someone outside the organization.
    let outsider = world.person("outsider").await;
    let tx = tenant::write(db, &Actor::System).await.expect("begin");
    let seat = commons_orgs::entity::department_member::ActiveModel {
        id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        department_id: sea_orm::ActiveValue::Set(team.id),
        org_id: sea_orm::ActiveValue::Set(org.id),
        user_id: sea_orm::ActiveValue::Set(user_id(&outsider)),
        preset: sea_orm::ActiveValue::Set(Preset::Creator),
        permissions: sea_orm::ActiveValue::Set(String::new()),
        created_at: sea_orm::ActiveValue::Set(chrono::Utc::now()),
        updated_at: sea_orm::ActiveValue::Set(chrono::Utc::now()),
    };
    assert!(sea_orm::ActiveModelTrait::insert(seat, &tx).await.is_err());
}
