//! OR7: non-public organization data is visible to members only. The services check it; on
//! PostgreSQL row level security checks it again, so even a query that forgets the service's
//! filter returns only what the actor may see.

use commons_core::audit;
use commons_core::{Actor, CodedError, ErrorCode, PageRequest, tenant};
use commons_orgs::entity::membership;
use commons_orgs::service::invites::CreateInvite;
use commons_testkit::{World, user_id};
use sea_orm::{EntityTrait, PaginatorTrait};

/// Every membership row the actor can read, with no filter at all.
async fn visible_memberships(world: &World, actor: &Actor) -> Vec<membership::Model> {
    let tx = tenant::read(&world.db.conn, actor).await.expect("begin");
    membership::Entity::find().all(&tx).await.expect("query")
}

#[tokio::test]
async fn members_see_their_organization_only() {
    let world = World::new().await;
    let (db, orgs) = (&world.db.conn, world.orgs());
    let alice = world.person("alice").await;
    let bob = world.person("bob").await;
    let carol = world.person("carol").await;
    let north = world.organization(&alice, "north").await;
    let south = world.organization(&bob, "south").await;
    let invite = orgs
        .create_invite(
            db,
            &bob,
            CreateInvite {
                org_id: Some(south.id),
                ..CreateInvite::default()
            },
        )
        .await
        .expect("invite");
    orgs.accept_invite(db, &carol, &invite.code)
        .await
        .expect("carol joins south");

    // Through the services: the member list is for members.
    let page = PageRequest::new(None, None).expect("page");
    let refused = orgs.members(db, &alice, south.id, &page).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    let admin = world.person("platformadmin").platform_admin().await;
    assert_eq!(
        orgs.members(db, &admin, south.id, &page)
            .await
            .expect("admins see all")
            .edges
            .len(),
        2
    );

    if !world.db.is_postgres() {
        return;
    }
    // Past the services: an unfiltered SELECT as each person.
    let seen = visible_memberships(&world, &alice).await;
    assert!(
        seen.iter().all(|m| m.org_id == north.id),
        "alice sees only north: {seen:?}"
    );
    assert_eq!(seen.len(), 1);
    let seen = visible_memberships(&world, &carol).await;
    assert!(seen.iter().all(|m| m.org_id == south.id));
    assert_eq!(seen.len(), 2, "carol sees south's two members");
    assert!(visible_memberships(&world, &Actor::ANONYMOUS).await.is_empty());
    assert_eq!(visible_memberships(&world, &admin).await.len(), 3);

    // The audit log and invites are walled the same way.
    let tx = tenant::read(db, &alice).await.expect("begin");
    let alice_sees = audit::Entity::find().count(&tx).await.expect("count");
    let tx = tenant::read(db, &admin).await.expect("begin");
    let admin_sees = audit::Entity::find().count(&tx).await.expect("count");
    assert!(alice_sees < admin_sees, "{alice_sees} < {admin_sees}");
    let tx = tenant::read(db, &alice).await.expect("begin");
    let invites = commons_orgs::entity::invite::Entity::find()
        .count(&tx)
        .await
        .expect("count");
    assert_eq!(invites, 0, "alice sees no invites of south");

    // A subscriber sees their own membership row and nothing else of the organization.
    orgs.subscribe(db, &alice, south.id).await.expect("subscribe");
    let seen = visible_memberships(&world, &alice).await;
    assert!(
        seen.iter()
            .any(|m| m.org_id == south.id && m.user_id == user_id(&alice))
    );
    assert!(!seen.iter().any(|m| m.user_id == user_id(&carol)));
}

#[tokio::test]
async fn the_audit_log_is_append_only_for_the_application_role() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let world = World::new().await;
    let alice = world.person("alice").await;
    world.organization(&alice, "north").await;
    let db = &world.db.conn;
    let system = tenant::read(db, &Actor::System).await.expect("begin");
    let before = audit::Entity::find().count(&system).await.expect("count");
    system.commit().await.expect("commit");
    assert!(before > 0, "creating the organization was audited");
    if !world.db.is_postgres() {
        return;
    }
    // Even as the system, past every service: no entry is changed or deleted.
    for sql in [
        "UPDATE audit_events SET action = 'nothing.happened'",
        "DELETE FROM audit_events",
    ] {
        let tx = db.begin().await.expect("begin");
        tenant::act_as(&tx, &Actor::System).await.expect("act");
        let refused = tx.execute_unprepared(sql).await.expect_err("append-only");
        assert!(refused.to_string().contains("permission denied"), "{refused}");
        tx.rollback().await.ok();
    }
    let system = tenant::read(db, &Actor::System).await.expect("begin");
    let after = audit::Entity::find().count(&system).await.expect("count");
    assert!(after >= before);
    assert_eq!(
        audit::Entity::find()
            .all(&system)
            .await
            .expect("entries")
            .iter()
            .filter(|e| e.action == "nothing.happened")
            .count(),
        0
    );
}

#[tokio::test]
async fn only_the_servers_login_may_act_as_the_system() {
    use commons_core::Db;
    use commons_core::db::DbOptions;
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let world = World::new().await;
    let alice = world.person("alice").await;
    world.organization(&alice, "north").await;
    let system = tenant::read(&world.db.conn, &Actor::System).await.expect("begin");
    let everyone = membership::Entity::find().count(&system).await.expect("count");
    system.commit().await.expect("commit");
    assert_eq!(everyone, 1, "the server's own login acts as the system");
    if !world.db.is_postgres() {
        return;
    }
    // A reporting tool's login, holding the application role and nothing more.
    let owner = Db::connect(world.db.url()).await.expect("connect as the owner");
    let reporter = format!("reporter_{}", uuid::Uuid::now_v7().simple());
    owner
        .execute_unprepared(&format!(
            "CREATE ROLE {reporter} LOGIN; GRANT {} TO {reporter};",
            commons_migrations::APP_ROLE
        ))
        .await
        .expect("create the reporter's login");
    let options = DbOptions {
        role: Some(commons_migrations::APP_ROLE.to_string()),
        ..DbOptions::default()
    };
    let as_reporter = Db::connect_with(&with_user(world.db.url(), &reporter), &options)
        .await
        .expect("connect as the reporter");
    let tx = as_reporter.begin().await.expect("begin");
    tx.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT set_config('commons.is_admin', 'on', true)",
    ))
    .await
    .expect("setting it is allowed, and means nothing");
    let unlocked = membership::Entity::find().count(&tx).await.expect("count");
    tx.rollback().await.ok();
    as_reporter.close().await.ok();
    owner
        .execute_unprepared(&format!("DROP ROLE {reporter}"))
        .await
        .expect("drop the reporter's login");
    assert_eq!(unlocked, 0, "the admin switch unlocks nothing for another login");
}

/// `postgres://user@host/db` as `user` instead.
fn with_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}@{host}")
}
