//! Pages: a markdown body at a path of its owner's site, optionally under a parent page.

use commons_core::text;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::entity::{page, resource};
use crate::error::Error;

pub const KIND: &str = "page";

/// When a page changes owner, it leaves a parent of the old owner, and its children of the
/// old owner leave it: a site's tree never crosses owners.
pub(crate) async fn detach_from_other_owners(
    db: &impl ConnectionTrait,
    page_id: Uuid,
    new_owner: Uuid,
) -> Result<(), Error> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    if let Some(current) = page::Entity::find_by_id(page_id).one(db).await?
        && let Some(parent) = current.parent_id
    {
        let same_owner = resource::Entity::find_by_id(parent)
            .one(db)
            .await?
            .is_some_and(|r| r.owner_id == new_owner);
        if !same_owner {
            page::Entity::update_many()
                .col_expr(page::Column::ParentId, Expr::value(Option::<Uuid>::None))
                .filter(page::Column::ResourceId.eq(page_id))
                .exec(db)
                .await?;
        }
    }
    page::Entity::update_many()
        .col_expr(page::Column::ParentId, Expr::value(Option::<Uuid>::None))
        .filter(page::Column::ParentId.eq(page_id))
        .exec(db)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct PageInput {
    pub path: String,
    pub body: String,
    pub parent_id: Option<Uuid>,
}

impl PageInput {
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource: &resource::Model,
    ) -> Result<page::Model, Error> {
        let path = text::required("path", self.path.trim_matches('/'), 200)?;
        if !path
            .split('/')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_'))
        {
            return Err(Error::invalid(
                "path",
                "a path is words of letters, digits, - and _ separated by /",
            ));
        }
        let body = text::required("body", &self.body, 100_000)?;
        if let Some(parent) = self.parent_id {
            // A page hangs under another page of the same owner, never under itself.
            let fits = parent != resource.id
                && resource::Entity::find_by_id(parent)
                    .one(db)
                    .await?
                    .is_some_and(|r| {
                        r.kind == KIND && r.owner_id == resource.owner_id && r.deleted_at.is_none()
                    });
            if !fits {
                return Err(Error::invalid(
                    "parentId",
                    "the parent must be another page of the same owner",
                ));
            }
            // No cycles: walk up from the parent (pages nest a few levels, not hundreds).
            let mut above = Some(parent);
            for _ in 0..64 {
                let Some(id) = above else { break };
                if id == resource.id {
                    return Err(Error::invalid(
                        "parentId",
                        "a page cannot hang under its own subpage",
                    ));
                }
                above = page::Entity::find_by_id(id)
                    .one(db)
                    .await?
                    .and_then(|p| p.parent_id);
            }
        }
        Ok(page::ActiveModel {
            resource_id: Set(resource.id),
            path: Set(path),
            body: Set(body),
            parent_id: Set(self.parent_id),
        }
        .insert(db)
        .await?)
    }
}
