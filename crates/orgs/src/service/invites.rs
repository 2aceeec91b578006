//! Invites (ID4), first of all for registration. An invite has an unguessable code and may
//! be locked to an email, expire, and be limited in uses; it may be revoked. Accepting one,
//! while registering or signed in, applies all of it in one transaction: the organization
//! membership with the invite's role, its departments, the referral credited to the inviter,
//! and, for a new account, the sign-up bonus to both. The use count is claimed with a
//! conditional UPDATE, so `max_uses` holds under concurrent accepts.

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::outbox;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, Timestamp, tenant};
use commons_identity::AuthSession;
use commons_identity::entity::user;
use commons_identity::service::accounts::{Register, normalize_email};
use commons_identity::service::points::{self, reason};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, SqlErr,
};
use uuid::Uuid;

use super::access::{self, active_writer, require_active};
use super::departments::{ensure_member, join_if_absent};
use crate::Orgs;
use crate::entity::{department, invite, invite_acceptance, invite_department, membership};
use crate::error::Error;
use crate::events::{InviteAccepted, InviteCreated};
use crate::permission::{self, Permission, Role};
use crate::text::new_code;

#[derive(Clone, Debug, Default)]
pub struct CreateInvite {
    /// Invite into this organization; without it the invite is a plain referral.
    pub org_id: Option<Uuid>,
    /// The role in the organization; `member` when absent.
    pub role: Option<Role>,
    pub department_ids: Vec<Uuid>,
    pub email: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub max_uses: Option<i32>,
}

/// What an inviter's invites brought.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReferralStats {
    pub invites_sent: u64,
    /// Acceptances of the inviter's invites, by new and existing accounts.
    pub accepted: u64,
    /// Acceptances that created an account.
    pub signups: u64,
    pub bonus_earned: i64,
}

/// What accepting an invite gives: the invite and the membership it led to, if any.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub invite: invite::Model,
    pub org_id: Option<Uuid>,
}

