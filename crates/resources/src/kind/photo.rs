//! Photos: an uploaded image (RS7) or one given by address, with a caption. Uploaded photos
//! carry the type, size and dimensions read from their bytes.

use commons_core::text;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::Resources;
use crate::entity::{media, photo, resource};
use crate::error::Error;

pub const KIND: &str = "photo";

#[derive(Clone, Debug, Default)]
pub struct PhotoInput {
    /// The image's address, for an image kept elsewhere.
    pub url: Option<String>,
    /// An upload of `upload_media`: its checked type, size and dimensions come along.
    pub media_id: Option<Uuid>,
    pub caption: Option<String>,
}

impl PhotoInput {
    /// An upload is taken only from the photo's creator: an upload id is no permission to
    /// publish someone else's file (a moderator editing the photo keeps the creator's).
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource: &resource::Model,
    ) -> Result<photo::Model, Error> {
        let resource_id = resource.id;
        let caption = text::optional("caption", self.caption.as_deref(), 2000)?;
        let mut model = photo::ActiveModel {
            resource_id: Set(resource_id),
            caption: Set(caption),
            media_id: Set(None),
            content_type: Set(None),
            size_bytes: Set(None),
            width: Set(None),
            height: Set(None),
            ..Default::default()
        };
        match (self.media_id, self.url) {
            (Some(id), None) => {
                let upload = media::Entity::find_by_id(id)
                    .one(db)
                    .await?
                    .filter(|m| m.content_type.starts_with("image/") && m.uploader_id == resource.creator_id)
                    .ok_or_else(|| Error::invalid("mediaId", "no image you uploaded has this id"))?;
                model.url = Set(Resources::media_url(upload.id));
                model.media_id = Set(Some(upload.id));
                model.content_type = Set(Some(upload.content_type));
                model.size_bytes = Set(Some(upload.size_bytes));
                model.width = Set(upload.width);
                model.height = Set(upload.height);
            }
            (None, Some(url)) => {
                let url = text::optional_url("url", Some(&url))?
                    .ok_or_else(|| Error::invalid("url", "a photo needs the address of its image"))?;
                model.url = Set(url);
            }
            _ => {
                return Err(Error::invalid(
                    "mediaId",
                    "give either an uploaded image (mediaId) or its address (url)",
                ));
            }
        }
        Ok(model.insert(db).await?)
    }
}
