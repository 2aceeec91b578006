//! The events organizations write, and who hears of them.

use commons_core::audience::{Audience, EventRules, Notice, NotifiedTopic, RuleError};
use commons_core::{Event, outbox};
use commons_identity::entity::user;
use commons_identity::service::users::name_of;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::organization;

/// An invite was created; one locked to an email tells that person, if they have an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCreated {
    pub invite: Uuid,
    pub email: Option<String>,
    pub role: Option<String>,
    pub org: Option<Uuid>,
}

impl Event for InviteCreated {
    const TOPIC: &'static str = "invite.created";
    fn subject(&self) -> Option<Uuid> {
        Some(self.invite)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// Someone took an invite; its sender hears of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteAccepted {
    pub invite: Uuid,
    pub inviter: Uuid,
    pub user: Option<Uuid>,
    pub org: Option<Uuid>,
}

impl Event for InviteAccepted {
    const TOPIC: &'static str = "invite.accepted";
    fn subject(&self) -> Option<Uuid> {
        Some(self.inviter)
    }
    fn org(&self) -> Option<Uuid> {
        self.org
    }
}

/// A member's role changed; the member hears of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRoleChanged {
    pub user: Uuid,
    pub from: String,
    pub to: String,
    pub org: Uuid,
}

impl Event for MemberRoleChanged {
    const TOPIC: &'static str = "member.role_changed";
    fn subject(&self) -> Option<Uuid> {
        Some(self.user)
    }
    fn org(&self) -> Option<Uuid> {
        Some(self.org)
    }
}

/// Who hears of the organizations' events (registered with the server's rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct OrgRules;

#[async_trait::async_trait]
impl EventRules for OrgRules {
    fn notified(&self) -> &'static [NotifiedTopic] {
        const NOTIFIED: &[NotifiedTopic] = &[
            NotifiedTopic::pushed(InviteCreated::TOPIC),
            NotifiedTopic::pushed(InviteAccepted::TOPIC),
            NotifiedTopic::pushed(MemberRoleChanged::TOPIC),
        ];
        NOTIFIED
    }

    async fn audience(&self, tx: &DatabaseTransaction, event: &outbox::Model) -> Result<Audience, RuleError> {
        let told = if let Some(invite) = event.decode::<InviteCreated>() {
            invited(tx, event, invite).await?
        } else if let Some(accepted) = event.decode::<InviteAccepted>() {
            let who = name_of(tx, accepted.user.or(event.actor_id)).await?;
            vec![Notice::new(
                accepted.inviter,
                format!("{who} accepted your invite"),
            )]
        } else if let Some(changed) = event.decode::<MemberRoleChanged>() {
            let summary = match organization_name(tx, changed.org).await? {
                Some(org) => format!("Your role in {org} is now {}", changed.to),
                None => format!("Your role is now {}", changed.to),
            };
            vec![Notice::new(changed.user, summary)]
        } else {
            Vec::new()
        };
        Ok(Audience::of(told))
    }
}

/// The person an invite is locked to, when they have an account.
async fn invited(
    tx: &impl ConnectionTrait,
    event: &outbox::Model,
    invite: InviteCreated,
) -> Result<Vec<Notice>, RuleError> {
    let Some(email) = invite.email else {
        return Ok(Vec::new());
    };
    let Some(invitee) = user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(tx)
        .await?
    else {
        return Ok(Vec::new());
    };
    let who = name_of(tx, event.actor_id).await?;
    let summary = match invite.org {
        Some(org_id) => match organization_name(tx, org_id).await? {
            Some(org) => format!("{who} invited you to join {org}"),
            None => format!("{who} sent you an invite"),
        },
        None => format!("{who} sent you an invite"),
    };
    Ok(vec![Notice::new(invitee.id, summary)])
}

async fn organization_name(
    tx: &impl ConnectionTrait,
    org_id: Uuid,
) -> Result<Option<String>, sea_orm::DbErr> {
    Ok(organization::Entity::find_by_id(org_id)
        .one(tx)
        .await?
        .map(|o| o.name))
}
