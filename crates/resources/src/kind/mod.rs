//! The kinds of resource (RS2). Each kind is a module with its own table: its input, its
//! checks, and how it is written and read. The shared `resources` table never changes for a
//! new kind; this enum and the module do.

pub mod blogpost;
pub mod page;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::entity;
use crate::error::Error;

/// A kind's own fields, as given to `create_resource`.
#[derive(Clone, Debug)]
pub enum KindInput {
    Blogpost(blogpost::BlogpostInput),
    Page(page::PageInput),
}

/// A kind's own fields, as stored.
#[derive(Clone, Debug, PartialEq)]
pub enum KindData {
    Blogpost(entity::blogpost::Model),
    Page(entity::page::Model),
}

impl KindInput {
    /// The name stored in `resources.kind`.
    pub fn name(&self) -> &'static str {
        match self {
            KindInput::Blogpost(_) => blogpost::KIND,
            KindInput::Page(_) => page::KIND,
        }
    }

    /// Writes the kind's row for `resource_id`, after checking its fields.
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource_id: Uuid,
    ) -> Result<KindData, Error> {
        match self {
            KindInput::Blogpost(input) => Ok(KindData::Blogpost(input.insert(db, resource_id).await?)),
            KindInput::Page(input) => Ok(KindData::Page(input.insert(db, resource_id).await?)),
        }
    }
}

/// The kind's own fields of resource `id` of kind `kind`.
pub async fn load(db: &impl ConnectionTrait, kind: &str, id: Uuid) -> Result<Option<KindData>, Error> {
    use sea_orm::EntityTrait;
    Ok(match kind {
        blogpost::KIND => entity::blogpost::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(KindData::Blogpost),
        page::KIND => entity::page::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(KindData::Page),
        _ => None,
    })
}
