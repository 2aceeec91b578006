//! Accounts: registration (ID2), profile and password (ID5).

use commons_core::db::{Conn, begin_write};
use commons_core::{Actor, AgentKind, agent, tenant};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, SqlErr};
use uuid::Uuid;

use super::ClientInfo;
use super::sessions::{AuthSession, reason, revoke_sessions};
use crate::entity::{session, user, visitor};
use crate::error::Error;
use crate::password::check_policy;
use crate::{Identity, PlatformRole, UserStatus};
use commons_core::text;

#[derive(Clone, Debug, Default)]
pub struct Register {
    pub email: String,
    pub username: String,
    pub password: String,
    /// One of the platform's account kinds; the first configured kind when absent.
    pub account_kind: Option<String>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    /// The visitor this person was before signing up (ID1); linked to the new user.
    pub visitor_id: Option<Uuid>,
    pub client: ClientInfo,
}

/// A checked registration with its password hashed, ready to be written.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub username: String,
    password_hash: String,
    kind: crate::AccountKind,
    display_name: Option<String>,
    locale: Option<String>,
    visitor_id: Option<Uuid>,
    client: ClientInfo,
}

#[derive(Clone, Debug, Default)]
pub struct UpdateProfile {
    /// `None` leaves a field as it is; `Some("")` clears it.
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    pub locale: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Usernames that would be confused with the platform itself.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "support",
    "commons",
    "api",
    "graphql",
    "me",
    "null",
    "undefined",
    "anonymous",
    "moderator",
    "staff",
    "help",
    "settings",
];

/// Trimmed and lower-cased, then checked for a plausible shape. Deliverability is the job of
/// a confirmation email, not of a pattern.
pub fn normalize_email(email: &str) -> Result<String, Error> {
    let email = normalize_email_for_lookup(email);
    let bad = |message: &str| Err(Error::invalid("email", message));
    if email.chars().count() > 254 {
        return bad("the email address must be at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad("the email address needs an @");
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return bad("the part before @ must be 1 to 64 characters, with no second @");
    }
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    if !domain.contains('.') || !labels_ok || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("this does not look like an email address");
    }
    Ok(email)
}

/// The form emails are stored and looked up in.
pub(crate) fn normalize_email_for_lookup(email: &str) -> String {
    email.trim().to_lowercase()
}

