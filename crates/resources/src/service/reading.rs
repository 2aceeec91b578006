//! Reading resources (RS4): one by id or slug with its tags and kind fields, and lists
//! filtered by kind, owner, creator, organization, tag, status, text and distance.
//! Visibility is a rule of the service (and, on PostgreSQL, of row level security too).

use std::collections::HashMap;

use commons_core::db::Conn;
use commons_core::page::{self, Keyset, SortKey};
use commons_core::row::{ByPosition, Columns};
use commons_core::{Actor, Cursor, Page, PageError, PageRequest, tenant};
use commons_orgs::entity::department_member;
use commons_orgs::service::access;
use commons_orgs::{Permission, Role, permission};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, IntoCondition, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, Order, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::Scope;
use super::writing::{Full, scope_of};
use crate::Resources;
use crate::entity::resource::{self, Status, Visibility};
use crate::entity::resource_tag;
use crate::error::Error;
use crate::geo::{self, BoundingBox, Location};
use crate::kind::{self, KindData};

/// A resource read by the position of its columns: what every feed and lookup reads, and
/// sea-orm's decoding by name cost most (`commons_core::row`).
type Row = ByPosition<resource::Model>;

#[derive(Clone, Debug, Default)]
pub struct FeedFilter {
    pub kind: Option<String>,
    pub owner_id: Option<Uuid>,
    pub creator_id: Option<Uuid>,
    /// Resources of this organization (and its departments).
    pub organization_id: Option<Uuid>,
    pub tag: Option<String>,
    /// Words to find in the title or summary (case-insensitive).
    pub text: Option<String>,
    /// Published when absent; drafts and archived resources only as far as the actor may see
    /// them.
    pub status: Option<Status>,
    /// Only resources with a place within this distance (spots, events held in person).
    pub near: Option<Near>,
    pub order: FeedOrder,
}

/// Within `radius_km` of `center`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub center: Location,
    pub radius_km: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FeedOrder {
    #[default]
    Newest,
    MostReacted,
    /// Nearest first; needs [`FeedFilter::near`].
    Nearest,
}

/// The farthest a distance search reaches.
const MAX_RADIUS_KM: f64 = 1000.0;

impl Resources {
    /// A resource with its tags and kind fields; `None` when it does not exist or the actor
    /// may not see it.
    pub async fn resource<C: Conn>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<Option<Full>, Error> {
        self.one(db, actor, resource::Column::Id.eq(id)).await
    }

