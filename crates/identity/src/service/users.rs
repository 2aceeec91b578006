//! Reading users: by id (one or many, for DataLoaders), by username, and the admin's list.

use std::collections::HashMap;

use commons_core::audit;
use commons_core::page::{self, Keyset};
use commons_core::row::ByPosition;
use commons_core::{Actor, Cursor, Page, PageRequest};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PartialModelTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::admin::require_admin;
use crate::entity::user;
use crate::error::Error;
use crate::{Identity, UserStatus};

/// A user's public profile (username, display name, avatar, bio) is visible to everyone; the
/// rest (email, status, account kind, role) only to the user and to admins.
pub fn may_see_private_fields(actor: &Actor, user_id: Uuid) -> bool {
    actor.is_admin() || actor.user_id() == Some(user_id)
}

/// Pending, rejected and blocked accounts may sign in to see their state, and do nothing else:
/// every service that changes something for a user asks this first.
pub async fn require_active(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), Error> {
    match user::Entity::find_by_id(user_id).one(db).await?.map(|u| u.status) {
        Some(UserStatus::Active) => Ok(()),
        Some(UserStatus::Pending) => Err(Error::AccountNotActive("pending")),
        Some(UserStatus::Rejected) => Err(Error::AccountNotActive("rejected")),
        Some(UserStatus::Blocked) => Err(Error::AccountBlocked),
        None => Err(Error::NotSignedIn),
    }
}

impl Identity {
    /// The actor's own account events (sign-ins, sign-outs, API keys, bots), newest first.
    pub async fn account_events<C: commons_core::db::Conn>(
        &self,
        db: &C,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<audit::Model>, Error> {
        let id = actor.user_id().ok_or(Error::NotSignedIn)?;
        let tx = commons_core::tenant::read(db, actor).await?;
        let query = audit::Entity::find()
            .filter(audit::Column::ActorId.eq(id))
            .filter(audit::Column::OrgId.is_null());
        let order = Keyset::newest_first(audit::Column::Id);
        let found = page::fetch(&tx, query, order, page, |e| Cursor::by_id(e.id)).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The signed-in user, or `None` when anonymous.
    pub async fn me(&self, db: &impl ConnectionTrait, actor: &Actor) -> Result<Option<user::Model>, Error> {
        match actor.user_id() {
            Some(id) => Ok(user::Entity::find_by_id(id).one(db).await?),
            None => Ok(None),
        }
    }

    /// Users by id, in one query, as [`shown_to`] the actor.
    pub async fn users_by_ids(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, user::Profile>, Error> {
        // Read by position (`commons_core::row`): every feed asks for its people here.
        let select = user::Entity::find().filter(user::Column::Id.is_in(ids.iter().copied()));
        let found = user::Profile::select_cols(select.select_only())
            .into_model::<ByPosition<user::Profile>>()
            .all(db)
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|ByPosition(u)| shown_to(actor, u))
            .map(|u| (u.id, u))
            .collect())
    }

    pub async fn user_by_username(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        username: &str,
    ) -> Result<Option<user::Profile>, Error> {
        let name = username.trim().to_lowercase();
        let found = user::Entity::find()
            .filter(user::Column::Username.eq(name))
            .into_partial_model::<user::Profile>()
            .one(db)
            .await?;
        Ok(found.and_then(|u| shown_to(actor, u)))
    }

    /// All users, newest first, optionally of one status (admins use `PENDING` as their queue).
    pub async fn list_users(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        status: Option<UserStatus>,
        page: &PageRequest,
    ) -> Result<Page<user::Model>, Error> {
        require_admin(actor)?;
        let mut query = user::Entity::find();
        if let Some(status) = status {
            query = query.filter(user::Column::Status.eq(status));
        }
        let order = Keyset::newest_first(user::Column::Id);
        Ok(page::fetch(db, query, order, page, |u| Cursor::by_id(u.id)).await?)
    }
}

/// A user as `actor` may see them: blocked users are hidden from everyone but admins. For
/// callers holding a row read for many viewers at once (live delivery).
pub fn shown_to(actor: &Actor, user: user::Profile) -> Option<user::Profile> {
    (user.status != UserStatus::Blocked || actor.is_admin()).then_some(user)
}

/// How a person is called in what others are told (notifications): their display name, or
/// their username; "Someone" when the platform acted or the account is gone.
pub async fn name_of(db: &impl ConnectionTrait, user_id: Option<Uuid>) -> Result<String, Error> {
    let Some(user_id) = user_id else {
        return Ok(SOMEONE.into());
    };
    Ok(user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|u| {
            u.display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or(u.username)
        })
        .unwrap_or_else(|| SOMEONE.into()))
}

const SOMEONE: &str = "Someone";
