//! Row level security finished as a second wall (issue 15, 7) on PostgreSQL:
//!
//! - **The admin switch** `commons.is_admin` counts only in a session whose login holds the
//!   role `commons_system`. The server's login does (the migrating role is granted it here;
//!   an operator who serves under another login grants it to that one); a login that holds
//!   only `commons_app`, a reporting tool's say, cannot read everything by setting it.
//! - **Messaging**: a conversation, its participants and its messages are there for the people
//!   in it; device tokens and notification settings for their owner.
//! - **The outbox**: events tell of everyone's doings; only the system reads them.
//! - **Credentials**: sessions are their person's, API keys their maker's and holder's;
//!   refresh tokens and password guess counts the system's. Signing in looks a session up
//!   by the id its signed token names, and an API key by its secret's hash, before anyone is
//!   acting: through `SECURITY DEFINER` functions that find that one row, so the id or the
//!   hash is the credential and nothing can be listed.
//!
//! - **Reactions and ratings** follow what they are about: a private resource's reactions,
//!   counts and ratings are there for those who see it (a rating of a person for everyone).
//! - **Invites' acceptances and departments** follow the invite; **visitors** (addresses,
//!   user agents, campaign tags) are the system's.
//!
//! Left readable by everyone, on purpose: public directories and profiles (`users`,
//! `organizations`, `agents`, `bots`), points, badges and activities shown on profiles,
//! uploaded media (served to whoever has its id) and booking slots (a spot's availability;
//! who booked is in `bookings`, walled).
//!
//! Inserts stay free (the services check who writes), as on every walled table.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::m20261125_000005_tenant_isolation::APP_ROLE;
use crate::util::{drop_row_policies, row_policies, row_policies_split};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The role whose members' sessions may act as the system.
pub const SYSTEM_ROLE: &str = "commons_system";

/// Tables a person owns alone (`user_id`).
const OWN: [&str; 2] = ["push_tokens", "notification_settings"];

/// Tables only the system reads.
const SYSTEM_ONLY: [&str; 5] = [
    "outbox_events",
    "outbox_handled",
    "refresh_tokens",
    "password_attempts",
    "visitors",
];

/// Tables whose rows are about one resource (`resource_id`) and follow its visibility.
const OF_A_RESOURCE: [&str; 2] = ["reactions", "reaction_counts"];