    /// Whether `actor` may see `resource`, a row the caller already holds: live delivery reads
    /// a resource once and asks this for each subscriber. Public published resources answer
    /// without a query.
    pub async fn may_see<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        resource: &resource::Model,
    ) -> Result<bool, Error> {
        if resource.deleted_at.is_some() {
            return Ok(false);
        }
        if for_everyone(resource) {
            return Ok(true);
        }
        let tx = tenant::reading(db, actor).await?;
        let seen = may_see(&tx, actor, resource).await?;
        tenant::done(tx).await?;
        Ok(seen)
    }

    /// A resource by its owner and slug, as a site's address names it.
    pub async fn resource_by_slug<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        owner_id: Uuid,
        slug: &str,
    ) -> Result<Option<Full>, Error> {
        let by_slug = Condition::all()
            .add(resource::Column::OwnerId.eq(owner_id))
            .add(resource::Column::Slug.eq(slug.trim().to_lowercase()));
        self.one(db, actor, by_slug).await
    }

    /// Many resources by id, those the actor may see (any status), in one query for the rows
    /// and one for their tags and kind fields: what a DataLoader asks for.
    pub async fn resources_by_ids<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Full>, Error> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let tx = tenant::reading(db, actor).await?;
        let rows = resource::Entity::find()
            .filter(resource::Column::Id.is_in(ids.iter().copied()))
            .filter(resource::Column::DeletedAt.is_null())
            .filter(visible_to(&tx, actor).await?)
            .into_model::<Row>()
            .all(&tx)
            .await?;
        let found = with_details(
            &tx,
            Page {
                edges: rows
                    .into_iter()
                    .map(|ByPosition(r)| (Cursor::by_id(r.id), r))
                    .collect(),
                has_next_page: false,
            },
        )
        .await?;
        tenant::done(tx).await?;
        Ok(found
            .edges
            .into_iter()
            .map(|(_, full)| (full.resource.id, full))
            .collect())
    }

    async fn one<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        which: impl IntoCondition,
    ) -> Result<Option<Full>, Error> {
        let tx = tenant::reading(db, actor).await?;
        let found = resource::Entity::find()
            .filter(which)
            .filter(resource::Column::DeletedAt.is_null())
            .into_model::<Row>()
            .one(&tx)
            .await?;
        let Some(ByPosition(found)) = found else {
            return Ok(None);
        };
        if !may_see(&tx, actor, &found).await? {
            return Ok(None);
        }
        let Details { tags, data } = details_of(&tx, &[&found])
            .await?
            .remove(&found.id)
            .unwrap_or_default();
        tenant::done(tx).await?;
        Ok(Some(Full {
            resource: found,
            tags,
            data,
            distance_km: None,
        }))
    }

    /// What the actor may see, filtered, in the order asked (newest first by default), each
    /// with its tags and kind fields (one query for the whole page, not one per resource).
    /// For everyone that is the published public resources; members also get what their
    /// organizations show them, with the same rule as [`may_see`], written as SQL.
    pub async fn feed<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        filter: FeedFilter,
        page: &PageRequest,
    ) -> Result<Page<Full>, Error> {
        let mut query = resource::Entity::find()
            .filter(resource::Column::Status.eq(filter.status.unwrap_or(Status::Published)))
            .filter(resource::Column::DeletedAt.is_null());
        if let Some(kind) = filter.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            let kind = kind.to_lowercase();
            if !kind::KINDS.contains(&kind.as_str()) {
                return Err(Error::invalid(
                    "kind",
                    format!("kind must be one of {}", kind::KINDS.join(", ")),
                ));
            }
            query = query.filter(resource::Column::Kind.eq(kind));
        }
        if let Some(owner) = filter.owner_id {
            query = query.filter(resource::Column::OwnerId.eq(owner));
        }
        if let Some(creator) = filter.creator_id {
            query = query.filter(resource::Column::CreatorId.eq(creator));
        }
        if let Some(org) = filter.organization_id {
            query = query.filter(resource::Column::OrgId.eq(org));
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
        let near = filter.near.map(checked_near).transpose()?;
        if let Some(near) = &near {
            query = query.filter(within(near));
        }
        let tx = tenant::reading(db, actor).await?;
        query = query.filter(visible_to(&tx, actor).await?);
        let found = match (filter.order, &near) {
            (FeedOrder::Newest, _) => {
                page::fetch_as(
                    &tx,
                    query,
                    Keyset::newest_first(resource::Column::Id),
                    page,
                    |ByPosition(r): &Row| Cursor::by_id(r.id),
                )
                .await?
            }
            (FeedOrder::MostReacted, _) => {
                let order = Keyset {
                    key: Some(resource::Column::ReactionCount),
                    id: resource::Column::Id,
                    descending: true,
                };
                page::fetch_as(&tx, query, order, page, |ByPosition(r): &Row| Cursor {
                    key: Some(SortKey::Int(r.reaction_count)),
                    id: r.id,
                })
                .await?
            }
            (FeedOrder::Nearest, Some(near)) => nearest_first(&tx, query, near, page).await?,
            (FeedOrder::Nearest, None) => {
                return Err(Error::invalid(
                    "orderBy",
                    "nearest first needs a point: filter by near",
                ));
            }
        };
        let mut found = with_details(&tx, found.map(|ByPosition(r)| r)).await?;
        tenant::done(tx).await?;
        if let Some(near) = &near {
            for (_, full) in &mut found.edges {
                full.distance_km = located(&full.resource).map(|at| near.center.distance_km(&at));
            }
        }
        Ok(found)
    }
}

fn checked_near(near: Near) -> Result<Near, Error> {
    if !(near.radius_km.is_finite() && near.radius_km > 0.0 && near.radius_km <= MAX_RADIUS_KM) {
        return Err(Error::invalid(
            "near.radiusKm",
            format!("the radius must be more than 0 and at most {MAX_RADIUS_KM} km"),
        ));
    }
    Ok(Near {
        center: Location::new(near.center.latitude, near.center.longitude)?,
        radius_km: near.radius_km,
    })
}

fn located(r: &resource::Model) -> Option<Location> {
    Some(Location {
        latitude: r.latitude?,
        longitude: r.longitude?,
    })
}

/// The bounding box (which the `(latitude, longitude)` index serves), then the circle by the
/// equirectangular distance key.
fn within(near: &Near) -> Condition {
    let bbox = BoundingBox::around(&near.center, near.radius_km);
    let mut longitudes = Condition::any();
    for (west, east) in &bbox.longitudes {
        longitudes = longitudes.add(resource::Column::Longitude.between(*west, *east));
    }
    let degrees = near.radius_km / geo::KM_PER_DEGREE;
    let mut all = Condition::all()
        .add(resource::Column::Latitude.between(bbox.south, bbox.north))
        .add(distance_key(&near.center).lte(degrees * degrees));
    if !bbox.longitudes.is_empty() {
        all = all.add(longitudes);
    }
    all
}

