//! GW7 in GraphQL: every creating mutation takes an optional `idempotencyKey`. With one, the
//! mutation runs inside a transaction that first claims the key (`commons_core::idempotency`)
//! and at the end records what it created, so a replay of the same request by the same person
//! returns that object (read again, as it is now) and creates nothing. The request is told
//! apart from a reused key by a digest of the field's name and arguments (without the key),
//! with object fields in a fixed order.
//!
//! A resolver hands [`create_once`] how to read what a key made and how to create it; the
//! service writes through the executor it is given (the key's transaction when keyed).
//!
//! Not keyed, on purpose: `register` (anonymous, and an email is already unique),
//! `createApiKey` (its secret is shown once, so a replay could not return it), and the
//! mutations that are idempotent by their nature (`registerForEvent`, reactions, joins).

use async_graphql::{Context, Name, Value};
use commons_core::idempotency::{self, Claimed, IdempotencyError, Request};
use commons_core::{ErrorCode, db, tenant};
use sea_orm::{DatabaseExecutor, DatabaseTransaction};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{GqlResult, coded};
use crate::schema::context::ContextExt;

/// The argument every creating mutation takes.
pub const ARGUMENT: &str = "idempotencyKey";

/// Where a keyed (or unkeyed) creation stands.
enum Begun {
    /// This key created `Uuid` before: read it and return it.
    Replay(Uuid),
    /// Run the creation on [`Fresh::db`].
    Fresh(Fresh),
}

/// A creation to run: on the requests' connection, or (with a key) in the transaction that
/// holds the claim.
struct Fresh {
    db: sea_orm::DatabaseConnection,
    keyed: Option<(DatabaseTransaction, Request)>,
}

impl Fresh {
    /// What the service writes through: a savepoint in the key's transaction when keyed.
    fn db(&self) -> DatabaseExecutor<'_> {
        match &self.keyed {
            Some((tx, _)) => DatabaseExecutor::Transaction(tx),
            None => DatabaseExecutor::Connection(&self.db),
        }
    }

    /// Records `created` under the key and commits the creation with it.
    async fn finish(self, created: Uuid) -> async_graphql::Result<()> {
        if let Some((tx, request)) = self.keyed {
            idempotency::complete(&tx, &request, created)
                .await
                .map_err(db_failed)?;
            tx.commit().await.map_err(db_failed)?;
        }
        Ok(())
    }
}

/// Claims the current mutation's `key`, if the client sent one.
async fn begin(ctx: &Context<'_>, key: Option<&str>, content: &[&[u8]]) -> async_graphql::Result<Begun> {
    let s = ctx.services();
    let Some(key) = key else {
        return Ok(Begun::Fresh(Fresh {
            db: s.db.clone(),
            keyed: None,
        }));
    };
    let actor = ctx.actor()?;
    let actor_id = commons_orgs::service::access::signed_in(actor).gql()?;
    let field = ctx.field();
    let request = Request {
        actor_id,
        key: key.to_owned(),
        operation: field.name().to_owned(),
        fingerprint: fingerprint(field.name(), field.arguments()?, content),
    };
    let tx = db::begin_write(&s.db).await.map_err(db_failed)?;
    tenant::act_as(&tx, actor).await.map_err(db_failed)?;
    match idempotency::claim(&tx, &request, s.identity.now()).await.gql()? {
        Claimed::Replay(id) => Ok(Begun::Replay(id)),
        Claimed::First => Ok(Begun::Fresh(Fresh {
            db: s.db.clone(),
            keyed: Some((tx, request)),
        })),
    }
}

fn db_failed(e: sea_orm::DbErr) -> async_graphql::Error {
    crate::error::to_graphql(IdempotencyError::from(e))
}

