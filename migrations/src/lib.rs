//! The database schema, one migration per domain step. Migrations are append-only once landed:
//! change the schema with a new migration, never by editing an old one.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_core_agents;
mod m20261124_000002_identity;
mod m20261125_000003_audit_keys_points;
mod m20261125_000004_orgs;
mod m20261125_000005_tenant_isolation;
mod m20261125_000006_resources;
mod m20261125_000007_kinds_events_review;
mod m20261125_000008_outbox;
mod m20261125_000009_reactions;
mod m20261125_000010_comments;
mod m20261125_000011_ratings;
mod m20261125_000012_messaging;
mod m20261201_000013_outbox_position;
mod m20261201_000014_sales;
mod m20261201_000015_idempotency;
mod m20261202_000016_waitlist_order;
mod m20261202_000017_password_attempts;
mod m20261203_000018_payments;
mod m20261203_000019_governance;
mod m20261203_000020_linked_conversations;
mod m20261203_000021_audit_append_only;
mod m20261203_000022_resources_wall;
mod m20261203_000023_comments_notifications_wall;
mod m20261204_000024_second_wall;
mod util;

#[cfg(feature = "testing")]
pub mod testing;

pub use m20261125_000005_tenant_isolation::APP_ROLE;
pub use m20261204_000024_second_wall::SYSTEM_ROLE;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_core_agents::Migration),
            Box::new(m20261124_000002_identity::Migration),
            Box::new(m20261125_000003_audit_keys_points::Migration),
            Box::new(m20261125_000004_orgs::Migration),
            Box::new(m20261125_000005_tenant_isolation::Migration),
            Box::new(m20261125_000006_resources::Migration),
            Box::new(m20261125_000007_kinds_events_review::Migration),
            Box::new(m20261125_000008_outbox::Migration),
            Box::new(m20261125_000009_reactions::Migration),
            Box::new(m20261125_000010_comments::Migration),
            Box::new(m20261125_000011_ratings::Migration),
            Box::new(m20261125_000012_messaging::Migration),
            Box::new(m20261201_000013_outbox_position::Migration),
            Box::new(m20261201_000014_sales::Migration),
            Box::new(m20261201_000015_idempotency::Migration),
            Box::new(m20261202_000016_waitlist_order::Migration),
            Box::new(m20261202_000017_password_attempts::Migration),
            Box::new(m20261203_000018_payments::Migration),
            Box::new(m20261203_000019_governance::Migration),
            Box::new(m20261203_000020_linked_conversations::Migration),
            Box::new(m20261203_000021_audit_append_only::Migration),
            Box::new(m20261203_000022_resources_wall::Migration),
            Box::new(m20261203_000023_comments_notifications_wall::Migration),
            Box::new(m20261204_000024_second_wall::Migration),
        ]
    }
}