/// 3 to 32 of a–z, 0–9 and `_`, starting with a letter; stored lower-cased, so `Alice` and
/// `alice` are the same name.
pub fn normalize_username(username: &str) -> Result<String, Error> {
    let name = username.trim().to_lowercase();
    let bad = |message: &str| Err(Error::invalid("username", message));
    let length = name.chars().count();
    if !(3..=32).contains(&length) {
        return bad("the username must be 3 to 32 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return bad("the username may contain only letters a–z, digits and _");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return bad("the username must start with a letter");
    }
    if RESERVED_USERNAMES.contains(&name.as_str()) {
        return bad("this username is reserved");
    }
    Ok(name)
}

impl Identity {
    /// Creates an account and signs it in. Accounts of a kind that requires approval start as
    /// `PENDING`; they can sign in and see that, and nothing more, until an admin decides.
    pub async fn register<C: Conn>(
        &self,
        db: &C,
        _actor: &Actor,
        input: Register,
    ) -> Result<AuthSession, Error> {
        let account = self.prepare_registration(input).await?;
        self.create_account(db, account).await
    }

    /// Checks a registration and hashes its password, outside any transaction: the write lock
    /// is not held through 20 ms of argon2. [`Identity::create_account`] finishes it.
    pub async fn prepare_registration(&self, input: Register) -> Result<NewAccount, Error> {
        let email = normalize_email(&input.email)?;
        let username = normalize_username(&input.username)?;
        check_policy(&input.password, &username, &email)?;
        let kind = match input.account_kind.as_deref().map(str::trim) {
            None | Some("") => self.settings.account_kinds.first(),
            Some(name) => self.settings.account_kinds.iter().find(|k| k.name == name),
        }
        .ok_or_else(|| {
            let names: Vec<&str> = self
                .settings
                .account_kinds
                .iter()
                .map(|k| k.name.as_str())
                .collect();
            Error::invalid(
                "accountKind",
                format!("the account kind must be one of: {}", names.join(", ")),
            )
        })?
        .clone();
        let display_name = text::optional("displayName", input.display_name.as_deref(), 100)?;
        let locale = text::optional("locale", input.locale.as_deref(), 35)?;
        let password_hash = self.passwords.hash(&input.password).await?;
        Ok(NewAccount {
            email,
            username,
            password_hash,
            kind,
            display_name,
            locale,
            visitor_id: input.visitor_id,
            client: input.client,
        })
    }

    /// Writes a prepared account and opens its first session, in `db`'s transaction when it
    /// is one (an invite accepted at registration joins it).
    pub async fn create_account<C: Conn>(&self, db: &C, account: NewAccount) -> Result<AuthSession, Error> {
        let NewAccount {
            email,
            username,
            password_hash,
            kind,
            display_name,
            locale,
            visitor_id,
            client,
        } = account;
        let now = self.clock.now();
        let tx = begin_write(db).await?;
        ensure_free(&tx, &email, &username).await?;
        let id = agent::create(&tx, AgentKind::User, now).await?;
        let inserted = user::ActiveModel {
            id: Set(id),
            email: Set(email.clone()),
            username: Set(username.clone()),
            password_hash: Set(password_hash),
            display_name: Set(display_name),
            avatar_url: Set(None),
            bio: Set(None),
            locale: Set(locale),
            account_kind: Set(kind.name.clone()),
            platform_role: Set(PlatformRole::User),
            status: Set(if kind.requires_approval {
                UserStatus::Pending
            } else {
                UserStatus::Active
            }),
            status_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            password_changed_at: Set(now),
        }
        .insert(&tx)
        .await;
        let user = match inserted {
            Ok(user) => user,
            // A concurrent registration took the email or username between check and insert.
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                drop(tx);
                return Err(taken(db, &email, &username).await);
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(visitor_id) = visitor_id {
            // Visitors are the system's on PostgreSQL; the registration goes on anonymous.
            tenant::act_as(&tx, &Actor::System).await?;
            visitor::Entity::update_many()
                .col_expr(visitor::Column::UserId, Expr::value(user.id))
                .filter(visitor::Column::Id.eq(visitor_id))
                .filter(visitor::Column::UserId.is_null())
                .exec(&tx)
                .await?;
            tenant::act_as(&tx, &Actor::ANONYMOUS).await?;
        }
        let session = self.start_session(&tx, user, &client).await?;
        tx.commit().await?;
        Ok(session)
    }

    pub async fn update_profile<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: UpdateProfile,
    ) -> Result<user::Model, Error> {
        let id = actor.user_id().ok_or(Error::NotSignedIn)?;
        super::admin::require_write(actor)?;
        let avatar_url = text::optional_url("avatarUrl", input.avatar_url.as_deref())?;
        let tx = begin_write(db).await?;
        let current = user::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(Error::NotSignedIn)?;
        let mut model: user::ActiveModel = current.into();
        if input.display_name.is_some() {
            model.display_name = Set(text::optional("displayName", input.display_name.as_deref(), 100)?);
        }
        if input.avatar_url.is_some() {
            model.avatar_url = Set(avatar_url);
        }
        if input.bio.is_some() {
            model.bio = Set(text::optional("bio", input.bio.as_deref(), 2000)?);
        }
        if input.locale.is_some() {
            model.locale = Set(text::optional("locale", input.locale.as_deref(), 35)?);
        }
        model.updated_at = Set(self.clock.now());
        let user = model.update(&tx).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Changes the password and ends every other session of the user; the session this call
    /// came from stays signed in.
    pub async fn change_password<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: ChangePassword,
    ) -> Result<user::Model, Error> {
        let id = actor.user_id().ok_or(Error::NotSignedIn)?;
        if actor.session_id().is_none() {
            return Err(Error::NeedsSession);
        }
        let current = user::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(Error::NotSignedIn)?;
        // A stolen session must not become a way to guess the password behind it.
        super::guesses::count_guess(db, &current.email, self.clock.now()).await?;
        if !self
            .passwords
            .verify(&input.current_password, Some(&current.password_hash))
            .await?
        {
            return Err(Error::WrongCurrentPassword);
        }
        let forgetting = tenant::write(db, &Actor::System).await?;
        super::guesses::forget_guesses(&forgetting, &current.email).await?;
        forgetting.commit().await?;
        let field_error = |e: Error| match e {
            Error::Invalid { message, .. } => Error::invalid("newPassword", message),
            other => other,
        };
        check_policy(&input.new_password, &current.username, &current.email).map_err(field_error)?;
        if input.new_password == input.current_password {
            return Err(Error::invalid(
                "newPassword",
                "the new password must differ from the current one",
            ));
        }
        let hash = self.passwords.hash(&input.new_password).await?;
        let now = self.clock.now();
        let tx = tenant::write(db, actor).await?;
        let mut model: user::ActiveModel = current.into();
        model.password_hash = Set(hash);
        model.password_changed_at = Set(now);
        model.updated_at = Set(now);
        let user = model.update(&tx).await?;
        let mut others = session::Column::UserId.eq(id);
        if let Some(current_session) = actor.session_id() {
            others = others.and(session::Column::Id.ne(current_session));
        }
        revoke_sessions(&tx, others, reason::PASSWORD_CHANGED, now).await?;
        tx.commit().await?;
        Ok(user)
    }
}

pub(crate) async fn ensure_free(
    db: &impl sea_orm::ConnectionTrait,
    email: &str,
    username: &str,
) -> Result<(), Error> {
    let clash = user::Entity::find()
        .filter(
            user::Column::Email
                .eq(email)
                .or(user::Column::Username.eq(username)),
        )
        .one(db)
        .await?;
    match clash {
        Some(u) if u.email == email => Err(Error::EmailTaken),
        Some(_) => Err(Error::UsernameTaken),
        None => Ok(()),
    }
}

/// Which of the two was taken, after a unique violation.
async fn taken(db: &impl sea_orm::ConnectionTrait, email: &str, username: &str) -> Error {
    match ensure_free(db, email, username).await {
        Err(e) => e,
        Ok(()) => Error::EmailTaken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Alice@Example.ORG ").unwrap(),
            "alice@example.org"
        );
        for bad in [
            "alice",
            "alice@",
            "@example.org",
            "a@b",
            "a b@example.org",
            "a@@example.org",
            "a@-x.org",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(normalize_username(" Alice_1 ").unwrap(), "alice_1");
        for bad in [
            "al",
            "1alice",
            "alice!",
            "a".repeat(33).as_str(),
            "admin",
            "алиса",
        ] {
            assert!(normalize_username(bad).is_err(), "{bad} should be refused");
        }
    }
}