/// The squared distance in degrees of latitude on a plane around `center`: portable
/// arithmetic that orders like the true distance within the radii searched.
fn distance_key(center: &Location) -> sea_orm::sea_query::SimpleExpr {
    let shrink = center.latitude.to_radians().cos();
    let dlat = Expr::col(resource::Column::Latitude).sub(center.latitude);
    let dlon = Expr::col(resource::Column::Longitude)
        .sub(center.longitude)
        .mul(shrink);
    dlat.clone().mul(dlat).add(dlon.clone().mul(dlon))
}

/// One page ordered by the distance key, then id; the cursor carries the key.
async fn nearest_first(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<resource::Entity>,
    near: &Near,
    page: &PageRequest,
) -> Result<Page<Row>, Error> {
    let key = distance_key(&near.center);
    let mut query = query;
    if let Some(after) = &page.after {
        let Some(SortKey::Float(last)) = after.key else {
            return Err(PageError::BadCursor.into());
        };
        query = query.filter(
            Condition::any().add(key.clone().gt(last)).add(
                Condition::all()
                    .add(key.clone().eq(last))
                    .add(resource::Column::Id.gt(after.id)),
            ),
        );
    }
    let query = query.order_by(key, Order::Asc).order_by_asc(resource::Column::Id);
    let rows = page::all_limited(db, query, page.first + 1).await?;
    Ok(Page::from_rows(rows, page.first, |ByPosition(r)| Cursor {
        key: Some(SortKey::Float(
            located(r).map_or(f64::MAX, |at| planar_key(&near.center, &at)),
        )),
        id: r.id,
    }))
}

/// [`distance_key`] computed here, for the cursor: the same arithmetic in the same order.
fn planar_key(center: &Location, at: &Location) -> f64 {
    let shrink = center.latitude.to_radians().cos();
    let dlat = at.latitude - center.latitude;
    let dlon = (at.longitude - center.longitude) * shrink;
    dlat * dlat + dlon * dlon
}

/// The rule of [`may_see`] as a condition on `resources`, for lists: published public
/// resources; a person's own; and in each organization where the actor is a member, what
/// its visibility and status show them.
async fn visible_to(db: &impl ConnectionTrait, actor: &Actor) -> Result<Condition, Error> {
    let public = Condition::all()
        .add(resource::Column::Status.eq(Status::Published))
        .add(resource::Column::Visibility.eq(Visibility::Public));
    if actor.is_admin() {
        return Ok(Condition::all());
    }
    let Some(me) = actor.user_id() else {
        return Ok(public);
    };
    let mut any = Condition::any().add(public).add(
        Condition::all().add(resource::Column::OrgId.is_null()).add(
            Condition::any()
                .add(resource::Column::OwnerId.eq(me))
                .add(resource::Column::CreatorId.eq(me)),
        ),
    );
    for (m, seats) in access::memberships_with_seats(db, me).await? {
        if !m.role.is_member() {
            continue;
        }
        let role = m.role;
        let mine = Condition::all()
            .add(resource::Column::OrgId.eq(m.org_id))
            .add(within_visibility(me, role, &seats))
            .add(within_status(me, role, &seats));
        any = any.add(mine);
    }
    Ok(any)
}

/// Members-only for members; department-only for the department's members and moderators
/// and up; private for admins and the creator.
fn within_visibility(me: Uuid, role: Role, seated: &[department_member::Model]) -> Condition {
    let department = if role >= Role::Moderator {
        Condition::all().add(resource::Column::Visibility.eq(Visibility::Department))
    } else {
        Condition::all()
            .add(resource::Column::Visibility.eq(Visibility::Department))
            .add(resource::Column::DepartmentId.is_in(seated.iter().map(|s| s.department_id)))
    };
    let private = if role >= Role::Admin {
        Condition::all().add(resource::Column::Visibility.eq(Visibility::Private))
    } else {
        Condition::all()
            .add(resource::Column::Visibility.eq(Visibility::Private))
            .add(resource::Column::CreatorId.eq(me))
    };
    Condition::any()
        .add(resource::Column::Visibility.is_in([Visibility::Public, Visibility::Members]))
        .add(department)
        .add(private)
}

/// Published for everyone; drafts and archived resources for their creator and for whoever may
/// publish where they are (the whole organization, or the departments that grant it).
fn within_status(me: Uuid, role: Role, seated: &[department_member::Model]) -> Condition {
    if permission::role_allows(role, Permission::PublishResources) {
        return Condition::all();
    }
    let publishing = seated
        .iter()
        .filter(|s| permission::allows(Some(role), Some(&s.grant()), Permission::PublishResources))
        .map(|s| s.department_id);
    Condition::any()
        .add(resource::Column::Status.eq(Status::Published))
        .add(resource::Column::CreatorId.eq(me))
        .add(resource::Column::DepartmentId.is_in(publishing))
}

