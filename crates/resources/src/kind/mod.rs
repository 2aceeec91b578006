//! The kinds of resource (RS2). Each kind is a module with its own table: its input, its
//! checks, and how it is written and read. The shared `resources` table never changes for a
//! new kind; this enum and the module do.

pub mod blogpost;
pub mod event;
pub mod initiative;
pub mod page;
pub mod photo;
pub mod product;
pub mod spot;

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity;
use crate::error::Error;
use crate::geo::Location;

/// A kind's own fields, as given to `create_resource`.
#[derive(Clone, Debug)]
pub enum KindInput {
    Blogpost(blogpost::BlogpostInput),
    Event(event::EventInput),
    Initiative(initiative::InitiativeInput),
    Page(page::PageInput),
    Photo(photo::PhotoInput),
    Product(product::ProductInput),
    Spot(spot::SpotInput),
}

/// A kind's own fields, as stored.
#[derive(Clone, Debug, PartialEq)]
pub enum KindData {
    Blogpost(entity::blogpost::Model),
    Event(entity::event::Model),
    Initiative(entity::initiative::Model),
    Page(entity::page::Model),
    Photo(entity::photo::Model),
    Product(entity::product::Model),
    Spot(entity::spot::Model),
}

/// Every kind's name, as stored in `resources.kind`.
pub const KINDS: [&str; 7] = [
    blogpost::KIND,
    event::KIND,
    initiative::KIND,
    page::KIND,
    photo::KIND,
    product::KIND,
    spot::KIND,
];

impl KindInput {
    /// The name stored in `resources.kind`.
    pub fn name(&self) -> &'static str {
        match self {
            KindInput::Blogpost(_) => blogpost::KIND,
            KindInput::Event(_) => event::KIND,
            KindInput::Initiative(_) => initiative::KIND,
            KindInput::Page(_) => page::KIND,
            KindInput::Photo(_) => photo::KIND,
            KindInput::Product(_) => product::KIND,
            KindInput::Spot(_) => spot::KIND,
        }
    }

    /// Where the resource is, for the kinds that have a place: written to the shared row,
    /// where distance search finds every kind.
    pub fn location(&self) -> Option<Location> {
        match self {
            KindInput::Event(e) => e.location,
            KindInput::Initiative(i) => i.location,
            KindInput::Spot(s) => Some(s.location),
            _ => None,
        }
    }

    /// Writes the kind's row for `resource`, after checking its fields.
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        resource: &entity::resource::Model,
    ) -> Result<KindData, Error> {
        let id = resource.id;
        Ok(match self {
            KindInput::Blogpost(input) => KindData::Blogpost(input.insert(db, id).await?),
            KindInput::Event(input) => KindData::Event(input.insert(db, id).await?),
            KindInput::Initiative(input) => KindData::Initiative(input.insert(db, id).await?),
            KindInput::Page(input) => KindData::Page(input.insert(db, resource).await?),
            KindInput::Photo(input) => KindData::Photo(input.insert(db, resource).await?),
            KindInput::Product(input) => KindData::Product(input.insert(db, id).await?),
            KindInput::Spot(input) => KindData::Spot(input.insert(db, id).await?),
        })
    }

    /// Replaces the kind's row of `resource` with these fields. Events keep their registrations
    /// and seat count, products are updated in place (orders take stock from the row); the
    /// other kinds' rows are written anew.
    pub(crate) async fn replace(
        self,
        db: &impl ConnectionTrait,
        resource: &entity::resource::Model,
    ) -> Result<KindData, Error> {
        if resource.kind != self.name() {
            return Err(Error::invalid(
                "kind",
                format!("this resource is a {}", resource.kind),
            ));
        }
        let id = resource.id;
        match self {
            KindInput::Event(input) => Ok(KindData::Event(input.replace(db, id).await?)),
            KindInput::Product(input) => Ok(KindData::Product(input.replace(db, id).await?)),
            KindInput::Initiative(input) => Ok(KindData::Initiative(input.replace(db, id).await?)),
            other => {
                match &other {
                    KindInput::Blogpost(_) => delete_row::<entity::blogpost::Entity>(db, id).await?,
                    KindInput::Page(_) => delete_row::<entity::page::Entity>(db, id).await?,
                    KindInput::Photo(_) => delete_row::<entity::photo::Entity>(db, id).await?,
                    KindInput::Spot(_) => delete_row::<entity::spot::Entity>(db, id).await?,
                    KindInput::Event(_) | KindInput::Product(_) | KindInput::Initiative(_) => {}
                }
                other.insert(db, resource).await
            }
        }
    }
}

async fn delete_row<E>(db: &impl ConnectionTrait, id: Uuid) -> Result<(), Error>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    E::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The kind's own fields of many resources, one query per kind present.
pub async fn load_many(
    db: &impl ConnectionTrait,
    resources: &[&entity::resource::Model],
) -> Result<HashMap<Uuid, KindData>, Error> {
    use entity::{
        blogpost as b, event as e, initiative as i, page as p, photo as ph, product as pr, spot as s,
    };
    let mut found = HashMap::new();
    load::<b::Entity>(
        db,
        resources,
        blogpost::KIND,
        b::Column::ResourceId,
        &mut found,
        |m| (m.resource_id, KindData::Blogpost(m)),
    )
    .await?;
    load::<e::Entity>(
        db,
        resources,
        event::KIND,
        e::Column::ResourceId,
        &mut found,
        |m| (m.resource_id, KindData::Event(m)),
    )
    .await?;
    load::<i::Entity>(
        db,
        resources,
        initiative::KIND,
        i::Column::ResourceId,
        &mut found,
        |m| (m.resource_id, KindData::Initiative(m)),
    )
    .await?;
    load::<p::Entity>(
        db,
        resources,
        page::KIND,
        p::Column::ResourceId,
        &mut found,
        |m| (m.resource_id, KindData::Page(m)),
    )
    .await?;
    load::<ph::Entity>(
        db,
        resources,
        photo::KIND,
        ph::Column::ResourceId,
        &mut found,
        |m| (m.resource_id, KindData::Photo(m)),
    )
    .await?;
    load::<pr::Entity>(
        db,
        resources,
        product::KIND,
        pr::Column::ResourceId,
        &mut found,
        |m| (m.resource_id, KindData::Product(m)),
    )
    .await?;
    load::<s::Entity>(
        db,
        resources,
        spot::KIND,
        s::Column::ResourceId,
        &mut found,
        |m| (m.resource_id, KindData::Spot(m)),
    )
    .await?;
    Ok(found)
}

/// One kind's rows for those of `resources` that are of `kind`; no query when there are none.
async fn load<E: EntityTrait>(
    db: &impl ConnectionTrait,
    resources: &[&entity::resource::Model],
    kind: &str,
    key: E::Column,
    found: &mut HashMap<Uuid, KindData>,
    wrap: impl Fn(E::Model) -> (Uuid, KindData),
) -> Result<(), Error> {
    let ids: Vec<Uuid> = resources
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    for model in E::find().filter(key.is_in(ids)).all(db).await? {
        let (id, data) = wrap(model);
        found.insert(id, data);
    }
    Ok(())
}
