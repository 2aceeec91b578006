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

    /// Writes the kind's row for `resource`, after checking its fields.
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource: &entity::resource::Model,
    ) -> Result<KindData, Error> {
        match self {
            KindInput::Blogpost(input) => Ok(KindData::Blogpost(input.insert(db, resource.id).await?)),
            KindInput::Page(input) => Ok(KindData::Page(input.insert(db, resource).await?)),
        }
    }
}

/// Removes the kind's row of resource `id` (before writing a replacement).
pub(crate) async fn delete(db: &impl ConnectionTrait, kind: &str, id: Uuid) -> Result<(), Error> {
    use sea_orm::EntityTrait;
    match kind {
        blogpost::KIND => {
            entity::blogpost::Entity::delete_by_id(id).exec(db).await?;
        }
        page::KIND => {
            entity::page::Entity::delete_by_id(id).exec(db).await?;
        }
        _ => {}
    }
    Ok(())
}

/// The kind's own fields of many resources, one query per kind.
pub async fn load_many(
    db: &impl ConnectionTrait,
    resources: &[&entity::resource::Model],
) -> Result<std::collections::HashMap<Uuid, KindData>, Error> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let of = |kind: &str| -> Vec<Uuid> {
        resources
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.id)
            .collect()
    };
    let mut found = std::collections::HashMap::new();
    let blogposts = of(blogpost::KIND);
    if !blogposts.is_empty() {
        for b in entity::blogpost::Entity::find()
            .filter(entity::blogpost::Column::ResourceId.is_in(blogposts))
            .all(db)
            .await?
        {
            found.insert(b.resource_id, KindData::Blogpost(b));
        }
    }
    let pages = of(page::KIND);
    if !pages.is_empty() {
        for p in entity::page::Entity::find()
            .filter(entity::page::Column::ResourceId.is_in(pages))
            .all(db)
            .await?
        {
            found.insert(p.resource_id, KindData::Page(p));
        }
    }
    Ok(found)
}
