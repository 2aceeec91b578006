//! The sample platforms' flows in this area, at the service level: AqStream's approved
//! organizations and ownership transfer, Workspace Manager's plan limits, and the seed
//! platform's invite-driven registration with referrals.

use commons_core::{CodedError, ErrorCode, PageRequest};
use commons_orgs::service::audit_log::AuditFilter;
use commons_orgs::service::departments::{AddDepartmentMember, CreateDepartment};
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::memberships::ChangeRole;
use commons_orgs::service::organizations::Decision;
use commons_orgs::{BillingStatus, OrganizationStatus, Permission, Plan, Preset, Role, Settings};
use commons_testkit::{World, input, signed_in, user_id};

use crate::support::{membership_of, reload};

fn page() -> PageRequest {
    PageRequest::new(Some(50), None).expect("page")
}

#[tokio::test]
async fn aqstream_request_approve_invite_transfer() {
    let world = World::builder()
        .orgs_settings(Settings {
            creation_requires_approval: true,
            ..Settings::default()
        })
        .build()
        .await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let founder = world.person("founder").await;
    let stranger = world.person("stranger").await;
    let admin = world.person("platformadmin").platform_admin().await;

    let requested = orgs
        .create_organization(db, &founder, input::organization("Saratov runners"))
        .await
        .expect("request");
    assert_eq!(requested.status, OrganizationStatus::Pending);
    // Until approved, nobody else sees it, and its owner cannot invite anyone yet.
    assert!(
        orgs.organization_by_slug(db, &stranger, "saratov-runners")
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        orgs.organization_by_slug(db, &founder, "saratov-runners")
            .await
            .expect("query")
            .is_some()
    );
    let early = orgs
        .create_invite(
            db,
            &founder,
            CreateInvite {
                org_id: Some(requested.id),
                ..CreateInvite::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(early.code(), ErrorCode::Conflict);
    let not_admin = orgs
        .decide_organization(db, &founder, requested.id, Decision::Approve, None)
        .await
        .unwrap_err();
    assert_eq!(not_admin.code(), ErrorCode::Forbidden);
    let approved = orgs
        .decide_organization(db, &admin, requested.id, Decision::Approve, None)
        .await
        .expect("approve");
    assert_eq!(approved.status, OrganizationStatus::Active);
    assert!(
        orgs.organization_by_slug(db, &stranger, "Saratov-Runners")
            .await
            .expect("query")
            .is_some()
    );

    // The owner invites a moderator.
    let moderator = world.person("modsarah").await;
    let invite = orgs
        .create_invite(
            db,
            &founder,
            CreateInvite {
                org_id: Some(approved.id),
                role: Some(Role::Moderator),
                email: Some("ModSarah@Example.org".into()),
                max_uses: Some(1),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    let wrong_person = orgs.accept_invite(db, &stranger, &invite.code).await.unwrap_err();
    assert_eq!(wrong_person.code(), ErrorCode::Forbidden);
    orgs.accept_invite(db, &moderator, &invite.code)
        .await
        .expect("accept");
    assert_eq!(
        membership_of(&world, approved.id, &moderator).await.role,
        Role::Moderator
    );

    // A moderator cannot remove the owner.
    let owner_membership = membership_of(&world, approved.id, &founder).await;
    let refused = orgs
        .remove_member(db, &moderator, owner_membership.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    // Only the owner transfers ownership; the old owner stays on as admin.
    let refused = orgs
        .transfer_ownership(db, &moderator, approved.id, user_id(&moderator))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    orgs.transfer_ownership(db, &founder, approved.id, user_id(&moderator))
        .await
        .expect("transfer");
    assert_eq!(
        membership_of(&world, approved.id, &moderator).await.role,
        Role::Owner
    );
    assert_eq!(
        membership_of(&world, approved.id, &founder).await.role,
        Role::Admin
    );
    let owner_leaves = orgs.leave(db, &moderator, approved.id).await.unwrap_err();
    assert_eq!(owner_leaves.code(), ErrorCode::Conflict);

    // All of it is in the audit log, for the owner and admins only.
    let log = orgs
        .audit_log(db, &founder, approved.id, AuditFilter::default(), &page())
        .await
        .expect("audit log");
    let actions: Vec<&str> = log.edges.iter().map(|(_, e)| e.action.as_str()).collect();
    for expected in [
        "organization.requested",
        "organization.approved",
        "invite.created",
        "invite.accepted",
        "organization.ownership_transferred",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let transfers = orgs
        .audit_log(
            db,
            &founder,
            approved.id,
            AuditFilter {
                action: Some("organization.ownership_transferred".into()),
                ..AuditFilter::default()
            },
            &page(),
        )
        .await
        .expect("filtered");
    assert_eq!(transfers.edges.len(), 1);
    let refused = orgs
        .audit_log(db, &stranger, approved.id, AuditFilter::default(), &page())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
}

#[tokio::test]
async fn workspace_manager_member_limit_and_analysts() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let owner = world.person("wmowner").await;
    let admin = world.person("platformadmin").platform_admin().await;
    let org = world.organization(&owner, "workspace").await;
    orgs.set_plan(db, &admin, org.id, Plan::Starter, BillingStatus::Active)
        .await
        .expect("starter");
    let limit = Plan::Starter.limits().members.expect("starter is limited") as usize;
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
    // The owner is the first member; fill the rest of the plan.
    let mut people = Vec::new();
    for i in 1..limit {
        let person = world.person(&format!("worker{i}")).await;
        orgs.accept_invite(db, &person, &invite.code)
            .await
            .expect("within the limit");
        people.push(person);
    }
    assert_eq!(reload(&world, org.id).await.member_count as usize, limit);
    let one_too_many = world.person("latecomer").await;
    let refused = orgs
        .accept_invite(db, &one_too_many, &invite.code)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::LimitExceeded);
    assert!(
        refused.to_string().contains("starter plan allows 25 members"),
        "{refused}"
    );
    // Nothing of the refused acceptance remains; subscribers do not count against the limit.
    assert_eq!(reload(&world, org.id).await.member_count as usize, limit);
    orgs.subscribe(db, &one_too_many, org.id)
        .await
        .expect("subscribers are not limited");
    // A failed payment falls back to the free plan's limits.
    orgs.set_plan(db, &admin, org.id, Plan::Starter, BillingStatus::PastDue)
        .await
        .expect("past due");
    let refused = orgs
        .create_department(db, &owner, input::department(org.id, "Two"))
        .await;
    assert!(refused.is_ok(), "the free plan still allows one department");
    let refused = orgs
        .create_department(db, &owner, input::department(org.id, "Three"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::LimitExceeded);
    assert!(refused.to_string().contains("departments"), "{refused}");

    // In a workspace, an analyst reads reports but cannot create content.
    let workspace = orgs
        .departments(db, &owner, org.id, &page())
        .await
        .expect("departments")
        .edges
        .remove(0)
        .1;
    let analyst = &people[0];
    orgs.add_department_member(
        db,
        &owner,
        AddDepartmentMember {
            department_id: workspace.id,
            user_id: user_id(analyst),
            preset: Preset::Analyst,
            permissions: vec![],
        },
    )
    .await
    .expect("analyst");
    let create = orgs
        .authorize(
            db,
            analyst,
            org.id,
            Some(workspace.id),
            Permission::CreateResources,
        )
        .await
        .unwrap_err();
    assert_eq!(create.code(), ErrorCode::Forbidden);
    orgs.authorize(db, analyst, org.id, Some(workspace.id), Permission::ViewAnalytics)
        .await
        .expect("analysts view analytics");
}

#[tokio::test]
async fn an_invite_turns_a_visitor_into_a_member_with_a_referral() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let inviter = world.person("inviter").await;
    let org = world.organization(&inviter, "birqadam").await;
    let department = orgs
        .create_department(
            db,
            &inviter,
            CreateDepartment {
                timezone: Some("Asia/Almaty".into()),
                requires_approval: true,
                ..input::department(org.id, "Volunteers")
            },
        )
        .await
        .expect("department");
    let invite = orgs
        .create_invite(
            db,
            &inviter,
            CreateInvite {
                org_id: Some(org.id),
                department_ids: vec![department.id],
                max_uses: Some(5),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");

    // A bad code makes no account.
    let refused = orgs
        .register_with_invite(db, input::registration("newcomer"), "not-a-code")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::NotFound);
    let (session, accepted) = orgs
        .register_with_invite(db, input::registration("newcomer"), &invite.code)
        .await
        .expect("register with invite");
    assert_eq!(accepted.org_id, Some(org.id));
    assert_eq!(accepted.invite.uses, 1);
    let newcomer = signed_in(session.user.id);
    assert_eq!(membership_of(&world, org.id, &newcomer).await.role, Role::Member);
    let members = orgs
        .department_members(db, &newcomer, department.id, &page())
        .await
        .expect("department members");
    assert!(members.edges.iter().any(|(_, m)| m.user_id == session.user.id));

    let stats = orgs.referral_stats(db, &inviter).await.expect("stats");
    assert_eq!((stats.invites_sent, stats.accepted, stats.signups), (1, 1, 1));
    assert_eq!(stats.bonus_earned, Settings::default().referral_bonus);
    let earned = commons_identity::service::points::total(db, session.user.id, None)
        .await
        .expect("points");
    assert_eq!(earned, Settings::default().signup_bonus);

    // Accepting twice, or a revoked invite, is refused and changes nothing.
    let again = orgs.accept_invite(db, &newcomer, &invite.code).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);
    orgs.revoke_invite(db, &inviter, invite.id).await.expect("revoke");
    let late = world.person("late").await;
    let revoked = orgs.accept_invite(db, &late, &invite.code).await.unwrap_err();
    assert!(revoked.to_string().contains("revoked"), "{revoked}");
    let pending = orgs
        .pending_invites(db, &inviter, None, &page())
        .await
        .expect("pending");
    assert!(pending.edges.is_empty(), "a revoked invite is not pending");

    // Roles: an admin cannot grant admin; the owner can.
    let promote = orgs
        .change_member_role(
            db,
            &inviter,
            ChangeRole {
                membership_id: membership_of(&world, org.id, &newcomer).await.id,
                role: Role::Admin,
            },
        )
        .await
        .expect("owner promotes");
    assert_eq!(promote.role, Role::Admin);
    let peer = world.person("peer").await;
    let join = orgs
        .join_department(db, &peer, &department.join_code)
        .await
        .expect("join by code");
    assert_eq!(join.preset, Preset::Custom);
    let peer_membership = membership_of(&world, org.id, &peer).await;
    assert_eq!(peer_membership.role, Role::Member);
    let refused = orgs
        .change_member_role(
            db,
            &newcomer,
            ChangeRole {
                membership_id: peer_membership.id,
                role: Role::Admin,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
}
