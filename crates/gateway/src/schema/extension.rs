//! The one extension every request passes through: the query guard, automatic persisted
//! queries (Apollo's protocol), codes for the errors async-graphql raises before execution (a
//! parse error, a validation error, a query nested too deep or too complex, an unknown
//! persisted query), fresh loaders for a document that writes, and the request metrics.
//!
//! Documents that passed the guard are kept parsed, by their text: clients send the same few
//! documents again and again, and parsing and guarding the feed's cost about 6% of its CPU.
//! What validation found is kept too, by a digest of all it depends on (the document, the
//! operation and the variables' values): validating the feed's document again cost 4% of its
//! instructions (issue 16).
//!
//! One extension and not five: async-graphql runs every field of every answer through each
//! extension's `resolve` hook (a boxed future apiece, even where it does nothing), and a feed
//! page of 20 resources resolves some 500 fields.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use commons_core::ErrorCode;
use lru::LruCache;
use sha2::{Digest, Sha256};

use super::guard::QueryGuard;
use super::loaders;
use crate::config::GatewayConfig;
use crate::http::metrics::Metrics;

/// Persisted documents kept (least recently used go first).
const PERSISTED_QUERIES: usize = 1000;

/// Documents kept parsed by their text (least recently used go first), and the longest text
/// kept: together they bound the memory to about 16 MiB.
const PARSED_DOCUMENTS: usize = 1000;
const MAX_PARSED_TEXT: usize = 16 * 1024;

/// Validation results kept (least recently used go first), 32 bytes of digest apiece. The
/// `unwrap` runs at compile time: a zero here would fail the build, never a request.
const VALIDATED_REQUESTS: NonZeroUsize = NonZeroUsize::new(4096).unwrap();

/// What validation found for a request, by the digest of what it depends on.
type Validated = Arc<Mutex<LruCache<[u8; 32], ValidationResult>>>;

/// Makes each request's [`Stage`].
pub struct Pipeline {
    guard: QueryGuard,
    persisted: LruCacheStorage,
    parsed: LruCacheStorage,
    validated: Validated,
    metrics: Option<Metrics>,
}

impl Pipeline {
    /// `metrics`: where requests are counted and timed (none for a schema only printed).
    pub fn new(config: &GatewayConfig, metrics: Option<Metrics>) -> Pipeline {
        Pipeline {
            guard: QueryGuard::new(config.max_depth, config.max_complexity),
            persisted: LruCacheStorage::new(PERSISTED_QUERIES),
            parsed: LruCacheStorage::new(PARSED_DOCUMENTS),
            validated: Arc::new(Mutex::new(LruCache::new(VALIDATED_REQUESTS))),
            metrics,
        }
    }
}

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Stage {
            guard: self.guard,
            persisted: self.persisted.clone(),
            parsed: self.parsed.clone(),
            validated: self.validated.clone(),
            metrics: self.metrics.clone(),
            operation: Mutex::new(None),
            validation_key: Mutex::new(None),
        })
    }
}

/// One request's way through the pipeline.
struct Stage {
    guard: QueryGuard,
    persisted: LruCacheStorage,
    parsed: LruCacheStorage,
    validated: Validated,
    metrics: Option<Metrics>,
    /// The operation async-graphql resolved (the one named, or the document's only one).
    operation: Mutex<Option<String>>,
    /// The digest this request's validation is kept by (see [`validation_key`]).
    validation_key: Mutex<Option<[u8; 32]>>,
}

pub(crate) fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", Value::from(code.as_str()));
    error
}

/// async-graphql reports its limits only by message; these are its exact words.
fn validation_code(error: &ServerError) -> ErrorCode {
    match error.message.as_str() {
        "Query is nested too deep." => ErrorCode::QueryTooDeep,
        "Query is too complex." => ErrorCode::QueryTooComplex,
        _ => ErrorCode::GraphqlValidationFailed,
    }
}

