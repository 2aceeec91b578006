//! Reading resources (RS4): one by id with its tags and kind fields, and the public feed.
//! Visibility is a rule of the service (and, on PostgreSQL, of row level security too).

use commons_core::db::Conn;
use commons_core::page::{self, Keyset};
use commons_core::{Actor, Cursor, Page, PageRequest, tenant};
use commons_orgs::service::access;
use commons_orgs::{Permission, Role};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
};
use uuid::Uuid;

use super::Scope;
use super::writing::{Full, scope_of};
use crate::Resources;
use crate::entity::resource::{self, Status, Visibility};
use crate::entity::resource_tag;
use crate::error::Error;
use crate::kind;

#[derive(Clone, Debug, Default)]
pub struct FeedFilter {
    pub kind: Option<String>,
    pub owner_id: Option<Uuid>,
    pub creator_id: Option<Uuid>,
    pub tag: Option<String>,
    /// Words to find in the title or summary (case-insensitive).
    pub text: Option<String>,
}

impl Resources {
    /// A resource with its tags and kind fields; `None` when it does not exist or the actor
    /// may not see it.
    pub async fn resource<C: Conn>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<Option<Full>, Error> {
        let tx = tenant::read(db, actor).await?;
        let found = resource::Entity::find_by_id(id)
            .filter(resource::Column::DeletedAt.is_null())
            .one(&tx)
            .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        if !may_see(&tx, actor, &found).await? {
            return Ok(None);
        }
        let tags = tags_of(&tx, &[&found]).await?.remove(&id).unwrap_or_default();
        let data = kind::load_many(&tx, &[&found]).await?.remove(&id);
        tx.commit().await?;
        Ok(Some(Full {
            resource: found,
            tags,
            data,
        }))
    }

    /// Published public resources, newest first, filtered by kind, owner, creator and tag, each
    /// with its tags and kind fields (one query per kind, not per resource).
    pub async fn feed<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        filter: FeedFilter,
        page: &PageRequest,
    ) -> Result<Page<Full>, Error> {
        let mut query = resource::Entity::find()
            .filter(resource::Column::Status.eq(Status::Published))
            .filter(resource::Column::Visibility.eq(Visibility::Public))
            .filter(resource::Column::DeletedAt.is_null());
        if let Some(kind) = filter.kind {
            query = query.filter(resource::Column::Kind.eq(kind));
        }
        if let Some(owner) = filter.owner_id {
            query = query.filter(resource::Column::OwnerId.eq(owner));
        }
        if let Some(creator) = filter.creator_id {
            query = query.filter(resource::Column::CreatorId.eq(creator));
        }
        if let Some(tag) = filter
            .tag
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
        {
            query = query.filter(
                resource::Column::Id.in_subquery(
                    Query::select()
                        .column(resource_tag::Column::ResourceId)
                        .from(resource_tag::Entity)
                        .and_where(resource_tag::Column::Tag.eq(tag))
                        .to_owned(),
                ),
            );
        }
        if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            query = query.filter(text_matches(text)?);
        }
        let tx = tenant::read(db, actor).await?;
        let found = page::fetch(
            &tx,
            query,
            Keyset::newest_first(resource::Column::Id),
            page,
            |r| Cursor::by_id(r.id),
        )
        .await?;
        let found = with_details(&tx, found).await?;
        tx.commit().await?;
        Ok(found)
    }
}

/// A page of resources with their tags and kind fields: one query for the tags and one per
/// kind present, not per resource.
pub(crate) async fn with_details(
    db: &impl ConnectionTrait,
    found: Page<resource::Model>,
) -> Result<Page<Full>, Error> {
    let models: Vec<&resource::Model> = found.edges.iter().map(|(_, r)| r).collect();
    let mut tags = tags_of(db, &models).await?;
    let mut data = kind::load_many(db, &models).await?;
    Ok(found.map(|r| Full {
        tags: tags.remove(&r.id).unwrap_or_default(),
        data: data.remove(&r.id),
        resource: r,
    }))
}

/// Titles or summaries containing every word of `text`, case-insensitively. Portable SQL:
/// `LOWER(column) LIKE '%word%'` with the pattern characters escaped.
fn text_matches(text: &str) -> Result<Condition, Error> {
    if text.chars().count() > 200 {
        return Err(Error::invalid("text", "search with at most 200 characters"));
    }
    let mut all = Condition::all();
    for word in text.split_whitespace().take(8) {
        let escaped = word
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let like = |column: resource::Column| {
            Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        all = all.add(
            Condition::any()
                .add(like(resource::Column::Title))
                .add(like(resource::Column::Summary)),
        );
    }
    Ok(all)
}

/// The tags of many resources, in one query.
async fn tags_of(
    db: &impl ConnectionTrait,
    resources: &[&resource::Model],
) -> Result<std::collections::HashMap<Uuid, Vec<String>>, Error> {
    let mut tags: std::collections::HashMap<Uuid, Vec<String>> = std::collections::HashMap::new();
    let ids: Vec<Uuid> = resources.iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(tags);
    }
    for tag in resource_tag::Entity::find()
        .filter(resource_tag::Column::ResourceId.is_in(ids))
        .order_by_asc(resource_tag::Column::Tag)
        .all(db)
        .await?
    {
        tags.entry(tag.resource_id).or_default().push(tag.tag);
    }
    Ok(tags)
}

/// The visibility rule, for reading and (first of all) for writing: nobody edits what they
/// may not see. Published public resources are for everyone. A person's other resources are
/// theirs and their creator's. In an organization only members see anything else, and only
/// within the visibility: members-only for members; department-only for the department's
/// members and the organization's moderators and up; private for its admins and the creator.
/// Drafts and archived resources are, within that, for their creator and whoever may publish
/// there. Platform admins see everything.
pub(crate) async fn may_see(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &resource::Model,
) -> Result<bool, Error> {
    let published = r.status == Status::Published;
    if (published && r.visibility == Visibility::Public) || actor.is_admin() {
        return Ok(true);
    }
    let is_creator = actor.user_id() == Some(r.creator_id);
    let Scope::Organization {
        org_id,
        department_id,
    } = scope_of(r)
    else {
        return Ok(is_creator || actor.user_id() == Some(r.owner_id));
    };
    let access = match access::access_in(db, actor, org_id, department_id).await {
        Ok(access) => access,
        Err(commons_orgs::Error::OrganizationNotFound) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    // Former members lose sight of what they made there.
    if !access.is_member() {
        return Ok(false);
    }
    let role = access.role().unwrap_or(Role::Subscriber);
    let within_visibility = match r.visibility {
        Visibility::Public | Visibility::Members => true,
        Visibility::Department => access.department.is_some() || role >= Role::Moderator,
        Visibility::Private => is_creator || role >= Role::Admin,
    };
    Ok(within_visibility && (published || is_creator || access.allows(Permission::PublishResources)))
}