/// A page of resources with their tags and kind fields: one query for the tags and one per
/// kind present, not per resource. Not one statement joining the kinds' tables: on
/// PostgreSQL each kind table's row-level policy is a subquery on `resources`, and planning
/// that join took about 10 ms a request (issue 16).
pub(crate) async fn with_details(
    db: &impl ConnectionTrait,
    found: Page<resource::Model>,
) -> Result<Page<Full>, Error> {
    let models: Vec<&resource::Model> = found.edges.iter().map(|(_, r)| r).collect();
    let mut details = details_of(db, &models).await?;
    Ok(found.map(|r| {
        let Details { tags, data } = details.remove(&r.id).unwrap_or_default();
        Full {
            tags,
            data,
            resource: r,
            distance_km: None,
        }
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

/// What a resource has beyond its own row.
#[derive(Default)]
struct Details {
    tags: Vec<String>,
    data: Option<KindData>,
}

/// The tags and kind fields of many resources, in one statement: each kind present joined by
/// the resource's id, the tags gathered into a JSON array (in the database's order of text,
/// as the tags have always been listed). One statement and not one per kind and one for the
/// tags: the feed waited for each in turn (issue 16).
async fn details_of(
    db: &impl ConnectionTrait,
    resources: &[&resource::Model],
) -> Result<HashMap<Uuid, Details>, Error> {
    let mut found = HashMap::with_capacity(resources.len());
    if resources.is_empty() {
        return Ok(found);
    }
    let backend = db.get_database_backend();
    let mut select = Query::select();
    select
        .column((resource::Entity, resource::Column::Id))
        .expr_as(Expr::cust(tags_as_json(backend)), Alias::new("tags"))
        .from(resource::Entity)
        .and_where(Expr::col((resource::Entity, resource::Column::Id)).is_in(resources.iter().map(|r| r.id)));
    let mut kinds: Vec<&str> = resources.iter().map(|r| r.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    // The id and the tags, then each kind's columns: where each kind's begin.
    let mut first_column = HashMap::with_capacity(kinds.len());
    let mut columns = 2;
    for kind in kinds {
        first_column.insert(kind, columns);
        columns += kind::join(&mut select, kind);
    }
    let kind_of: HashMap<Uuid, &str> = resources.iter().map(|r| (r.id, r.kind.as_str())).collect();
    for row in db.query_all_raw(backend.build(&select)).await? {
        let mut read = Columns::new(&row);
        let id: Uuid = read.get("id")?;
        let Some(kind) = kind_of.get(&id) else { continue };
        let tags = match read.maybe::<String>("tags")? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| DbErr::Type(format!("the tags of resource {id}: {e}")))?,
            None => Vec::new(),
        };
        let data = match first_column.get(kind) {
            Some(&first) => kind::read_joined(&row, kind, first)?,
            None => None,
        };
        found.insert(id, Details { tags, data });
    }
    Ok(found)
}

/// A resource's tags as a JSON array of text, ordered; NULL (PostgreSQL) or `[]` (SQLite)
/// when it has none.
fn tags_as_json(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => {
            r#"(SELECT json_agg("tag" ORDER BY "tag")::text FROM "resource_tags" WHERE "resource_tags"."resource_id" = "resources"."id")"#
        }
        _ => {
            r#"(SELECT json_group_array("tag" ORDER BY "tag") FROM "resource_tags" WHERE "resource_tags"."resource_id" = "resources"."id")"#
        }
    }
}

/// Published public resources are for everyone, signed in or not.
fn for_everyone(r: &resource::Model) -> bool {
    r.status == Status::Published && r.visibility == Visibility::Public
}

/// The visibility rule, for reading and (first of all) for writing: nobody edits what they
/// may not see. Published public resources are for everyone. A person's other resources are
/// theirs and their creator's. In an organization only members see anything else, and only
/// within the visibility: members-only for members; department-only for the department's
/// members and the organization's moderators and up; private for its admins and the creator.
/// Drafts and archived resources are, within that, for their creator and whoever may publish
/// there. Platform admins see everything.
///
/// This is the rule on a connection or transaction the caller already has (a notifier's, as the
/// system): it does not check deletion, and opens no transaction of its own. Others ask
/// [`Resources::may_see`].
pub async fn may_see(db: &impl ConnectionTrait, actor: &Actor, r: &resource::Model) -> Result<bool, Error> {
    if for_everyone(r) || actor.is_admin() {
        return Ok(true);
    }
    let published = r.status == Status::Published;
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
