//! Bots and personal API keys (ID7). A key is shown once, stored as its SHA-256, scoped
//! (`read`, `write`), revocable, and records when it was last used. Keys are managed only from
//! a signed-in session, never with another key.

use commons_core::actor::scope;
use commons_core::audit::{self, Entry};
use commons_core::db::{Conn, begin_write};
use commons_core::{Actor, AgentKind, Timestamp, agent, tenant, text};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, QueryOrder, QueryTrait,
};
use uuid::Uuid;

use super::accounts::{ensure_free, normalize_username};
use crate::entity::{api_key, bot, user};
use crate::error::Error;
use crate::token::{API_KEY_PREFIX, hash_token, new_secret};
use crate::{Identity, PlatformRole, UserStatus};

#[derive(Clone, Debug, Default)]
pub struct CreateApiKey {
    pub name: String,
    /// `read`, `write`; empty means both.
    pub scopes: Vec<String>,
    pub expires_at: Option<Timestamp>,
    /// Make the key for this bot (which the actor owns) instead of for the actor.
    pub bot_id: Option<Uuid>,
}

/// A new key and its secret, which is never shown again.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub key: api_key::Model,
    pub secret: String,
}

#[derive(Clone, Debug, Default)]
pub struct CreateBot {
    pub username: String,
    pub display_name: Option<String>,
}

/// How often `last_used_at` is written: a busy key does not write on every request.
const LAST_USED_GRANULARITY: chrono::Duration = chrono::Duration::minutes(1);

