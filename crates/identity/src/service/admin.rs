//! Platform administration (ID6): blocking and approving accounts.

use commons_core::db::{Conn, begin_write};
use commons_core::{Actor, Timestamp, tenant};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait};
use uuid::Uuid;

use super::sessions::{reason, revoke_sessions};
use crate::entity::{session, user};
use crate::error::Error;
use crate::{Identity, PlatformRole, UserStatus};
use commons_core::text;

/// What an admin decides about an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Block,
    Unblock,
    Approve,
    Reject,
}

impl Decision {
    fn verb(self) -> &'static str {
        match self {
            Decision::Block => "blocked",
            Decision::Unblock => "unblocked",
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
        }
    }

    /// The status the decision leads to, if the account's current status allows it.
    fn apply(self, current: UserStatus) -> Option<UserStatus> {
        use UserStatus::*;
        match (self, current) {
            (Decision::Block, Pending | Active | Rejected) => Some(Blocked),
            (Decision::Unblock, Blocked) => Some(Active),
            (Decision::Approve, Pending | Rejected) => Some(Active),
            (Decision::Reject, Pending) => Some(Rejected),
            _ => None,
        }
    }
}

pub(crate) fn status_name(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Pending => "pending",
        UserStatus::Active => "active",
        UserStatus::Rejected => "rejected",
        UserStatus::Blocked => "blocked",
    }
}

pub(crate) fn require_admin(actor: &Actor) -> Result<(), Error> {
    match actor {
        Actor::Anonymous { .. } => Err(Error::NotSignedIn),
        actor if actor.is_admin() => Ok(()),
        _ => Err(Error::AdminOnly),
    }
}

/// An admin who may change things: not calling with a read-only API key.
fn require_admin_write(actor: &Actor) -> Result<(), Error> {
    require_admin(actor)?;
    require_write(actor)
}

/// Refuses calls made with an API key that lacks the `write` scope.
pub(crate) fn require_write(actor: &Actor) -> Result<(), Error> {
    if actor.may_write() {
        Ok(())
    } else {
        Err(Error::ReadOnlyKey)
    }
}

impl Identity {
    /// Blocks, unblocks, approves or rejects an account. Blocking ends every session of the
    /// user at once; rejecting needs a reason, which the user sees.
    pub async fn decide<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        user_id: Uuid,
        decision: Decision,
        why: Option<&str>,
    ) -> Result<user::Model, Error> {
        require_admin_write(actor)?;
        if decision == Decision::Block && actor.user_id() == Some(user_id) {
            return Err(Error::CannotBlockSelf);
        }
        let why = text::optional("reason", why, 1000)?;
        if decision == Decision::Reject && why.is_none() {
            return Err(Error::invalid(
                "reason",
                "say why the account is rejected; the user will see it",
            ));
        }
        let now: Timestamp = self.clock.now();
        // As the admin: blocking ends the person's sessions, which only they and admins see.
        let tx = tenant::write(db, actor).await?;
        let current = user::Entity::find_by_id(user_id)
            .one(&tx)
            .await?
            .ok_or(Error::UserNotFound)?;
        let next = decision.apply(current.status).ok_or(Error::WrongStatus {
            current: status_name(current.status),
            action: decision.verb(),
        })?;
        let mut model: user::ActiveModel = current.into();
        model.status = Set(next);
        model.status_reason = Set(why);
        model.updated_at = Set(now);
        let user = model.update(&tx).await?;
        if decision == Decision::Block {
            revoke_sessions(&tx, session::Column::UserId.eq(user_id), reason::BLOCKED, now).await?;
        }
        tx.commit().await?;
        tracing::info!(admin = ?actor.user_id(), user = %user_id, decision = decision.verb(), "account status changed");
        Ok(user)
    }
}

impl Identity {
    /// Makes a user an admin or a plain user again. Admins cannot demote themselves, so the
    /// platform is never left without the admin who did it.
    pub async fn set_platform_role<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        user_id: Uuid,
        role: PlatformRole,
    ) -> Result<user::Model, Error> {
        require_admin_write(actor)?;
        if role == PlatformRole::User && actor.user_id() == Some(user_id) {
            return Err(Error::invalid("role", "administrators cannot demote themselves"));
        }
        let tx = begin_write(db).await?;
        let current = user::Entity::find_by_id(user_id)
            .one(&tx)
            .await?
            .ok_or(Error::UserNotFound)?;
        let mut model: user::ActiveModel = current.into();
        model.platform_role = Set(role);
        model.updated_at = Set(self.clock.now());
        let user = model.update(&tx).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// A user by email, for operators (the CLI); admins only.
    pub async fn user_by_email(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        actor: &Actor,
        email: &str,
    ) -> Result<Option<user::Model>, Error> {
        use sea_orm::QueryFilter;
        require_admin(actor)?;
        let email = super::accounts::normalize_email_for_lookup(email);
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_follow_the_status_rules() {
        use UserStatus::*;
        assert_eq!(Decision::Approve.apply(Pending), Some(Active));
        assert_eq!(Decision::Approve.apply(Active), None);
        assert_eq!(Decision::Reject.apply(Pending), Some(Rejected));
        assert_eq!(Decision::Reject.apply(Active), None);
        assert_eq!(Decision::Block.apply(Active), Some(Blocked));
        assert_eq!(Decision::Block.apply(Blocked), None);
        assert_eq!(Decision::Unblock.apply(Blocked), Some(Active));
        assert_eq!(Decision::Unblock.apply(Active), None);
    }
}