/// A keyed creation in one call: `replay` reads what the key made before (`None` when the
/// person can no longer see it), `create` writes through the executor it is given, and
/// `id_of` names what it made, to record under the key.
pub async fn create_once<T>(
    ctx: &Context<'_>,
    key: Option<&str>,
    replay: impl AsyncFnOnce(Uuid) -> async_graphql::Result<Option<T>>,
    create: impl AsyncFnOnce(&DatabaseExecutor<'_>) -> async_graphql::Result<T>,
    id_of: impl FnOnce(&T) -> Uuid,
) -> async_graphql::Result<T> {
    create_once_of(ctx, key, &[], replay, create, id_of).await
}

/// [`create_once`] for a request whose arguments do not hold all of it: an upload's argument
/// is only its place in the multipart body, so its bytes (`content`) join the digest.
pub async fn create_once_of<T>(
    ctx: &Context<'_>,
    key: Option<&str>,
    content: &[&[u8]],
    replay: impl AsyncFnOnce(Uuid) -> async_graphql::Result<Option<T>>,
    create: impl AsyncFnOnce(&DatabaseExecutor<'_>) -> async_graphql::Result<T>,
    id_of: impl FnOnce(&T) -> Uuid,
) -> async_graphql::Result<T> {
    let fresh = match begin(ctx, key, content).await? {
        Begun::Replay(id) => return replay(id).await?.ok_or_else(gone),
        Begun::Fresh(fresh) => fresh,
    };
    let created = create(&fresh.db()).await?;
    fresh.finish(id_of(&created)).await?;
    Ok(created)
}

/// A replay whose object the person can no longer see (deleted, or moved out of their
/// reach): the key did its work, and says so.
fn gone() -> async_graphql::Error {
    coded(
        ErrorCode::NotFound,
        "this request already ran, and what it created is gone",
    )
}

/// SHA-256 of the operation and its arguments but the key, canonical: object fields sorted.
fn fingerprint(operation: &str, arguments: Vec<(Name, Value)>, content: &[&[u8]]) -> String {
    let mut digest = Sha256::new();
    digest.update(operation.as_bytes());
    let mut arguments: Vec<(Name, Value)> = arguments
        .into_iter()
        .filter(|(n, _)| n.as_str() != ARGUMENT)
        .collect();
    arguments.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in arguments {
        digest.update(b"\0");
        digest.update(name.as_bytes());
        digest.update(b"=");
        digest.update(canonical(&value).as_bytes());
    }
    for part in content {
        // Lengths first, so that the parts' boundaries are part of what is hashed.
        digest.update(b"\0");
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part);
    }
    format!("{:x}", digest.finalize())
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let mut sorted: Vec<_> = fields.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| format!("{k}:{}", canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(json: serde_json::Value) -> Vec<(Name, Value)> {
        match Value::from_json(json).expect("a value") {
            Value::Object(fields) => fields.into_iter().collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn the_same_request_in_another_order_is_the_same_request() {
        let a = fingerprint(
            "createOrder",
            args(serde_json::json!({ "input": { "note": "x", "lines": [1, 2] }, "idempotencyKey": "k1" })),
            &[],
        );
        let b = fingerprint(
            "createOrder",
            args(serde_json::json!({ "idempotencyKey": "k2", "input": { "lines": [1, 2], "note": "x" } })),
            &[],
        );
        assert_eq!(a, b);
        let other = fingerprint(
            "createOrder",
            args(serde_json::json!({ "input": { "lines": [2, 1], "note": "x" } })),
            &[],
        );
        assert_ne!(a, other, "list order matters");
        let elsewhere = fingerprint(
            "createResource",
            args(serde_json::json!({ "input": { "note": "x", "lines": [1, 2] } })),
            &[],
        );
        assert_ne!(a, elsewhere);
    }

    #[test]
    fn another_file_under_the_same_upload_argument_is_another_request() {
        let upload = || args(serde_json::json!({ "file": "0" }));
        let a = fingerprint("uploadMedia", upload(), &[b"a.png", b"first"]);
        assert_eq!(a, fingerprint("uploadMedia", upload(), &[b"a.png", b"first"]));
        assert_ne!(a, fingerprint("uploadMedia", upload(), &[b"a.png", b"second"]));
        assert_ne!(a, fingerprint("uploadMedia", upload(), &[b"a.pngf", b"irst"]));
    }
}
