//! Writing resources (RS3): create, publish, archive and delete, allowed to a personal
//! resource's owner or to members whose role or department grants it.

use commons_core::audit::{self, Entry};
use commons_core::db::Conn;
use commons_core::{Actor, tenant, text};
use commons_orgs::Permission;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, SqlErr};
use uuid::Uuid;

use super::Scope;
use crate::Resources;
use crate::entity::resource::{self, Status, Visibility};
use crate::entity::resource_tag;
use crate::error::Error;
use crate::kind::{KindData, KindInput};

#[derive(Clone, Debug)]
pub struct CreateResource {
    /// A user, organization or department; the actor when absent.
    pub owner_id: Option<Uuid>,
    pub title: String,
    /// Derived from the title when absent.
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub kind: KindInput,
}

#[derive(Clone, Debug, Default)]
pub struct UpdateResource {
    pub id: Uuid,
    /// `None` keeps a field; for the summary `Some("")` clears it.
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
    /// The kind's own fields, replaced whole; it must be the resource's kind.
    pub kind: Option<KindInput>,
}

/// A resource with its tags and its kind's own fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Full {
    pub resource: resource::Model,
    pub tags: Vec<String>,
    pub data: Option<KindData>,
    /// How far from the point a distance search asked about; `None` elsewhere.
    pub distance_km: Option<f64>,
}

const MAX_TAGS: usize = 10;

