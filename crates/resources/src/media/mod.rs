//! RS7 media: uploads checked from their bytes (type, size, image dimensions), kept in a
//! [`MediaStore`], recorded in `media`, and served with long-lived cache headers (the bytes
//! under an id never change).

pub mod sniff;
pub mod store;

use std::sync::Arc;

use commons_core::db::Conn;
use commons_core::{Actor, tenant, text};
use commons_orgs::service::access::active_writer;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use store::{LocalStore, MediaStore};

use crate::Resources;
use crate::entity::media;
use crate::error::Error;

/// Where uploads go and how big they may be.
#[derive(Clone, Debug)]
pub struct MediaSettings {
    pub store: Arc<dyn MediaStore>,
    pub max_bytes: usize,
}

impl MediaSettings {
    pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;

    /// Files in `folder`, at most 10 MiB each.
    pub fn local(folder: impl Into<std::path::PathBuf>) -> MediaSettings {
        MediaSettings {
            store: Arc::new(LocalStore::new(folder)),
            max_bytes: Self::DEFAULT_MAX_BYTES,
        }
    }
}

/// A stored file's bytes with what they are.
#[derive(Clone, Debug)]
pub struct MediaFile {
    pub media: media::Model,
    pub bytes: Vec<u8>,
}

impl Resources {
    /// Keeps an upload of the signed-in actor's: a JPEG, PNG, GIF or WebP image (with its
    /// dimensions) or a PDF, as its bytes say, up to the size limit.
    pub async fn upload_media<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        filename: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<media::Model, Error> {
        let max = self.media.max_bytes;
        if bytes.len() > max {
            return Err(Error::TooLarge { max });
        }
        if bytes.is_empty() {
            return Err(Error::invalid("file", "the file is empty"));
        }
        let sniffed = sniff::sniff(&bytes)
            .ok_or_else(|| Error::invalid("file", "upload a JPEG, PNG, GIF or WebP image, or a PDF"))?;
        let filename = text::clipped(filename, 255);
        let tx = tenant::write(db, actor).await?;
        let uploader = active_writer(&tx, actor).await?;
        let id = commons_core::id::new();
        let digest = Sha256::digest(&bytes);
        let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let size = i64::try_from(bytes.len()).map_err(|_| Error::TooLarge { max })?;
        let (width, height) = match sniffed.dimensions {
            Some((w, h)) => (i32::try_from(w).ok(), i32::try_from(h).ok()),
            None => (None, None),
        };
        // The bytes first: a row never points at a file that is not there. A failed insert
        // leaves an orphan file, which costs space, not correctness.
        self.media
            .store
            .put(&id.to_string(), bytes, sniffed.content_type)
            .await
            .map_err(Error::Storage)?;
        let saved = media::ActiveModel {
            id: Set(id),
            uploader_id: Set(uploader),
            content_type: Set(sniffed.content_type.to_owned()),
            size_bytes: Set(size),
            width: Set(width),
            height: Set(height),
            sha256: Set(sha256),
            filename: Set(filename),
            created_at: Set(self.now()),
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// A stored file's record, without its bytes. Public by its id, as the file is by address.
    pub async fn media<C: Conn>(&self, db: &C, id: Uuid) -> Result<Option<media::Model>, Error> {
        Ok(media::Entity::find_by_id(id).one(db).await?)
    }

    /// The records of `ids` (public by id, as [`Resources::media`]).
    pub async fn media_by_ids<C: Conn>(&self, db: &C, ids: &[Uuid]) -> Result<Vec<media::Model>, Error> {
        Ok(media::Entity::find()
            .filter(media::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?)
    }

    /// A stored file to serve. Media are public by their (unguessable) address, as on a CDN.
    pub async fn media_file<C: Conn>(&self, db: &C, id: Uuid) -> Result<Option<MediaFile>, Error> {
        let Some(found) = self.media(db, id).await? else {
            return Ok(None);
        };
        let bytes = self
            .media
            .store
            .get(&id.to_string())
            .await
            .map_err(Error::Storage)?;
        Ok(bytes.map(|bytes| MediaFile { media: found, bytes }))
    }

    /// The address a stored file is served at.
    pub fn media_url(id: Uuid) -> String {
        format!("/media/{id}")
    }
}
