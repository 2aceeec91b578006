//! Invariants that concurrent requests could break, held by the database: an invite's
//! maximum uses, a plan's member limit and its monthly allowance of resources.

use commons_core::{CodedError, ErrorCode};
use commons_orgs::Plan;
use commons_orgs::service::invites::CreateInvite;
use commons_testkit::World;

use crate::support::{enterprise, reload};

#[tokio::test]
async fn max_uses_hold_under_concurrent_accepts() {
    let world = World::new().await;
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "crowded").await;
    enterprise(&world, &org).await;
    let invite = world
        .orgs()
        .create_invite(
            &world.db.conn,
            &owner,
            CreateInvite {
                org_id: Some(org.id),
                max_uses: Some(3),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    let mut people = Vec::new();
    for i in 0..12 {
        people.push(world.person(&format!("guest{i}")).await);
    }
    let accepts: Vec<_> = people
        .into_iter()
        .map(|person| {
            let (db, orgs, code) = (world.db.conn.clone(), world.orgs().clone(), invite.code.clone());
            tokio::spawn(async move { orgs.accept_invite(&db, &person, &code).await })
        })
        .collect();
    let mut accepted = 0;
    for accept in accepts {
        match accept.await.expect("the task ran") {
            Ok(_) => accepted += 1,
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::Conflict, "{e:?}");
                assert!(e.to_string().contains("used up"), "{e}");
            }
        }
    }
    assert_eq!(accepted, 3);
    // The owner and the three who got in.
    assert_eq!(reload(&world, org.id).await.member_count, 4);
}

#[tokio::test]
async fn the_member_limit_holds_under_concurrent_joins() {
    let world = World::new().await;
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "small").await;
    let free_limit = Plan::Free.limits().members.expect("limited") as i32;
    let invite = world
        .orgs()
        .create_invite(
            &world.db.conn,
            &owner,
            CreateInvite {
                org_id: Some(org.id),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    let mut people = Vec::new();
    for i in 0..16 {
        people.push(world.person(&format!("joiner{i}")).await);
    }
    let accepts: Vec<_> = people
        .into_iter()
        .map(|person| {
            let (db, orgs, code) = (world.db.conn.clone(), world.orgs().clone(), invite.code.clone());
            tokio::spawn(async move { orgs.accept_invite(&db, &person, &code).await })
        })
        .collect();
    let mut refused = 0;
    for accept in accepts {
        if let Err(e) = accept.await.expect("the task ran") {
            assert_eq!(e.code(), ErrorCode::LimitExceeded, "{e:?}");
            refused += 1;
        }
    }
    assert_eq!(reload(&world, org.id).await.member_count, free_limit);
    assert_eq!(refused, 16 - (free_limit - 1));
}

#[tokio::test]
async fn the_monthly_resource_allowance_holds_under_concurrent_claims() {
    let clock = std::sync::Arc::new(commons_core::ManualClock::new(chrono::Utc::now()));
    let world = World::builder().clock(clock.clone()).build().await;
    let owner = world.person("owner").await;
    let org = world.organization(&owner, "busy").await;
    let allowance = Plan::Free.limits().resources_per_month.expect("limited");
    // Each claim in its own transaction as the owner, as the resources crate will make them.
    let claims: Vec<_> = (0..allowance + 8)
        .map(|_| {
            let (db, orgs, owner) = (world.db.conn.clone(), world.orgs().clone(), owner.clone());
            tokio::spawn(async move {
                let tx = commons_core::tenant::write(&db, &owner).await.expect("begin");
                orgs.claim_resource_quota(&tx, org.id).await?;
                sea_orm::TransactionSession::commit(tx).await.expect("commit");
                Ok::<(), commons_orgs::Error>(())
            })
        })
        .collect();
    let mut granted = 0;
    for claim in claims {
        match claim.await.expect("the task ran") {
            Ok(()) => granted += 1,
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::LimitExceeded, "{e:?}");
                assert!(e.to_string().contains("30 resources per month"), "{e}");
            }
        }
    }
    assert_eq!(granted, allowance);
    let used = world
        .orgs()
        .resources_created_this_month(&world.db.conn, &owner, org.id)
        .await
        .expect("usage");
    assert_eq!(used as u32, allowance);
    // A new month brings a new allowance.
    clock.advance(chrono::Duration::days(32));
    let tx = commons_core::tenant::write(&world.db.conn, &owner)
        .await
        .expect("begin");
    world
        .orgs()
        .claim_resource_quota(&tx, org.id)
        .await
        .expect("next month");
}
