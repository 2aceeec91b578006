//! OR3: every cell of the permission matrix, asked the way every service asks it
//! (`Orgs::authorize` against real memberships), compared with the promise below.

use commons_core::{Actor, CodedError, ErrorCode, PageRequest};
use commons_orgs::service::departments::AddDepartmentMember;
use commons_orgs::{BillingStatus, Permission, Plan, Preset, Role};
use commons_testkit::{World, user_id};

/// The promise, one line per permission. Columns: subscriber, member, moderator, admin, owner,
/// then department manager, creator, analyst (each of them an organization member).
const PROMISE: [(Permission, &str); 13] = [
    (Permission::ManageOrganization, "---yy ---"),
    (Permission::ManageBilling, "----y ---"),
    (Permission::ManageMembers, "--yyy y--"),
    (Permission::ManageRoles, "---yy ---"),
    (Permission::ManageDepartments, "---yy ---"),
    (Permission::CreateResources, "--yyy yy-"),
    (Permission::PublishResources, "--yyy yy-"),
    (Permission::ModerateResources, "--yyy y--"),
    (Permission::ViewAnalytics, "---yy y-y"),
    (Permission::ExportData, "---yy y-y"),
    (Permission::CheckIn, "--yyy y--"),
    (Permission::ManageSales, "--yyy y--"),
    (Permission::Purchase, "---yy ---"),
];

#[tokio::test]
async fn every_cell_of_the_matrix() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "matrix").await;
    let department = world.department(&org, "Saratov Team").await;

    // One person per role (the owner holds the top role already).
    let mut by_role: Vec<(Role, Actor)> = Vec::new();
    for role in [Role::Subscriber, Role::Member, Role::Moderator, Role::Admin] {
        let person = world.new_member(&org, &format!("as_{}", role.name()), role).await;
        by_role.push((role, person));
    }
    by_role.push((Role::Owner, owner.clone()));

    let mut by_preset: Vec<(Preset, Actor)> = Vec::new();
    for preset in Preset::PRESETS {
        let name = format!("dept_{}", preset.name());
        let person = world.new_member(&org, &name, Role::Member).await;
        world.seat(&department, &person, preset).await;
        by_preset.push((preset, person));
    }
    let outsider = world.person("outsider").await;

    let mut checked = 0;
    for (permission, promise) in PROMISE {
        let (roles, presets) = promise.split_once(' ').expect("two groups");
        for ((role, person), expected) in by_role.iter().zip(roles.chars()) {
            let allowed = orgs.authorize(db, person, org.id, None, permission).await;
            assert_eq!(
                allowed.is_ok(),
                expected == 'y',
                "{} / {permission}: {allowed:?}",
                role.name()
            );
            if let Err(e) = allowed {
                assert_eq!(e.code(), ErrorCode::Forbidden);
                assert!(e.to_string().contains(permission.name()), "{e}");
            }
            checked += 1;
        }
        for ((preset, person), expected) in by_preset.iter().zip(presets.chars()) {
            let in_department = orgs
                .authorize(db, person, org.id, Some(department.id), permission)
                .await;
            assert_eq!(
                in_department.is_ok(),
                expected == 'y',
                "department {} / {permission}",
                preset.name()
            );
            // Outside their department a preset grants nothing beyond the member role.
            assert!(
                orgs.authorize(db, person, org.id, None, permission)
                    .await
                    .is_err()
            );
            checked += 1;
        }
        assert!(
            orgs.authorize(db, &outsider, org.id, None, permission)
                .await
                .is_err()
        );
    }
    assert_eq!(checked, PROMISE.len() * 8);

    // Platform admins may do everything; members see the member list, subscribers do not.
    let admin = world.person("platformadmin").platform_admin().await;
    for permission in Permission::ALL {
        assert!(orgs.authorize(db, &admin, org.id, None, permission).await.is_ok());
    }
    let page = PageRequest::new(None, None).expect("page");
    assert!(orgs.members(db, &by_role[1].1, org.id, &page).await.is_ok());
    let refused = orgs.members(db, &by_role[0].1, org.id, &page).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
}

#[tokio::test]
async fn custom_department_permissions_and_read_only_keys() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "custom").await;
    let admin = world.person("platformadmin").platform_admin().await;
    orgs.set_plan(db, &admin, org.id, Plan::Starter, BillingStatus::Active)
        .await
        .expect("plan");
    let department = world.department(&org, "Door").await;
    let person = world.new_member(&org, "doorkeeper", Role::Member).await;
    let unknown = orgs
        .add_department_member(
            db,
            &owner,
            AddDepartmentMember {
                department_id: department.id,
                user_id: user_id(&person),
                preset: Preset::Custom,
                permissions: vec!["fly".into()],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::BadUserInput);
    orgs.add_department_member(
        db,
        &owner,
        AddDepartmentMember {
            department_id: department.id,
            user_id: user_id(&person),
            preset: Preset::Custom,
            permissions: vec!["check_in".into()],
        },
    )
    .await
    .expect("custom grant");
    assert!(
        orgs.authorize(db, &person, org.id, Some(department.id), Permission::CheckIn)
            .await
            .is_ok()
    );
    assert!(
        orgs.authorize(
            db,
            &person,
            org.id,
            Some(department.id),
            Permission::CreateResources
        )
        .await
        .is_err()
    );

    // An API key without the write scope changes nothing, whatever its user may do.
    let read_only = Actor::User {
        id: user_id(&owner),
        platform_role: commons_core::PlatformRole::User,
        scopes: Some(vec!["read".into()]),
        session: None,
    };
    let refused = orgs
        .authorize(db, &read_only, org.id, None, Permission::ManageOrganization)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    assert!(refused.to_string().contains("only read"), "{refused}");
}
