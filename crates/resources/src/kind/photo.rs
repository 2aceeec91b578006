//! Photos: an image by URL with a caption. Uploaded photos also record their type, size and
//! dimensions, read from the bytes.

use commons_core::text;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::entity::photo;
use crate::error::Error;

pub const KIND: &str = "photo";

#[derive(Clone, Debug, Default)]
pub struct PhotoInput {
    pub url: String,
    pub caption: Option<String>,
}

impl PhotoInput {
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<photo::Model, Error> {
        let url = text::optional_url("url", Some(&self.url))?
            .ok_or_else(|| Error::invalid("url", "a photo needs the address of its image"))?;
        Ok(photo::ActiveModel {
            resource_id: Set(resource_id),
            url: Set(url),
            caption: Set(text::optional("caption", self.caption.as_deref(), 2000)?),
            content_type: Set(None),
            size_bytes: Set(None),
            width: Set(None),
            height: Set(None),
        }
        .insert(db)
        .await?)
    }
}
