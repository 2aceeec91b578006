//! Reading a model from a row by the position of its columns, for the few reads every feed
//! request makes many times over (issue 16).
//!
//! sea-orm's derived `FromQueryResult` finds each column by name and, for every NULL read
//! into an `Option`, formats an error message that it then throws away. For a page of twenty
//! resources and their people that was about a fifth of the server's instructions per feed
//! request. A model that implements [`FromRow`] is read column after column instead: each
//! value is still decoded by sea-orm's own `TryGetable`, so it reads exactly what the derive
//! would, and a NULL is recognised before anything is decoded.
//!
//! The order is the select's: an entity's `find()` selects its columns in the order of its
//! model's fields, and a partial model's in the order of its own. A [`FromRow`] lists them in
//! that order; in debug builds (every test) each read checks the column's name, so a list
//! out of order fails the tests rather than mixing up two columns.

use sea_orm::{DbErr, FromQueryResult, QueryResult, TryGetable};

/// A model read column by column, in the order its select lists them.
pub trait FromRow: Sized {
    fn from_row(columns: &mut Columns<'_>) -> Result<Self, DbErr>;
}

/// A [`FromRow`] model as sea-orm's selectors take it: `select.into_model::<ByPosition<M>>()`.
pub struct ByPosition<M>(pub M);

impl<M: FromRow> FromQueryResult for ByPosition<M> {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        debug_assert!(prefix.is_empty(), "a model read by position has no prefix");
        M::from_row(&mut Columns::new(row)).map(ByPosition)
    }
}

/// A cursor over one row's columns.
pub struct Columns<'r> {
    row: &'r QueryResult,
    next: usize,
}

impl<'r> Columns<'r> {
    /// From the row's first column.
    pub fn new(row: &'r QueryResult) -> Columns<'r> {
        Columns::from(row, 0)
    }

    /// From column `first` (counted from 0): a model whose columns follow others'.
    pub fn from(row: &'r QueryResult, first: usize) -> Columns<'r> {
        Columns { row, next: first }
    }

    /// The next column, named `name`, which must not be NULL.
    pub fn get<T: TryGetable>(&mut self, name: &str) -> Result<T, DbErr> {
        let at = self.advance(name);
        Ok(T::try_get_by_index(self.row, at)?)
    }

    /// The next column, named `name`, which may be NULL.
    pub fn maybe<T: TryGetable>(&mut self, name: &str) -> Result<Option<T>, DbErr> {
        let at = self.advance(name);
        match is_null(self.row, at) {
            Some(true) => Ok(None),
            Some(false) => Ok(Some(T::try_get_by_index(self.row, at)?)),
            None => Ok(Option::<T>::try_get_by_index(self.row, at)?),
        }
    }

    fn advance(&mut self, name: &str) -> usize {
        let at = self.next;
        self.next += 1;
        debug_assert!(
            column_name(self.row, at).is_none_or(|found| named(&found, name)),
            "column {at} is {:?}, read as {name:?}",
            column_name(self.row, at)
        );
        at
    }
}

/// Whether column `at` is NULL; `None` for a row that is not sqlx's (a mock), which the
/// slower path reads.
fn is_null(row: &QueryResult, at: usize) -> Option<bool> {
    use sea_orm::sqlx::{Row, ValueRef};
    if let Some(row) = row.try_as_pg_row() {
        return row.try_get_raw(at).ok().map(|value| value.is_null());
    }
    if let Some(row) = row.try_as_sqlite_row() {
        return row.try_get_raw(at).ok().map(|value| value.is_null());
    }
    None
}

/// Whether a column called `found` is the field `name`: itself, or a joined table's column
/// named `<table>.<name>`.
fn named(found: &str, name: &str) -> bool {
    found
        .strip_suffix(name)
        .is_some_and(|table| table.is_empty() || table.ends_with('.'))
}

fn column_name(row: &QueryResult, at: usize) -> Option<String> {
    use sea_orm::sqlx::{Column, Row};
    if let Some(row) = row.try_as_pg_row() {
        return row.columns().get(at).map(|c| c.name().to_owned());
    }
    if let Some(row) = row.try_as_sqlite_row() {
        return row.columns().get(at).map(|c| c.name().to_owned());
    }
    None
}

/// Implements [`FromRow`] for a model, its fields listed in the order its select reads them:
/// `name` for a column that is never NULL, `name: Option` for one that may be.
///
/// ```ignore
/// commons_core::from_row!(Model { resource_id, body, cover_url: Option });
/// ```
#[macro_export]
macro_rules! from_row {
    ($model:ty { $($field:ident $(: $option:ident)?),* $(,)? }) => {
        impl $crate::row::FromRow for $model {
            fn from_row(
                columns: &mut $crate::row::Columns<'_>,
            ) -> ::std::result::Result<Self, ::sea_orm::DbErr> {
                Ok(Self { $($field: $crate::from_row!(@read columns, $field $(, $option)?)),* })
            }
        }
    };
    (@read $columns:ident, $field:ident) => {
        $columns.get(stringify!($field))?
    };
    (@read $columns:ident, $field:ident, Option) => {
        $columns.maybe(stringify!($field))?
    };
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use super::*;

    #[derive(Debug, PartialEq)]
    struct Note {
        id: i64,
        title: String,
        body: Option<String>,
        stars: Option<i64>,
    }

    crate::from_row!(Note {
        id,
        title,
        body: Option,
        stars: Option
    });

    async fn one_row(sql: &str) -> QueryResult {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .unwrap();
        rows.into_iter().next().unwrap()
    }

    #[tokio::test]
    async fn reads_values_and_nulls_in_order() {
        let row = one_row("SELECT 7 AS id, 'Hello' AS title, NULL AS body, 3 AS stars").await;
        let ByPosition(note) = ByPosition::<Note>::from_query_result(&row, "").unwrap();
        assert_eq!(
            note,
            Note {
                id: 7,
                title: "Hello".into(),
                body: None,
                stars: Some(3)
            }
        );
    }

    #[tokio::test]
    async fn a_model_can_start_after_other_columns_and_carry_its_table_name() {
        let row = one_row(r#"SELECT 'x' AS other, 1 AS "notes.id", 'A' AS "notes.title", 'B' AS "notes.body", NULL AS "notes.stars""#).await;
        let note = Note::from_row(&mut Columns::from(&row, 1)).unwrap();
        assert_eq!(note.body.as_deref(), Some("B"));
        assert_eq!(note.stars, None);
    }

    #[tokio::test]
    async fn a_null_where_none_may_be_is_an_error_not_a_default() {
        let row = one_row("SELECT 1 AS id, NULL AS title, NULL AS body, NULL AS stars").await;
        let read = Note::from_row(&mut Columns::new(&row));
        assert!(matches!(read, Err(DbErr::Type(_))), "{read:?}");
    }

    #[tokio::test]
    #[should_panic(expected = "read as \"title\"")]
    async fn columns_out_of_order_fail_in_tests() {
        let row = one_row("SELECT 1 AS id, NULL AS body, 'A' AS title, NULL AS stars").await;
        let _ = Note::from_row(&mut Columns::new(&row));
    }

    #[test]
    fn a_joined_column_is_named_after_its_table() {
        assert!(named("id", "id"));
        assert!(named("blogposts.body", "body"));
        assert!(!named("creator_id", "id"));
        assert!(!named("blogposts.cover_url", "url"));
    }
}
