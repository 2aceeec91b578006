//! Push tokens (MS2): devices register the token their push service gave them. A token
//! belongs to whoever registered it last (a shared tablet, a new sign-in), held by a unique
//! index on the token's hash.

use commons_core::db::Conn;
use commons_core::{Actor, Timestamp, tenant, text};
use commons_orgs::service::access::{active_writer, require_write, signed_in};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Messaging;
use crate::entity::push_token::{self, PushPlatform};
use crate::error::Error;

const MAX_TOKEN: usize = 4096;

/// A device that receives push notifications for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub platform: PushPlatform,
    pub token: String,
    /// When it was (last) registered.
    pub created_at: Timestamp,
}

impl From<push_token::Model> for PushToken {
    fn from(m: push_token::Model) -> PushToken {
        PushToken {
            id: m.id,
            user_id: m.user_id,
            platform: m.platform,
            token: m.token,
            created_at: m.created_at,
        }
    }
}

/// Hex SHA-256: what the unique index holds (tokens are too long for a PostgreSQL index).
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Messaging {
    /// Registers a device's token for the actor; a token someone else had registered moves to
    /// the actor.
    pub async fn register_push_token<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        platform: PushPlatform,
        token: &str,
    ) -> Result<PushToken, Error> {
        let token = text::required("token", token, MAX_TOKEN)?;
        let hash = token_hash(&token);
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        // A device that changes hands moves to its new owner: the row to take over is the
        // previous owner's, which on PostgreSQL only the system may change.
        tenant::act_as(&tx, &Actor::System).await?;
        let saved = push_token::Entity::insert(push_token::ActiveModel {
            id: Set(commons_core::id::new()),
            user_id: Set(me),
            platform: Set(platform),
            token: Set(token),
            token_hash: Set(hash.clone()),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(push_token::Column::TokenHash)
                .update_columns([
                    push_token::Column::UserId,
                    push_token::Column::Platform,
                    push_token::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await;
        tenant::act_as(&tx, actor).await?;
        saved?;
        let saved = push_token::Entity::find()
            .filter(push_token::Column::TokenHash.eq(hash))
            .one(&tx)
            .await?
            .ok_or(Error::Conflict("the token was not saved; try again"))?;
        tx.commit().await?;
        Ok(saved.into())
    }

    /// Forgets one of the actor's device tokens (signing out on that device); `false` when
    /// the actor had no such token. Works for any signed-in account, so a blocked or pending
    /// person can still stop pushes to a device.
    pub async fn remove_push_token<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        token: &str,
    ) -> Result<bool, Error> {
        let me = signed_in(actor)?;
        require_write(actor)?;
        let tx = tenant::write(db, actor).await?;
        let removed = push_token::Entity::delete_many()
            .filter(push_token::Column::TokenHash.eq(token_hash(token.trim())))
            .filter(push_token::Column::UserId.eq(me))
            .exec(&tx)
            .await?
            .rows_affected;
        tx.commit().await?;
        Ok(removed > 0)
    }

    /// The actor's device tokens among `ids` (others' do not exist for them).
    pub async fn push_tokens_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<PushToken>, Error> {
        let Some(me) = actor.user_id() else {
            return Ok(Vec::new());
        };
        let tx = tenant::read(db, actor).await?;
        let found = push_token::Entity::find()
            .filter(push_token::Column::Id.is_in(ids.iter().copied()))
            .filter(push_token::Column::UserId.eq(me))
            .all(&tx)
            .await?;
        tx.commit().await?;
        Ok(found.into_iter().map(PushToken::from).collect())
    }
}
