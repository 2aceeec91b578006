//! Gives the errors async-graphql raises before execution their codes: a parse error, a
//! validation error, a query nested too deep or too complex, an unknown persisted query.
//! These are refused before any resolver runs.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError, ServerResult, ValidationResult, Value, Variables};
use commons_core::ErrorCode;

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
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
impl Extension for ErrorCodes {
    /// Errors of the extensions that prepare a request (the query guard codes its own).
    /// Apollo clients resend the document on `PERSISTED_QUERY_NOT_FOUND` (or its message).
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request).await.map_err(|e| {
            let coded = e.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
            match e.message.as_str() {
                _ if coded => e,
                "PersistedQueryNotFound" => with_code(e, ErrorCode::PersistedQueryNotFound),
                _ => with_code(e, ErrorCode::BadUserInput),
            }
        })
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, ErrorCode::GraphqlParseFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = validation_code(&e);
                    with_code(e, code)
                })
                .collect()
        })
    }
}