impl Identity {
    /// Creates a bot user owned by the actor. It cannot sign in with a password; give it API keys.
    pub async fn create_bot<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateBot,
    ) -> Result<user::Model, Error> {
        let owner = require_session(actor)?;
        super::users::require_active(db, owner).await?;
        let username = normalize_username(&input.username)?;
        let display_name = text::optional("displayName", input.display_name.as_deref(), 100)?;
        // A valid hash of a random password nobody knows: the row is a normal user, and a
        // password sign-in fails the same way as for anyone else.
        let (unguessable, _) = new_secret("");
        let password_hash = self.passwords.hash(&unguessable).await?;
        let now = self.clock.now();
        let tx = begin_write(db).await?;
        let id = agent::create(&tx, AgentKind::User, now).await?;
        let email = format!("{id}@bots.invalid");
        ensure_free(&tx, &email, &username).await?;
        let bot_user = user::ActiveModel {
            id: Set(id),
            email: Set(email),
            username: Set(username),
            password_hash: Set(password_hash),
            display_name: Set(display_name),
            avatar_url: Set(None),
            bio: Set(None),
            locale: Set(None),
            account_kind: Set(BOT_KIND.into()),
            platform_role: Set(PlatformRole::User),
            status: Set(UserStatus::Active),
            status_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            password_changed_at: Set(now),
        }
        .insert(&tx)
        .await?;
        bot::ActiveModel {
            user_id: Set(id),
            owner_id: Set(owner),
            created_at: Set(now),
        }
        .insert(&tx)
        .await?;
        audit::record(&tx, actor, Entry::new("bot.created").target("user", id), now).await?;
        tx.commit().await?;
        Ok(bot_user)
    }

    pub async fn create_api_key<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateApiKey,
    ) -> Result<NewApiKey, Error> {
        let creator = require_session(actor)?;
        super::users::require_active(db, creator).await?;
        let name = text::required("name", &input.name, 100)?;
        let mut scopes: Vec<&str> = Vec::new();
        for requested in &input.scopes {
            let Some(known) = scope::ALL.iter().find(|s| **s == requested.trim()) else {
                return Err(Error::invalid(
                    "scopes",
                    format!(
                        "unknown scope {requested:?}; scopes are: {}",
                        scope::ALL.join(", ")
                    ),
                ));
            };
            if !scopes.contains(known) {
                scopes.push(known);
            }
        }
        if scopes.is_empty() {
            scopes = scope::ALL.to_vec();
        }
        let now = self.clock.now();
        if input.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::invalid("expiresAt", "the expiry must be in the future"));
        }
        let tx = tenant::write(db, actor).await?;
        let user_id = match input.bot_id {
            None => creator,
            Some(bot_id) => {
                let owned = bot::Entity::find_by_id(bot_id).one(&tx).await?;
                match owned {
                    Some(bot) if bot.owner_id == creator || actor.is_admin() => bot_id,
                    _ => return Err(Error::BotNotFound),
                }
            }
        };
        let (secret, secret_hash) = new_secret(API_KEY_PREFIX);
        let key = api_key::ActiveModel {
            id: Set(commons_core::id::new()),
            user_id: Set(user_id),
            created_by: Set(creator),
            name: Set(name),
            prefix: Set(secret.chars().take(API_KEY_PREFIX.len() + 6).collect()),
            secret_hash: Set(secret_hash),
            scopes: Set(scopes.join(",")),
            created_at: Set(now),
            expires_at: Set(input.expires_at),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&tx)
        .await?;
        audit::record(
            &tx,
            actor,
            Entry::new("api_key.created")
                .target("api_key", key.id)
                .metadata(serde_json::json!({ "user_id": user_id, "scopes": key.scopes })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(NewApiKey { key, secret })
    }

    /// Revokes a key the actor made (or, for admins, any key). It stops working at once.
    pub async fn revoke_api_key<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        key_id: Uuid,
    ) -> Result<api_key::Model, Error> {
        let creator = require_session(actor)?;
        let now = self.clock.now();
        let tx = tenant::write(db, actor).await?;
        let key = match api_key::Entity::find_by_id(key_id).one(&tx).await? {
            Some(key) if key.created_by == creator || key.user_id == creator || actor.is_admin() => key,
            _ => return Err(Error::ApiKeyNotFound),
        };
        if key.revoked_at.is_some() {
            return Ok(key);
        }
        let mut model: api_key::ActiveModel = key.into();
        model.revoked_at = Set(Some(now));
        let key = model.update(&tx).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("api_key.revoked").target("api_key", key.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(key)
    }

    /// The keys the actor made, for themselves and their bots, newest first.
    pub async fn api_keys<C: Conn>(&self, db: &C, actor: &Actor) -> Result<Vec<api_key::Model>, Error> {
        let creator = actor.user_id().ok_or(Error::NotSignedIn)?;
        let tx = tenant::read(db, actor).await?;
        let found = api_key::Entity::find()
            .filter(api_key::Column::CreatedBy.eq(creator))
            .order_by_desc(api_key::Column::Id)
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The keys of `ids` the actor made (others' do not exist for them).
    pub async fn api_keys_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<api_key::Model>, Error> {
        let Some(creator) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = api_key::Entity::find()
            .filter(api_key::Column::Id.is_in(ids.iter().copied()))
            .filter(api_key::Column::CreatedBy.eq(creator))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The bots the actor owns, in creation order.
    pub async fn bots(&self, db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<user::Model>, Error> {
        let owner = actor.user_id().ok_or(Error::NotSignedIn)?;
        let ids: Vec<Uuid> = bot::Entity::find()
            .filter(bot::Column::OwnerId.eq(owner))
            .all(db)
            .await?
            .into_iter()
            .map(|b| b.user_id)
            .collect();
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?)
    }

    /// The actor an API key speaks for, limited to the key's scopes. Revoked, expired and
    /// unknown keys, and keys of blocked users, are all `UNAUTHENTICATED`.
    pub async fn authenticate_api_key<C: Conn>(&self, db: &C, secret: &str) -> Result<Actor, Error> {
        let now = self.clock.now();
        let secret_hash = hash_token(secret.trim());
        let mut found = api_key::Entity::find()
            .filter(api_key::Column::SecretHash.eq(secret_hash.clone()))
            .find_also_related(user::Entity);
        if db.get_database_backend() == DatabaseBackend::Postgres {
            // Nobody is acting yet, and a key is its maker's and holder's alone: the row comes
            // through the function that returns the one key whose secret was presented.
            QueryTrait::query(&mut found)
                .from_clear()
                .from_function(Func::cust("commons_api_key").arg(secret_hash), api_key::Entity);
        }
        let found = found.one(db).await?;
        let (key, user) = match found {
            Some((key, Some(user)))
                if key.revoked_at.is_none()
                    && key.expires_at.is_none_or(|at| at > now)
                    && user.status == UserStatus::Active =>
            {
                (key, user)
            }
            _ => return Err(Error::InvalidApiKey),
        };
        // A bot acts for its owner: when the owner may not act, neither may the bot.
        if user.account_kind == BOT_KIND {
            let owner = bot::Entity::find_by_id(user.id)
                .one(db)
                .await?
                .map(|b| b.owner_id);
            match owner {
                Some(owner) if super::users::require_active(db, owner).await.is_ok() => {}
                _ => return Err(Error::InvalidApiKey),
            }
        }
        if key
            .last_used_at
            .is_none_or(|at| at + LAST_USED_GRANULARITY <= now)
        {
            let tx = tenant::write(db, &Actor::System).await?;
            api_key::Entity::update_many()
                .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
                .filter(api_key::Column::Id.eq(key.id))
                .exec(&tx)
                .await?;
            tx.commit().await?;
        }
        Ok(Actor::User {
            id: user.id,
            platform_role: user.platform_role.into(),
            scopes: Some(key.scope_list()),
            session: None,
        })
    }
}

/// The account kind of bots.
pub const BOT_KIND: &str = "bot";

/// Keys and bots are managed from a password session only: a stolen key cannot mint more.
fn require_session(actor: &Actor) -> Result<Uuid, Error> {
    match (actor.user_id(), actor.session_id()) {
        (Some(id), Some(_)) => Ok(id),
        (Some(_), None) => Err(Error::NeedsSession),
        (None, _) => Err(Error::NotSignedIn),
    }
}
