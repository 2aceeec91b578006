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

use commons_core::row::{Columns, FromRow};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, QueryResult};
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

/// Calls `$apply!(module, Variant)` for every kind, so the list is written once: `module`
/// names both the kind's module here and its entity.
macro_rules! each_kind {
    ($apply:ident) => {
        $apply!(blogpost, Blogpost);
        $apply!(event, Event);
        $apply!(initiative, Initiative);
        $apply!(page, Page);
        $apply!(photo, Photo);
        $apply!(product, Product);
        $apply!(spot, Spot);
    };
}

/// Joins the table of `kind` to `select`, a statement that reads `resources`, by the
/// resource's id (a LEFT JOIN: a resource of another kind gets NULLs), its columns appended
/// in its model's order and named `<table>.<column>`. Answers how many columns it added, so
/// that the caller knows where the next kind's begin.
pub(crate) fn join(select: &mut SelectStatement, kind: &str) -> usize {
    macro_rules! join_if {
        ($module:ident, $variant:ident) => {
            if kind == $module::KIND {
                return join_table::<entity::$module::Entity>(select, entity::$module::Column::ResourceId);
            }
        };
    }
    each_kind!(join_if);
    0
}

/// The fields of `kind` in a row of a statement that [`join`]ed it, its columns from
/// position `first` on; `None` when the resource has no row of that kind.
pub(crate) fn read_joined(row: &QueryResult, kind: &str, first: usize) -> Result<Option<KindData>, DbErr> {
    macro_rules! read_if {
        ($module:ident, $variant:ident) => {
            if kind == $module::KIND {
                let found =
                    read_table::<entity::$module::Entity>(row, entity::$module::Column::ResourceId, first)?;
                return Ok(found.map(KindData::$variant));
            }
        };
    }
    each_kind!(read_if);
    Ok(None)
}

fn join_table<E: EntityTrait>(select: &mut SelectStatement, key: E::Column) -> usize {
    let table = E::default();
    select.left_join(
        table,
        Expr::col((table, key)).equals((entity::resource::Entity, entity::resource::Column::Id)),
    );
    let prefix = prefix::<E>();
    let mut added = 0;
    for column in E::Column::iter() {
        let name = format!("{prefix}{}", column.as_str());
        select.expr_as(Expr::col((table, column)), Alias::new(name));
        added += 1;
    }
    added
}

/// Read by position (`commons_core::row`): each kind's model lists its key first.
fn read_table<E: EntityTrait>(
    row: &QueryResult,
    key: E::Column,
    first: usize,
) -> Result<Option<E::Model>, DbErr>
where
    E::Model: FromRow,
{
    if Columns::from(row, first).maybe::<Uuid>(key.as_str())?.is_none() {
        return Ok(None);
    }
    E::Model::from_row(&mut Columns::from(row, first)).map(Some)
}

/// What a joined kind's columns are named after: `<table>.`, so that no two kinds' columns
/// (nor `resources`') share a name.
fn prefix<E: EntityTrait>() -> String {
    format!("{}.", E::default().table_name())
}
