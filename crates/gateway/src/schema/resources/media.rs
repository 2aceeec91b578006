//! Uploads in GraphQL (RS7), through the GraphQL multipart request spec.

use async_graphql::{Context, ID, Object, Upload};
use commons_core::Timestamp;
use commons_resources::Resources;
use commons_resources::entity::media;

use crate::error::GqlResult;
use crate::schema::context::ContextExt;
use crate::schema::idempotency;
use crate::schema::node::global_id;

/// An uploaded file.
pub struct Media(pub media::Model);

#[Object]
impl Media {
    pub async fn id(&self) -> ID {
        global_id("Media", self.0.id)
    }

    /// Where it is served, relative to this API's origin; cached for a year.
    async fn url(&self) -> String {
        Resources::media_url(self.0.id)
    }

    /// Read from the bytes.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }

    async fn width(&self) -> Option<i32> {
        self.0.width
    }

    async fn height(&self) -> Option<i32> {
        self.0.height
    }

    async fn filename(&self) -> Option<&str> {
        self.0.filename.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct MediaMutation;

#[Object]
impl MediaMutation {
    /// Uploads a JPEG, PNG, GIF or WebP image or a PDF (as a GraphQL multipart request). The
    /// type and dimensions are read from the bytes; use the id in `PhotoInput.mediaId`.
    async fn upload_media(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        #[graphql(
            desc = "Makes the request safe to replay: the same key from you again returns what the first request created."
        )]
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<Media> {
        let s = ctx.services();
        let upload = file.value(ctx)?;
        idempotency::create_once_of(
            ctx,
            idempotency_key.as_deref(),
            &[upload.filename.as_bytes(), &upload.content],
            async |id| Ok(s.resources.media(&s.db, id).await.gql()?.map(Media)),
            async |db| {
                let saved = s
                    .resources
                    .upload_media(db, ctx.actor()?, Some(&upload.filename), upload.content.to_vec())
                    .await
                    .gql()?;
                Ok(Media(saved))
            },
            |media| media.0.id,
        )
        .await
    }
}
