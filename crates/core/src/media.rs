//! Uploaded files (RS7): what their bytes were found to be. The table belongs to the platform,
//! not to one domain: resources make photos of uploads, messages attach them, and later
//! domains (task reports, receipts) will too. Storing and serving the bytes is the resources
//! crate's (`commons_resources::media`).

use crate::Timestamp;
use sea_orm::entity::prelude::*;

/// An uploaded file (RS7): what its bytes were found to be. The bytes are in the media store
/// under the id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub uploader_id: Uuid,
    /// Read from the bytes, not taken from the client.
    pub content_type: String,
    pub size_bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Hex SHA-256 of the bytes: the served file's ETag.
    pub sha256: String,
    /// As the uploader named it, for downloads.
    pub filename: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
