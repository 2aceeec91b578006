//! Blogposts: a markdown body and an optional cover.

use commons_core::text;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::entity::blogpost;
use crate::error::Error;

pub const KIND: &str = "blogpost";

#[derive(Clone, Debug, Default)]
pub struct BlogpostInput {
    pub body: String,
    pub cover_url: Option<String>,
}

impl BlogpostInput {
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<blogpost::Model, Error> {
        let body = text::required("body", &self.body, 100_000)?;
        let cover_url = text::optional_url("coverUrl", self.cover_url.as_deref())?;
        Ok(blogpost::ActiveModel {
            resource_id: Set(resource_id),
            body: Set(body),
            cover_url: Set(cover_url),
        }
        .insert(db)
        .await?)
    }
}