impl Resources {
    /// Creates a draft. An organization's resource counts against its plan's monthly allowance.
    pub async fn create_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: CreateResource,
    ) -> Result<Full, Error> {
        let creator = actor.user_id().ok_or(Error::NotSignedIn)?;
        let title = text::required("title", &input.title, 200)?;
        let summary = text::optional("summary", input.summary.as_deref(), 2000)?;
        let tags = tags(&input.tags)?;
        let now = self.now();
        let id = commons_core::id::new();
        let tx = tenant::write(db, actor).await?;
        let scope = Scope::of_owner(&tx, actor, input.owner_id.unwrap_or(creator)).await?;
        check_visibility(scope, input.visibility)?;
        self.authorize(&tx, actor, scope, Permission::CreateResources)
            .await?;
        if matches!(input.kind, KindInput::Initiative(_)) {
            self.may_organize(&tx, actor, creator, scope).await?;
        }
        if let Some(org_id) = scope.org_id() {
            self.orgs.claim_resource_quota(&tx, org_id).await?;
        }
        let owner_id = input.owner_id.unwrap_or(creator);
        let slug = match input.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(given) => normalize_slug(given)?,
            None => derived_slug(&tx, owner_id, &title, id).await?,
        };
        let location = input.kind.location();
        let inserted = resource::ActiveModel {
            id: Set(id),
            kind: Set(input.kind.name().to_owned()),
            creator_id: Set(creator),
            owner_id: Set(owner_id),
            org_id: Set(scope.org_id()),
            department_id: Set(scope.department_id()),
            title: Set(title),
            slug: Set(slug),
            summary: Set(summary),
            visibility: Set(input.visibility),
            status: Set(Status::Draft),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(None),
            deleted_at: Set(None),
            latitude: Set(location.map(|l| l.latitude)),
            longitude: Set(location.map(|l| l.longitude)),
            reaction_count: Set(0),
            comment_count: Set(0),
            review: Set(None),
            review_reason: Set(None),
            reviewed_by: Set(None),
            reviewed_at: Set(None),
        }
        .insert(&tx)
        .await;
        let resource = match inserted {
            Ok(r) => r,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::SlugTaken);
            }
            Err(e) => return Err(e.into()),
        };
        insert_tags(&tx, id, &tags).await?;
        let data = input.kind.insert(&tx, &resource).await?;
        let entry = Entry::new("resource.created")
            .target("resource", id)
            .in_org(scope.org_id());
        audit::record(&tx, actor, entry, now).await?;
        tx.commit().await?;
        Ok(Full {
            resource,
            tags,
            data: Some(data),
            distance_km: None,
        })
    }

    /// Refuses an initiative of a person who is not an approved organizer: an account kind
    /// that needs approval, approved (GV1). An organization's people who create resources
    /// there may (checked before); so may platform admins.
    async fn may_organize(
        &self,
        tx: &impl sea_orm::ConnectionTrait,
        actor: &Actor,
        creator: Uuid,
        scope: Scope,
    ) -> Result<(), Error> {
        if actor.is_admin() || scope.org_id().is_some() {
            return Ok(());
        }
        let found = commons_identity::entity::user::Entity::find_by_id(creator)
            .one(tx)
            .await?
            .ok_or(Error::NotSignedIn)?;
        let approved_kind = self
            .orgs
            .identity()
            .settings()
            .account_kinds
            .iter()
            .any(|k| k.requires_approval && k.name == found.account_kind);
        if approved_kind && found.status == commons_identity::entity::user::UserStatus::Active {
            Ok(())
        } else {
            Err(Error::NotAnOrganizer)
        }
    }

    /// Changes the shared fields (and, given the same kind, the kind's own fields). Its creator
    /// may, with the right to create there; moderators may.
    pub async fn update_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        input: UpdateResource,
    ) -> Result<Full, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let current = live(&tx, actor, input.id).await?;
        let scope = scope_of(&current);
        self.authorize(&tx, actor, scope, edit_permission(actor, &current))
            .await?;
        // What the public may see changes only by a publisher's decision: editing a published
        // resource, or changing who may see it, needs the right to publish.
        let visibility_changes = input.visibility.is_some_and(|v| v != current.visibility);
        if current.status == Status::Published || visibility_changes {
            self.authorize(&tx, actor, scope, Permission::PublishResources)
                .await?;
        }
        // Where content is reviewed, what the public sees changes only by a moderator.
        if current.status == Status::Published
            && super::moderation::requires_approval(&tx, actor, scope).await?
        {
            self.authorize(&tx, actor, scope, Permission::ModerateResources)
                .await?;
        }
        let mut model: resource::ActiveModel = current.clone().into();
        if let Some(title) = &input.title {
            model.title = Set(text::required("title", title, 200)?);
        }
        if input.summary.is_some() {
            model.summary = Set(text::optional("summary", input.summary.as_deref(), 2000)?);
        }
        if let Some(slug) = &input.slug {
            model.slug = Set(normalize_slug(slug)?);
        }
        if let Some(visibility) = input.visibility {
            check_visibility(scope, visibility)?;
            model.visibility = Set(visibility);
        }
        if let Some(kind) = &input.kind {
            // The place moves with the kind's fields.
            let location = kind.location();
            model.latitude = Set(location.map(|l| l.latitude));
            model.longitude = Set(location.map(|l| l.longitude));
        }
        model.updated_at = Set(now);
        let updated = match model.update(&tx).await {
            Ok(r) => r,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::SlugTaken);
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(given) = &input.tags {
            let tags = tags(given)?;
            resource_tag::Entity::delete_many()
                .filter(resource_tag::Column::ResourceId.eq(updated.id))
                .exec(&tx)
                .await?;
            insert_tags(&tx, updated.id, &tags).await?;
        }
        if let Some(kind) = input.kind
            && let KindData::Event(_) = kind.replace(&tx, &updated).await?
        {
            // More seats may have opened: they go to the waitlist first.
            super::registrations::fill_seats(&tx, actor, updated.id, now).await?;
        }
        audit::record(
            &tx,
            actor,
            Entry::new("resource.updated")
                .target("resource", updated.id)
                .in_org(updated.org_id),
            now,
        )
        .await?;
        tx.commit().await?;
        self.resource(db, actor, updated.id).await?.ok_or(Error::NotFound)
    }

    /// Hands a resource to another owner. The giver needs the right to edit it where it is,
    /// and the right to create where it goes (an organization's allowance counts it).
    pub async fn transfer_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        new_owner_id: Uuid,
    ) -> Result<resource::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let current = live(&tx, actor, id).await?;
        // Giving an organization's resource away is a moderator's decision, not its creator's.
        self.authorize(&tx, actor, scope_of(&current), Permission::ModerateResources)
            .await?;
        let to = Scope::of_owner(&tx, actor, new_owner_id).await?;
        self.authorize(&tx, actor, to, Permission::CreateResources)
            .await?;
        check_visibility(to, current.visibility)?;
        if let Some(org_id) = to.org_id().filter(|org| Some(*org) != current.org_id) {
            self.orgs.claim_resource_quota(&tx, org_id).await?;
        }
        let from = current.owner_id;
        let kind = current.kind.clone();
        let mut model: resource::ActiveModel = current.into();
        model.owner_id = Set(new_owner_id);
        model.org_id = Set(to.org_id());
        model.department_id = Set(to.department_id());
        model.updated_at = Set(now);
        match kind.as_str() {
            crate::kind::page::KIND => {
                crate::kind::page::detach_from_other_owners(&tx, id, new_owner_id).await?;
            }
            crate::kind::event::KIND => {
                super::registrations::move_to_organization(&tx, actor, id, to.org_id()).await?;
            }
            _ => {}
        }
        let moved = match model.update(&tx).await {
            Ok(r) => r,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Error::SlugTaken);
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &tx,
            actor,
            Entry::new("resource.transferred")
                .target("resource", id)
                .in_org(moved.org_id)
                .metadata(serde_json::json!({ "from": from, "to": new_owner_id })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// Publishes a draft (or brings back an archived resource).
    pub async fn publish_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<resource::Model, Error> {
        self.move_to(db, actor, id, Status::Published).await
    }

    /// Takes a published resource out of the feed, keeping it.
    pub async fn archive_resource<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
    ) -> Result<resource::Model, Error> {
        self.move_to(db, actor, id, Status::Archived).await
    }

    /// Deletes softly: the row stays (reactions and orders may point at it), nobody sees it.
    /// Its creator may, with the right to create there; moderators may.
    pub async fn delete_resource<C: Conn>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<(), Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let current = live(&tx, actor, id).await?;
        let scope = scope_of(&current);
        self.authorize(&tx, actor, scope, edit_permission(actor, &current))
            .await?;
        let mut model: resource::ActiveModel = current.into();
        model.deleted_at = Set(Some(now));
        model.updated_at = Set(now);
        let deleted = model.update(&tx).await?;
        let entry = Entry::new("resource.deleted")
            .target("resource", id)
            .in_org(deleted.org_id);
        audit::record(&tx, actor, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn move_to<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        to: Status,
    ) -> Result<resource::Model, Error> {
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let current = live(&tx, actor, id).await?;
        let scope = scope_of(&current);
        self.authorize(&tx, actor, scope, Permission::PublishResources)
            .await?;
        if to == Status::Published
            && super::moderation::requires_approval(&tx, actor, scope).await?
            && !super::holds_any(&tx, actor, scope, &[Permission::ModerateResources]).await?
        {
            return Err(Error::ApprovalRequired);
        }
        let allowed = matches!(
            (current.status, to),
            (Status::Draft | Status::Archived, Status::Published) | (Status::Published, Status::Archived)
        );
        if !allowed {
            return Err(Error::WrongStatus {
                current: status_name(current.status),
                action: status_name(to),
            });
        }
        let first_publication = current.published_at.is_none() && to == Status::Published;
        let mut model: resource::ActiveModel = current.into();
        model.status = Set(to);
        model.updated_at = Set(now);
        if first_publication {
            model.published_at = Set(Some(now));
        }
        let moved = model.update(&tx).await?;
        let action = match to {
            Status::Published => "resource.published",
            _ => "resource.archived",
        };
        let entry = Entry::new(action).target("resource", id).in_org(moved.org_id);
        audit::record(&tx, actor, entry, now).await?;
        tx.commit().await?;
        Ok(moved)
    }
}

