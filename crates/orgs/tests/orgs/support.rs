//! What the organization tests read back beside the services: rows as stored now.

use commons_core::{Actor, tenant};
use commons_orgs::entity::{membership, organization};
use commons_orgs::{BillingStatus, Plan};
use commons_testkit::{World, user_id};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Read as the system: on PostgreSQL the test's connection is under row level security too.
pub async fn membership_of(world: &World, org: Uuid, actor: &Actor) -> membership::Model {
    let tx = tenant::read(&world.db.conn, &Actor::System).await.expect("begin");
    membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org))
        .filter(membership::Column::UserId.eq(user_id(actor)))
        .one(&tx)
        .await
        .expect("query")
        .expect("a membership")
}

/// The organization as stored now (counters included).
pub async fn reload(world: &World, org_id: Uuid) -> organization::Model {
    organization::Entity::find_by_id(org_id)
        .one(&world.db.conn)
        .await
        .expect("query")
        .expect("the organization exists")
}

/// Moves `org` to the enterprise plan (no limits), as a platform admin does.
pub async fn enterprise(world: &World, org: &organization::Model) {
    let admin = world.person("platformadmin").platform_admin().await;
    world
        .orgs()
        .set_plan(
            &world.db.conn,
            &admin,
            org.id,
            Plan::Enterprise,
            BillingStatus::Active,
        )
        .await
        .expect("plan");
}