impl Orgs {
    pub async fn create_invite<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateInvite,
    ) -> Result<invite::Model, Error> {
        let email = input
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(normalize_email)
            .transpose()?;
        let now = self.now();
        if input.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::invalid("expiresAt", "the expiry must be in the future"));
        }
        if input.max_uses.is_some_and(|n| n < 1) {
            return Err(Error::invalid("maxUses", "maxUses must be at least 1"));
        }
        let tx = tenant::write(db, actor).await?;
        let inviter = active_writer(&tx, actor).await?;
        let role = match input.org_id {
            None => {
                if input.role.is_some() || !input.department_ids.is_empty() {
                    return Err(Error::invalid(
                        "organizationId",
                        "a role and departments need an organization to invite into",
                    ));
                }
                None
            }
            Some(org_id) => {
                let access = self
                    .authorize_in(&tx, actor, org_id, None, Permission::ManageMembers)
                    .await?;
                let role = input.role.unwrap_or(Role::Member);
                if role == Role::Owner || access.rank().is_none_or(|rank| rank <= role) {
                    return Err(Error::out_ranked(
                        access.rank().unwrap_or(Role::Member),
                        "invite",
                        role,
                    ));
                }
                if !role.is_member() && !input.department_ids.is_empty() {
                    return Err(Error::invalid(
                        "departmentIds",
                        "subscribers do not join departments; invite as a member",
                    ));
                }
                let found = department::Entity::find()
                    .filter(department::Column::Id.is_in(input.department_ids.iter().copied()))
                    .filter(department::Column::OrgId.eq(org_id))
                    .count(&tx)
                    .await?;
                if found as usize != dedup(&input.department_ids).len() {
                    return Err(Error::invalid(
                        "departmentIds",
                        "every department must belong to the organization",
                    ));
                }
                Some(role)
            }
        };
        let invite = invite::ActiveModel {
            id: Set(commons_core::id::new()),
            code: Set(new_code()),
            inviter_id: Set(inviter),
            org_id: Set(input.org_id),
            role: Set(role),
            email: Set(email),
            expires_at: Set(input.expires_at),
            max_uses: Set(input.max_uses),
            uses: Set(0),
            revoked_at: Set(None),
            created_at: Set(now),
        }
        .insert(&tx)
        .await?;
        for department_id in dedup(&input.department_ids) {
            invite_department::Entity::insert(invite_department::ActiveModel {
                invite_id: Set(invite.id),
                department_id: Set(department_id),
            })
            .exec_without_returning(&tx)
            .await?;
        }
        let entry = Entry::new("invite.created")
            .target("invite", invite.id)
            .in_org(invite.org_id);
        audit::record(&tx, actor, entry, now).await?;
        let event = InviteCreated {
            invite: invite.id,
            email: invite.email.clone(),
            role: invite.role.map(|r| r.name().to_owned()),
            org: invite.org_id,
        };
        outbox::append(&tx, actor, &event, now).await?;
        tx.commit().await?;
        Ok(invite)
    }

    /// Revokes an invite: the inviter, or whoever manages the organization's members.
    pub async fn revoke_invite<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        invite_id: Uuid,
    ) -> Result<invite::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let invite = self.managed_invite(&tx, actor, user_id, invite_id).await?;
        if invite.revoked_at.is_some() {
            return Ok(invite);
        }
        let mut model: invite::ActiveModel = invite.into();
        model.revoked_at = Set(Some(now));
        let invite = model.update(&tx).await?;
        let entry = Entry::new("invite.revoked")
            .target("invite", invite.id)
            .in_org(invite.org_id);
        audit::record(&tx, actor, entry, now).await?;
        tx.commit().await?;
        Ok(invite)
    }

    /// One invite, with its code, to whoever may revoke it: its inviter, or whoever manages the
    /// organization's members.
    pub async fn invite<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        invite_id: Uuid,
    ) -> Result<invite::Model, Error> {
        let user_id = access::signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let invite = self.managed_invite(&tx, actor, user_id, invite_id).await?;
        tx.commit().await?;
        Ok(invite)
    }

    /// The invites of `ids` the actor made or manages (as [`Orgs::invite`] decides), asking
    /// once per organization; others do not exist for them.
    pub async fn invites_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<invite::Model>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let rows = invite::Entity::find()
            .filter(invite::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await?;
        let mut manages = commons_core::AskOnce::default();
        let mut seen = Vec::with_capacity(rows.len());
        for row in rows {
            let shown = match row.org_id {
                _ if row.inviter_id == me => true,
                None => actor.is_admin(),
                Some(org_id) => {
                    manages
                        .get(org_id, async |org_id| {
                            match access::access_in(&tx, actor, org_id, None).await {
                                Ok(access) => Ok(access.allows(Permission::ManageMembers)),
                                Err(Error::OrganizationNotFound) => Ok(false),
                                Err(e) => Err(e),
                            }
                        })
                        .await?
                }
            };
            if shown {
                seen.push(row);
            }
        }
        tx.commit().await?;
        Ok(seen)
    }

    /// The invite if `user_id` made it or manages its organization's members; to anyone
    /// else it does not exist.
    async fn managed_invite<C: ConnectionTrait>(
        &self,
        tx: &C,
        actor: &Actor,
        user_id: Uuid,
        invite_id: Uuid,
    ) -> Result<invite::Model, Error> {
        let invite = invite::Entity::find_by_id(invite_id)
            .one(tx)
            .await?
            .ok_or(Error::InviteNotFound)?;
        if invite.inviter_id != user_id {
            match invite.org_id {
                Some(org_id) => {
                    self.authorize_in(tx, actor, org_id, None, Permission::ManageMembers)
                        .await?;
                }
                None if actor.is_admin() => {}
                None => return Err(Error::InviteNotFound),
            }
        }
        Ok(invite)
    }

    /// Invites still usable: the actor's own, or, with `org_id`, the organization's (for those
    /// who manage its members). Newest first.
    pub async fn pending_invites<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        org_id: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<invite::Model>, Error> {
        let user_id = access::signed_in(actor)?;
        let now = self.now();
        let tx = tenant::read(db, actor).await?;
        let mut query = invite::Entity::find().filter(usable(now));
        query = match org_id {
            Some(org_id) => {
                let access = access::access_in(&tx, actor, org_id, None).await?;
                if !access.allows(Permission::ManageMembers) {
                    return Err(Error::Forbidden(Permission::ManageMembers));
                }
                query.filter(invite::Column::OrgId.eq(org_id))
            }
            None => query.filter(invite::Column::InviterId.eq(user_id)),
        };
        let order = Keyset::newest_first(invite::Column::Id);
        let page = page::fetch(&tx, query, order, page, |i| Cursor::by_id(i.id)).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// A signed-in user accepts an invite.
    pub async fn accept_invite<C: Conn>(&self, db: &C, actor: &Actor, code: &str) -> Result<Accepted, Error> {
        let tx = tenant::write(db, actor).await?;
        let user_id = active_writer(&tx, actor).await?;
        let email = user::Entity::find_by_id(user_id)
            .one(&tx)
            .await?
            .map(|u| u.email)
            .ok_or(Error::NotSignedIn)?;
        let accepted = self.apply(&tx, actor, code, user_id, &email, false).await?;
        tx.commit().await?;
        Ok(accepted)
    }

    /// Registers and accepts an invite in one transaction: if the invite cannot be used,
    /// no account is made.
    pub async fn register_with_invite<C: Conn>(
        &self,
        db: &C,
        input: Register,
        code: &str,
    ) -> Result<(AuthSession, Accepted), Error> {
        let account = self.identity.prepare_registration(input).await?;
        let tx = tenant::write(db, &Actor::ANONYMOUS).await?;
        let session = self.identity.create_account(&tx, account).await?;
        // An account that waits for approval can do nothing yet, accepting included; the
        // transaction rolls back, so no account is left half-invited.
        if session.user.status != commons_identity::UserStatus::Active {
            return Err(commons_identity::Error::AccountNotActive("pending").into());
        }
        let actor = Actor::User {
            id: session.user.id,
            platform_role: session.user.platform_role.into(),
            scopes: None,
            session: None,
        };
        let accepted = self
            .apply(&tx, &actor, code, session.user.id, &session.user.email, true)
            .await?;
        tx.commit().await?;
        Ok((session, accepted))
    }

    /// Invites sent, accepted, and the points they earned the actor.
    pub async fn referral_stats<C: Conn>(&self, db: &C, actor: &Actor) -> Result<ReferralStats, Error> {
        let user_id = access::signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let invites_sent = invite::Entity::find()
            .filter(invite::Column::InviterId.eq(user_id))
            .count(&tx)
            .await?;
        let accepted = invite_acceptance::Entity::find()
            .filter(invite_acceptance::Column::InviterId.eq(user_id))
            .count(&tx)
            .await?;
        let signups = invite_acceptance::Entity::find()
            .filter(invite_acceptance::Column::InviterId.eq(user_id))
            .filter(invite_acceptance::Column::NewAccount.eq(true))
            .count(&tx)
            .await?;
        let bonus_earned = points::total(&tx, user_id, Some(reason::REFERRAL)).await?;
        tx.commit().await?;
        Ok(ReferralStats {
            invites_sent,
            accepted,
            signups,
            bonus_earned,
        })
    }

    /// Everything accepting does, in the caller's transaction.
    async fn apply(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        code: &str,
        user_id: Uuid,
        email: &str,
        new_account: bool,
    ) -> Result<Accepted, Error> {
        let now = self.now();
        // The code is the credential: the invite is looked up and used past the member-only
        // wall, after the checks below.
        tenant::act_as(tx, &Actor::System).await?;
        let invite = invite::Entity::find()
            .filter(invite::Column::Code.eq(code.trim()))
            .one(tx)
            .await?
            .ok_or(Error::InviteNotFound)?;
        if invite.email.as_deref().is_some_and(|locked| locked != email) {
            return Err(Error::InviteForAnotherEmail);
        }
        if invite.inviter_id == user_id {
            return Err(Error::invalid("code", "you cannot accept your own invite"));
        }
        let grants = invite
            .org_id
            .map(|org| (org, invite.role.unwrap_or(Role::Member)));
        inviter_may_still_invite(tx, &invite, grants).await?;
        let claimed = invite::Entity::update_many()
            .col_expr(invite::Column::Uses, Expr::col(invite::Column::Uses).add(1))
            .filter(invite::Column::Id.eq(invite.id))
            .filter(usable(now))
            .exec(tx)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            return Err(Error::InviteUnusable(if invite.revoked_at.is_some() {
                "has been revoked"
            } else if invite.expires_at.is_some_and(|at| at <= now) {
                "has expired"
            } else {
                "has been used up"
            }));
        }
        let acceptance = invite_acceptance::Entity::insert(invite_acceptance::ActiveModel {
            id: Set(commons_core::id::new()),
            invite_id: Set(invite.id),
            user_id: Set(user_id),
            inviter_id: Set(invite.inviter_id),
            new_account: Set(new_account),
            accepted_at: Set(now),
        })
        .exec_without_returning(tx)
        .await;
        match acceptance {
            Ok(_) => {}
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::InviteAlreadyAccepted);
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(org_id) = invite.org_id {
            let org = super::organizations::reload(tx, org_id).await?;
            require_active(&org)?;
            let role = invite.role.unwrap_or(Role::Member);
            ensure_member(tx, &org, user_id, role, now).await?;
            let departments: Vec<Uuid> = invite_department::Entity::find()
                .filter(invite_department::Column::InviteId.eq(invite.id))
                .all(tx)
                .await?
                .into_iter()
                .map(|d| d.department_id)
                .collect();
            for department in department::Entity::find()
                .filter(department::Column::Id.is_in(departments))
                .all(tx)
                .await?
            {
                join_if_absent(tx, &department, user_id, now).await?;
            }
        }
        if new_account {
            points::award(
                tx,
                user_id,
                self.settings.signup_bonus,
                reason::SIGNUP_BONUS,
                user_id,
                now,
            )
            .await?;
            points::award(
                tx,
                invite.inviter_id,
                self.settings.referral_bonus,
                reason::REFERRAL,
                user_id,
                now,
            )
            .await?;
        }
        // Read back while still past the wall: the acceptor may not be able to see the invite.
        let invite = invite::Entity::find_by_id(invite.id)
            .one(tx)
            .await?
            .unwrap_or(invite);
        tenant::act_as(tx, actor).await?;
        let entry = Entry::new("invite.accepted")
            .target("invite", invite.id)
            .in_org(invite.org_id)
            .metadata(serde_json::json!({ "inviter": invite.inviter_id, "new_account": new_account }));
        audit::record(tx, actor, entry, now).await?;
        let event = InviteAccepted {
            invite: invite.id,
            inviter: invite.inviter_id,
            user: actor.user_id(),
            org: invite.org_id,
        };
        outbox::append(tx, actor, &event, now).await?;
        let org_id = invite.org_id;
        Ok(Accepted { invite, org_id })
    }
}

