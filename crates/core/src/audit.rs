//! The audit log (OR5): an append-only record of who did what, to what, when. Organization
//! changes carry the organization's id; account events (sign-in, sign-out, API keys) carry
//! none. Nothing updates or deletes these rows.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use crate::{Actor, Timestamp};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    pub metadata: Option<Json>,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// One event to append.
#[derive(Clone, Debug)]
pub struct Entry {
    pub org_id: Option<Uuid>,
    /// Dotted, past tense: `member.role_changed`, `session.created`.
    pub action: &'static str,
    pub target: Option<(&'static str, Uuid)>,
    pub metadata: Option<serde_json::Value>,
}

impl Entry {
    pub fn new(action: &'static str) -> Entry {
        Entry {
            org_id: None,
            action,
            target: None,
            metadata: None,
        }
    }

    pub fn org(mut self, org_id: Uuid) -> Entry {
        self.org_id = Some(org_id);
        self
    }

    /// The organization, when there is one (an invite may be a plain referral).
    pub fn in_org(mut self, org_id: Option<Uuid>) -> Entry {
        self.org_id = org_id;
        self
    }

    pub fn target(mut self, kind: &'static str, id: Uuid) -> Entry {
        self.target = Some((kind, id));
        self
    }

    pub fn metadata(mut self, metadata: serde_json::Value) -> Entry {
        self.metadata = Some(metadata);
        self
    }
}

/// Appends `entry` in the caller's transaction, so the event exists exactly when the change does.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entry: Entry,
    now: Timestamp,
) -> Result<(), DbErr> {
    // Written without RETURNING: row level security would otherwise require the writer to be
    // able to read the row back.
    Entity::insert(ActiveModel {
        id: Set(crate::id::new()),
        org_id: Set(entry.org_id),
        actor_id: Set(actor.user_id()),
        action: Set(entry.action.to_string()),
        target_type: Set(entry.target.map(|(kind, _)| kind.to_string())),
        target_id: Set(entry.target.map(|(_, id)| id)),
        metadata: Set(entry.metadata),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
