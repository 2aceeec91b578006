//! Sessions (ID3): login, refresh with rotation and reuse detection, logout, logout
//! everywhere, and turning an access token back into an [`Actor`].

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, tenant};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryTrait,
};
use uuid::Uuid;

use super::ClientInfo;
use crate::entity::{refresh_token, session, user};
use crate::error::Error;
use crate::token::{hash_token, new_refresh_token};
use crate::{Identity, UserStatus};

/// What a successful sign-in, registration or refresh hands back.
#[derive(Clone, Debug)]
pub struct AuthSession {
    pub access_token: String,
    pub access_expires_at: Timestamp,
    pub refresh_token: String,
    pub refresh_expires_at: Timestamp,
    pub user: user::Model,
}

#[derive(Clone, Debug)]
pub struct Login {
    pub email: String,
    pub password: String,
    pub client: ClientInfo,
}

/// Why sessions end, as stored in `sessions.revoked_reason`.
pub(crate) mod reason {
    pub const LOGOUT: &str = "logout";
    pub const LOGOUT_EVERYWHERE: &str = "logout_everywhere";
    pub const TOKEN_REUSED: &str = "refresh_token_reused";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const BLOCKED: &str = "blocked";
}

impl Identity {
    /// Signs in. An unknown email and a wrong password give the same error after the same
    /// work (a dummy hash is verified for unknown emails).
    pub async fn login<C: Conn>(&self, db: &C, _actor: &Actor, input: Login) -> Result<AuthSession, Error> {
        let email = super::accounts::normalize_email_for_lookup(&input.email);
        super::guesses::count_guess(db, &email, self.clock.now()).await?;
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(db)
            .await?;
        let verified = self
            .passwords
            .verify(&input.password, found.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        let user = match found {
            // Bots act only through API keys.
            Some(user) if verified && user.account_kind != super::api_keys::BOT_KIND => user,
            _ => return Err(Error::InvalidCredentials),
        };
        // The system forgets the guesses (only it sees their counts) and opens the session,
        // in one transaction.
        let tx = tenant::write(db, &Actor::System).await?;
        super::guesses::forget_guesses(&tx, &email).await?;
        if user.status == UserStatus::Blocked {
            tx.commit().await?;
            return Err(Error::AccountBlocked);
        }
        let session = self.start_session(&tx, user, &input.client).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Opens a session for `user` inside the caller's transaction.
    pub(crate) async fn start_session(
        &self,
        db: &impl ConnectionTrait,
        user: user::Model,
        client: &ClientInfo,
    ) -> Result<AuthSession, Error> {
        let now = self.clock.now();
        let session_id = commons_core::id::new();
        // Written without reading back: on PostgreSQL a session is its person's to read, and
        // the person is not yet acting (a registration opens its first session as nobody).
        session::Entity::insert(session::ActiveModel {
            id: Set(session_id),
            user_id: Set(user.id),
            user_agent: Set(client.user_agent()),
            ip_prefix: Set(client.ip_prefix()),
            created_at: Set(now),
            last_used_at: Set(now),
            revoked_at: Set(None),
            revoked_reason: Set(None),
        })
        .exec_without_returning(db)
        .await?;
        let signed_in = Actor::User {
            id: user.id,
            platform_role: user.platform_role.into(),
            scopes: None,
            session: Some(session_id),
        };
        audit::record(
            db,
            &signed_in,
            Entry::new("session.created").target("session", session_id),
            now,
        )
        .await?;
        self.issue(db, session_id, user, now).await
    }

    /// A new access token and a new refresh token in `session_id`.
    async fn issue(
        &self,
        db: &impl ConnectionTrait,
        session_id: Uuid,
        user: user::Model,
        now: Timestamp,
    ) -> Result<AuthSession, Error> {
        let (refresh_token, token_hash) = new_refresh_token();
        let refresh_expires_at = now + self.settings.refresh_ttl;
        refresh_token::Entity::insert(refresh_token::ActiveModel {
            id: Set(commons_core::id::new()),
            session_id: Set(session_id),
            token_hash: Set(token_hash),
            created_at: Set(now),
            expires_at: Set(refresh_expires_at),
            used_at: Set(None),
        })
        .exec_without_returning(db)
        .await?;
        let access_expires_at = now + self.settings.access_ttl;
        Ok(AuthSession {
            access_token: self
                .keys
                .issue(user.id, session_id, now, self.settings.access_ttl)
                .map_err(|e| Error::Signing(e.to_string()))?,
            access_expires_at,
            refresh_token,
            refresh_expires_at,
            user,
        })
    }

    /// Trades a refresh token for a new pair. Each refresh token works once: presenting one
    /// that was already rotated means it was stolen or replayed, and the whole session ends.
    pub async fn refresh<C: Conn>(&self, db: &C, refresh_token: &str) -> Result<AuthSession, Error> {
        let now = self.clock.now();
        // The token is the credential: it is looked up (and its session renewed) as the system,
        // which alone reads refresh tokens on PostgreSQL.
        let tx = tenant::write(db, &Actor::System).await?;
        let Some(token) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(hash_token(refresh_token.trim())))
            .one(&tx)
            .await?
        else {
            return Err(Error::InvalidRefreshToken);
        };
        // Claim the token with a conditional update: of two concurrent uses, one wins.
        let claimed = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
            .filter(refresh_token::Column::Id.eq(token.id))
            .filter(refresh_token::Column::UsedAt.is_null())
            .exec(&tx)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            revoke_sessions(
                &tx,
                session::Column::Id.eq(token.session_id),
                reason::TOKEN_REUSED,
                now,
            )
            .await?;
            tx.commit().await?;
            tracing::warn!(session = %token.session_id, "refresh token reused; session revoked");
            return Err(Error::InvalidRefreshToken);
        }
        if token.expires_at <= now {
            tx.commit().await?;
            return Err(Error::InvalidRefreshToken);
        }
        let (session, user) = live_session(&tx, token.session_id).await?;
        session::Entity::update_many()
            .col_expr(session::Column::LastUsedAt, Expr::value(now))
            .filter(session::Column::Id.eq(session.id))
            .exec(&tx)
            .await?;
        let issued = self.issue(&tx, session.id, user, now).await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The actor an access token speaks for. The token must be well-formed, signed with our
    /// key, unexpired, and its session and user still live: revoking a session or blocking a
    /// user stops their tokens at once.
    pub async fn authenticate(&self, db: &impl ConnectionTrait, access_token: &str) -> Result<Actor, Error> {
        let claims = self
            .keys
            .verify(access_token, self.clock.now())
            .ok_or(Error::SessionEnded)?;
        let (_, user) = live_session(db, claims.sid).await?;
        if user.id != claims.sub {
            return Err(Error::SessionEnded);
        }
        Ok(Actor::User {
            id: user.id,
            platform_role: user.platform_role.into(),
            scopes: None,
            session: Some(claims.sid),
        })
    }

    /// Whether the session an actor signed in with is still live (not signed out, not revoked,
    /// the user not blocked), whatever its access token's expiry: long-lived connections ask
    /// this from time to time. Actors without a session (API keys, the system) answer true.
    pub async fn still_signed_in(&self, db: &impl ConnectionTrait, actor: &Actor) -> Result<bool, Error> {
        let Some(session) = actor.session_id() else {
            return Ok(true);
        };
        match live_session(db, session).await {
            Ok((_, user)) => Ok(actor.user_id() == Some(user.id)),
            Err(Error::SessionEnded) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Ends the actor's current session.
    pub async fn logout<C: Conn>(&self, db: &C, actor: &Actor) -> Result<(), Error> {
        let session = actor.session_id().ok_or(Error::NotSignedIn)?;
        let now = self.clock.now();
        let tx = tenant::write(db, actor).await?;
        revoke_sessions(&tx, session::Column::Id.eq(session), reason::LOGOUT, now).await?;
        audit::record(
            &tx,
            actor,
            Entry::new("session.ended").target("session", session),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of the actor, on every device. Returns how many ended.
    pub async fn logout_everywhere<C: Conn>(&self, db: &C, actor: &Actor) -> Result<u64, Error> {
        let user = actor.user_id().ok_or(Error::NotSignedIn)?;
        super::admin::require_write(actor)?;
        let now = self.clock.now();
        let tx = tenant::write(db, actor).await?;
        let ended = revoke_sessions(
            &tx,
            session::Column::UserId.eq(user),
            reason::LOGOUT_EVERYWHERE,
            now,
        )
        .await?;
        audit::record(
            &tx,
            actor,
            Entry::new("session.ended_everywhere").metadata(serde_json::json!({ "sessions": ended })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}

/// The session and its user, if the session is not revoked and the user not blocked.
async fn live_session(
    db: &impl ConnectionTrait,
    session_id: Uuid,
) -> Result<(session::Model, user::Model), Error> {
    let mut found = session::Entity::find_by_id(session_id).find_also_related(user::Entity);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Nobody is acting yet, and a session is its person's alone: the row comes through
        // the function that returns the one session a signed token names.
        QueryTrait::query(&mut found)
            .from_clear()
            .from_function(Func::cust("commons_session").arg(session_id), session::Entity);
    }
    match found.one(db).await? {
        Some((session, Some(user))) if session.revoked_at.is_none() && user.status != UserStatus::Blocked => {
            Ok((session, user))
        }
        _ => Err(Error::SessionEnded),
    }
}

/// Revokes the live sessions matching `which`; returns how many.
pub(crate) async fn revoke_sessions(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
    why: &str,
    now: Timestamp,
) -> Result<u64, Error> {
    Ok(session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::RevokedReason, Expr::value(why))
        .filter(which)
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}