/// Its creator edits a resource with the right to create there; others need to moderate.
pub(crate) fn edit_permission(actor: &Actor, resource: &resource::Model) -> Permission {
    if actor.user_id() == Some(resource.creator_id) {
        Permission::CreateResources
    } else {
        Permission::ModerateResources
    }
}

async fn insert_tags(db: &impl sea_orm::ConnectionTrait, id: Uuid, tags: &[String]) -> Result<(), Error> {
    for tag in tags {
        resource_tag::Entity::insert(resource_tag::ActiveModel {
            resource_id: Set(id),
            tag: Set(tag.clone()),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

pub(crate) fn scope_of(resource: &resource::Model) -> Scope {
    match resource.org_id {
        None => Scope::Person(resource.owner_id),
        Some(org_id) => Scope::Organization {
            org_id,
            department_id: resource.department_id,
        },
    }
}

/// A resource that is not deleted and that `actor` may see: nobody changes what they may not
/// see (and what they may not see does not exist for them). Other crates' services (reactions,
/// comments, orders) check what they point at with it, inside their own transaction.
pub async fn live(
    db: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<resource::Model, Error> {
    let found = resource::Entity::find_by_id(id)
        .filter(resource::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    if !super::reading::may_see(db, actor, &found).await? {
        return Err(Error::NotFound);
    }
    Ok(found)
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Draft => "draft",
        Status::Published => "published",
        Status::Archived => "archived",
    }
}

/// Department visibility needs a department owner; member visibility an organization.
fn check_visibility(scope: Scope, visibility: Visibility) -> Result<(), Error> {
    let fits = match visibility {
        Visibility::Public | Visibility::Private => true,
        Visibility::Members => scope.org_id().is_some(),
        Visibility::Department => scope.department_id().is_some(),
    };
    if fits {
        Ok(())
    } else {
        Err(Error::invalid(
            "visibility",
            "members visibility needs an organization owner, department visibility a department owner",
        ))
    }
}

/// Trimmed, lower-cased, 1 to 50 characters, at most ten, each once.
fn tags(given: &[String]) -> Result<Vec<String>, Error> {
    let mut tags: Vec<String> = Vec::new();
    for tag in given {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > 50 {
            return Err(Error::invalid("tags", "each tag must be 1 to 50 characters"));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(tags)
}

/// The title in a–z, 0–9 and `-`, at most 80 characters, possibly empty.
fn title_slug(title: &str) -> String {
    // Kazakh's own letters as the Latin alphabet of 2021 writes them, without diacritics
    // (deunicode alone makes `Қ` into `K'`, splitting words).
    let kazakh: String = title
        .chars()
        .map(|c| match c {
            'ә' | 'Ә' => 'a',
            'ғ' | 'Ғ' => 'g',
            'қ' | 'Қ' => 'q',
            'ң' | 'Ң' => 'n',
            'ө' | 'Ө' => 'o',
            'ұ' | 'Ұ' | 'ү' | 'Ү' => 'u',
            'һ' | 'Һ' => 'h',
            'і' | 'І' => 'i',
            other => other,
        })
        .collect();
    let slug: String = slug::slugify(kazakh).chars().take(80).collect();
    slug.trim_end_matches('-').to_owned()
}

/// 1 to 100 of a–z, 0–9 and `-`.
fn normalize_slug(slug: &str) -> Result<String, Error> {
    let slug = slug.trim().to_lowercase();
    let ok = (1..=100).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug)
    } else {
        Err(Error::invalid(
            "slug",
            "the address must be 1 to 100 of a–z, 0–9 and -, not starting or ending with -",
        ))
    }
}

/// A slug from the title, transliterated to Latin letters (`Субботник на Волге` →
/// `subbotnik-na-volge`); when nothing is left (punctuation only) or the owner has it already, the
/// id's random tail makes it unique.
async fn derived_slug(
    db: &impl sea_orm::ConnectionTrait,
    owner_id: Uuid,
    title: &str,
    id: Uuid,
) -> Result<String, Error> {
    let base = title_slug(title);
    let base = base.as_str();
    let tail = &id.simple().to_string()[26..];
    if base.is_empty() {
        return Ok(tail.to_owned());
    }
    let taken = resource::Entity::find()
        .filter(resource::Column::OwnerId.eq(owner_id))
        .filter(resource::Column::Slug.eq(base))
        .one(db)
        .await?
        .is_some();
    Ok(if taken {
        format!("{base}-{tail}")
    } else {
        base.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::title_slug;

    #[test]
    fn titles_in_any_script_make_readable_slugs() {
        assert_eq!(title_slug("Spring clean-up, 2026!"), "spring-clean-up-2026");
        assert_eq!(title_slug("Субботник на Волге"), "subbotnik-na-volge");
        assert_eq!(title_slug("Қалалық сенбілік"), "qalalyq-senbilik");
        assert_eq!(title_slug("🌱 2"), "seedling-2");
        assert_eq!(title_slug("!!!"), "");
        assert!(title_slug(&"долгое название ".repeat(20)).len() <= 80);
    }
}