const ADMIN: &str = "(SELECT commons_is_admin())";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        // Roles belong to the cluster: another database may have made it already.
        db.execute_unprepared(&format!(
            "DO $$ BEGIN CREATE ROLE {SYSTEM_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$; \
             GRANT {SYSTEM_ROLE} TO CURRENT_USER;"
        ))
        .await?;
        // `session_user` is the login, which `SET ROLE commons_app` leaves as it was.
        db.execute_unprepared(&format!(
            "CREATE OR REPLACE FUNCTION commons_is_admin() RETURNS boolean LANGUAGE sql STABLE AS \
             $$ SELECT coalesce(current_setting('commons.is_admin', true), '') = 'on' \
                AND pg_has_role(session_user, '{SYSTEM_ROLE}', 'MEMBER') $$"
        ))
        .await?;
        // Whether the actor is in a conversation, read past the participants' own policy (which
        // asks this very question of the other participants' rows).
        db.execute_unprepared(&format!(
            "CREATE FUNCTION commons_in_conversation(conversation uuid) RETURNS boolean \
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS \
             $$ SELECT EXISTS (SELECT 1 FROM conversation_participants \
                WHERE conversation_id = conversation AND user_id = commons_actor()) $$; \
             GRANT EXECUTE ON FUNCTION commons_in_conversation(uuid) TO {APP_ROLE};"
        ))
        .await?;
        let participant_of = |conversation: &str| {
            format!(
                "EXISTS (SELECT 1 FROM conversation_participants p \
                 WHERE p.conversation_id = {conversation} AND p.user_id = (SELECT commons_actor()))"
            )
        };
        // A private conversation is also there for either of its pair after they left it:
        // starting it again finds it by its pair key and puts them back in.
        row_policies(
            db,
            "conversations",
            &format!(
                "{ADMIN} OR {} OR (pair_key IS NOT NULL AND (SELECT commons_actor())::text \
                 IN (split_part(pair_key, ':', 1), split_part(pair_key, ':', 2)))",
                participant_of("conversations.id")
            ),
        )
        .await?;
        row_policies_split(
            db,
            "conversation_participants",
            &format!(
                "{ADMIN} OR user_id = (SELECT commons_actor()) \
                 OR commons_in_conversation(conversation_id)"
            ),
            &format!("{ADMIN} OR user_id = (SELECT commons_actor())"),
        )
        .await?;
        row_policies_split(
            db,
            "messages",
            &format!("{ADMIN} OR {}", participant_of("messages.conversation_id")),
            &format!("{ADMIN} OR author_id = (SELECT commons_actor())"),
        )
        .await?;
        row_policies(
            db,
            "sessions",
            &format!("{ADMIN} OR user_id = (SELECT commons_actor())"),
        )
        .await?;
        row_policies(
            db,
            "api_keys",
            &format!("{ADMIN} OR (SELECT commons_actor()) IN (created_by, user_id)"),
        )
        .await?;
        db.execute_unprepared(&format!(
            "CREATE FUNCTION commons_session(session uuid) RETURNS SETOF sessions \
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS \
             $$ SELECT * FROM sessions WHERE id = session $$; \
             CREATE FUNCTION commons_api_key(secret_hash text) RETURNS SETOF api_keys \
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS \
             $$ SELECT * FROM api_keys k WHERE k.secret_hash = commons_api_key.secret_hash $$; \
             GRANT EXECUTE ON FUNCTION commons_session(uuid), commons_api_key(text) TO {APP_ROLE};"
        ))
        .await?;
        for table in OF_A_RESOURCE {
            row_policies(
                db,
                table,
                &format!("EXISTS (SELECT 1 FROM resources r WHERE r.id = {table}.resource_id)"),
            )
            .await?;
        }
        row_policies(
            db,
            "ratings",
            &format!(
                "{ADMIN} OR rater_id = (SELECT commons_actor()) \
                 OR EXISTS (SELECT 1 FROM resources r WHERE r.id = ratings.target_id) \
                 OR EXISTS (SELECT 1 FROM agents a WHERE a.id = ratings.target_id)"
            ),
        )
        .await?;
        let through_invite =
            |table: &str| format!("EXISTS (SELECT 1 FROM invites i WHERE i.id = {table}.invite_id)");
        row_policies(
            db,
            "invite_acceptances",
            &format!(
                "{ADMIN} OR (SELECT commons_actor()) IN (user_id, inviter_id) OR {}",
                through_invite("invite_acceptances")
            ),
        )
        .await?;
        row_policies(db, "invite_departments", &through_invite("invite_departments")).await?;
        for table in OWN {
            row_policies(
                db,
                table,
                &format!("{ADMIN} OR user_id = (SELECT commons_actor())"),
            )
            .await?;
        }
        for table in SYSTEM_ONLY {
            row_policies(db, table, ADMIN).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP FUNCTION commons_session(uuid); DROP FUNCTION commons_api_key(text);")
            .await?;
        let walled = [
            "conversations",
            "conversation_participants",
            "messages",
            "sessions",
            "api_keys",
            "ratings",
            "invite_acceptances",
            "invite_departments",
        ]
        .into_iter()
        .chain(OF_A_RESOURCE)
        .chain(OWN)
        .chain(SYSTEM_ONLY);
        for table in walled {
            drop_row_policies(db, table).await?;
        }
        db.execute_unprepared(
            "DROP FUNCTION commons_in_conversation(uuid); \
             CREATE OR REPLACE FUNCTION commons_is_admin() RETURNS boolean LANGUAGE sql STABLE AS \
             $$ SELECT coalesce(current_setting('commons.is_admin', true), '') = 'on' $$",
        )
        .await?;
        Ok(())
    }
}
