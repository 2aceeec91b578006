//! Bots and personal API keys (ID7) in GraphQL.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use commons_core::Timestamp;
use commons_identity::entity::api_key;
use commons_identity::service::api_keys::{CreateApiKey, CreateBot};

use super::load_users;
use super::types::User;
use crate::error::GqlResult;
use crate::schema::context::ContextExt;
use crate::schema::idempotency;
use crate::schema::node::{expect_id, global_id};

/// A personal API key. Send it as `Authorization: Bearer <secret>`.
pub struct ApiKey(pub api_key::Model);

#[Object]
impl ApiKey {
    pub async fn id(&self) -> ID {
        global_id("ApiKey", self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The secret's first characters, to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// `read`, `write`.
    async fn scopes(&self) -> Vec<String> {
        self.0.scope_list()
    }

    /// The user (or bot) the key acts as.
    async fn user_id(&self) -> ID {
        global_id("User", self.0.user_id)
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    async fn expires_at(&self) -> Option<Timestamp> {
        self.0.expires_at
    }

    /// To the minute.
    async fn last_used_at(&self) -> Option<Timestamp> {
        self.0.last_used_at
    }

    async fn revoked_at(&self) -> Option<Timestamp> {
        self.0.revoked_at
    }
}

/// A new key with its secret. The secret is shown this once; only its hash is kept.
#[derive(SimpleObject)]
pub struct ApiKeyWithSecret {
    pub api_key: ApiKey,
    pub secret: String,
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    name: String,
    /// `read`, `write`; both when omitted.
    #[graphql(default)]
    scopes: Vec<String>,
    expires_at: Option<Timestamp>,
    /// Make the key for one of your bots.
    bot_id: Option<ID>,
}

#[derive(InputObject)]
pub struct CreateBotInput {
    username: String,
    display_name: Option<String>,
}

#[derive(Default)]
pub struct ApiKeysQuery;

#[Object]
impl ApiKeysQuery {
    /// The API keys you made, for yourself and your bots, newest first.
    async fn api_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiKey>> {
        let s = ctx.services();
        Ok(s.identity
            .api_keys(&s.db, ctx.actor()?)
            .await
            .gql()?
            .into_iter()
            .map(ApiKey)
            .collect())
    }

    /// The bots you own.
    async fn bots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        let s = ctx.services();
        Ok(s.identity
            .bots(&s.db, ctx.actor()?)
            .await
            .gql()?
            .into_iter()
            .map(User::from)
            .collect())
    }
}

#[derive(Default)]
pub struct ApiKeysMutation;

#[Object]
impl ApiKeysMutation {
    /// Creates an API key. Needs a password session: keys cannot make keys.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<ApiKeyWithSecret> {
        let s = ctx.services();
        let create = CreateApiKey {
            name: input.name,
            scopes: input.scopes,
            expires_at: input.expires_at,
            bot_id: input
                .bot_id
                .map(|id| expect_id(&id, "User", "botId"))
                .transpose()?,
        };
        let created = s
            .identity
            .create_api_key(&s.db, ctx.actor()?, create)
            .await
            .gql()?;
        Ok(ApiKeyWithSecret {
            api_key: ApiKey(created.key),
            secret: created.secret,
        })
    }

    /// Revokes a key at once.
    async fn revoke_api_key(&self, ctx: &Context<'_>, api_key_id: ID) -> async_graphql::Result<ApiKey> {
        let s = ctx.services();
        let id = expect_id(&api_key_id, "ApiKey", "apiKeyId")?;
        Ok(ApiKey(
            s.identity.revoke_api_key(&s.db, ctx.actor()?, id).await.gql()?,
        ))
    }

    /// Creates a bot you own. Bots act through API keys only.
    async fn create_bot(
        &self,
        ctx: &Context<'_>,
        input: CreateBotInput,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<User> {
        let s = ctx.services();
        let create = CreateBot {
            username: input.username,
            display_name: input.display_name,
        };
        idempotency::create_once(
            ctx,
            idempotency_key.as_deref(),
            async |id| Ok(load_users(ctx, vec![id]).await?.remove(&id)),
            async |db| {
                Ok(User::from(
                    s.identity.create_bot(db, ctx.actor()?, create).await.gql()?,
                ))
            },
            |bot| bot.model.id,
        )
        .await
    }
}