/// An invite speaks for its inviter: it works only while they may still invite to its role
/// (removed, demoted, blocked or rejected inviters' invites stop).
async fn inviter_may_still_invite(
    db: &impl ConnectionTrait,
    invite: &invite::Model,
    grants: Option<(Uuid, Role)>,
) -> Result<(), Error> {
    let inviter = user::Entity::find_by_id(invite.inviter_id).one(db).await?;
    let active = inviter
        .as_ref()
        .is_some_and(|u| u.status == commons_identity::UserStatus::Active);
    let platform_admin = inviter
        .as_ref()
        .is_some_and(|u| u.platform_role == commons_identity::PlatformRole::Admin);
    let may = match grants {
        _ if !active => false,
        None => true,
        Some(_) if platform_admin => true,
        Some((org_id, role)) => membership::Entity::find()
            .filter(membership::Column::OrgId.eq(org_id))
            .filter(membership::Column::UserId.eq(invite.inviter_id))
            .one(db)
            .await?
            .is_some_and(|m| permission::role_allows(m.role, Permission::ManageMembers) && m.role > role),
    };
    if may {
        Ok(())
    } else {
        Err(Error::InviteUnusable(
            "is no longer valid: its sender can no longer invite to it",
        ))
    }
}

/// Not revoked, not expired, not used up.
fn usable(now: Timestamp) -> Condition {
    Condition::all()
        .add(invite::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(invite::Column::ExpiresAt.is_null())
                .add(invite::Column::ExpiresAt.gt(now)),
        )
        .add(
            Condition::any()
                .add(invite::Column::MaxUses.is_null())
                .add(Expr::col(invite::Column::Uses).lt(Expr::col(invite::Column::MaxUses))),
        )
}

fn dedup(ids: &[Uuid]) -> Vec<Uuid> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    ids
}