#[async_trait::async_trait]
impl Extension for Stage {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let Some(metrics) = &self.metrics else {
            return next.run(ctx).await;
        };
        let started = Instant::now();
        let response = next.run(ctx).await;
        let operation = lock(&self.operation).take();
        metrics.record(operation.as_deref(), response.is_err(), started.elapsed());
        response
    }

    /// The guard first, so that it sees what the rest refuse before parsing; then a persisted
    /// query's document in place of its hash. Apollo clients resend the document on
    /// `PERSISTED_QUERY_NOT_FOUND` (or its message).
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let prepared = async {
            *lock(&self.validation_key) = validation_key(&request);
            self.guarded(&mut request).await?;
            let request = persisted_query(&self.persisted, request).await?;
            next.run(ctx, request).await
        };
        prepared.await.map_err(|e| {
            let coded = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
            match e.message.as_str() {
                _ if coded => e,
                "PersistedQueryNotFound" => with_code(e, ErrorCode::PersistedQueryNotFound),
                _ => with_code(e, ErrorCode::BadUserInput),
            }
        })
    }

    /// A document that writes gets loaders that remember nothing: a mutation's answer must show
    /// what it changed, and later fields must see earlier fields' writes.
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, ErrorCode::GraphqlParseFailed))?;
        if document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty == OperationType::Mutation)
        {
            loaders::forget(ctx);
        }
        Ok(document)
    }

    /// A request validated before, with the same document, operation and variables, gets the
    /// same result without validating again; only results that passed are kept.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let key = lock(&self.validation_key).take();
        if let Some(key) = &key
            && let Some(found) = lock(&self.validated).get(key)
        {
            return Ok(*found);
        }
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = validation_code(&e);
                    with_code(e, code)
                })
                .collect::<Vec<_>>()
        })?;
        if let Some(key) = key {
            lock(&self.validated).put(key, result);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if self.metrics.is_some() {
            *lock(&self.operation) = operation_name.map(str::to_owned);
        }
        next.run(ctx, operation_name).await
    }
}

impl Stage {
    /// The guard's checks, and the document parsed: from the documents kept when its text
    /// passed before (only the variables are left to check), else parsed and guarded now and
    /// kept.
    async fn guarded(&self, request: &mut Request) -> ServerResult<()> {
        let keep = !request.query.is_empty() && request.query.len() <= MAX_PARSED_TEXT;
        if keep && let Some(document) = self.parsed.get(request.query.clone()).await {
            QueryGuard::check_variables(request)?;
            request.set_parsed_query(document);
            return Ok(());
        }
        self.guard.check(request)?;
        if keep && let Ok(document) = request.parsed_query() {
            let document = document.clone();
            self.parsed.set(request.query.clone(), document).await;
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A digest of everything validation depends on besides the schema: the document (its text,
/// or the hash a persisted query names it by), the operation, and the variables' values
/// (the complexity of `resources(first: $n)` depends on `$n`, and so does whether a value
/// fits its argument). `None` for a request with neither text nor hash, or whose variables
/// do not serialize.
fn validation_key(request: &Request) -> Option<[u8; 32]> {
    let mut digest = Sha256::new();
    if !request.query.is_empty() {
        digest.update(b"text\0");
        digest.update(request.query.as_bytes());
    } else {
        let hash = request
            .extensions
            .get("persistedQuery")
            .and_then(|extension| match extension {
                Value::Object(fields) => match fields.get("sha256Hash") {
                    Some(Value::String(hash)) => Some(hash),
                    _ => None,
                },
                _ => None,
            })?;
        digest.update(b"persisted\0");
        digest.update(hash.as_bytes());
    }
    digest.update(b"\0operation\0");
    digest.update(request.operation_name.as_deref().unwrap_or_default().as_bytes());
    digest.update(b"\0variables\0");
    digest.update(serde_json::to_vec(&request.variables).ok()?);
    Some(digest.finalize().into())
}

/// Apollo's automatic persisted queries: a request naming a document by its SHA-256 gets the
/// document stored when it was first sent in full (and checked by the guard then), kept parsed.
async fn persisted_query(store: &LruCacheStorage, mut request: Request) -> ServerResult<Request> {
    let Some(extension) = request.extensions.remove("persistedQuery") else {
        return Ok(request);
    };
    let persisted: PersistedQuery = async_graphql::from_value(extension)
        .map_err(|_| ServerError::new("Invalid \"PersistedQuery\" extension configuration.", None))?;
    if persisted.version != 1 {
        return Err(ServerError::new(
            format!(
                "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{}\".",
                persisted.version
            ),
            None,
        ));
    }
    if request.query.is_empty() {
        return match store.get(persisted.sha256_hash).await {
            Some(document) => {
                request.set_parsed_query(document);
                Ok(request)
            }
            None => Err(ServerError::new("PersistedQueryNotFound", None)),
        };
    }
    let hash = format!("{:x}", Sha256::digest(request.query.as_bytes()));
    if persisted.sha256_hash != hash {
        return Err(ServerError::new("provided sha does not match query", None));
    }
    let document = request.parsed_query()?.clone();
    store.set(hash, document.clone()).await;
    request.query = String::new();
    request.set_parsed_query(document);
    Ok(request)
}

#[derive(serde::Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}
