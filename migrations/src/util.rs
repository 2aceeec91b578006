//! Small helpers that keep the migrations short and alike.

use sea_orm_migration::prelude::*;

/// `CHECK (column IN (...))`: enums are strings in the database, held to their values.
pub fn one_of(column: &'static str, values: &[&'static str]) -> SimpleExpr {
    Expr::col(column).is_in(values.iter().copied())
}

/// A foreign key from `table.column` to `target.id`.
pub fn fk(table: &'static str, column: &'static str, target: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

/// A foreign key from `table.column` to `target.id` that is cleared when the target goes.
pub fn fk_set_null(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    let mut key = fk(table, column, target);
    key.on_delete(ForeignKeyAction::SetNull);
    key
}

/// A foreign key from `table.column` to `target.id` that refuses to delete the target while
/// rows point at it: records that must be kept (orders, bookings).
pub fn fk_restrict(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    let mut key = fk(table, column, target);
    key.on_delete(ForeignKeyAction::Restrict);
    key
}

/// Drops `tables`, in the order given (dependents first).
pub async fn drop_tables(manager: &SchemaManager<'_>, tables: &[&'static str]) -> Result<(), DbErr> {
    for table in tables {
        manager.drop_table(Table::drop().table(*table).take()).await?;
    }
    Ok(())
}

/// An index on `table (columns…)`, named after them.
pub fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        index.col(*column);
    }
    index.take()
}

/// Row level security on `table` (PostgreSQL): `ENABLE` and `FORCE`, rows read, changed and
/// deleted where `seen` holds, inserted freely (the services check who writes).
pub async fn row_policies(db: &SchemaManagerConnection<'_>, table: &str, seen: &str) -> Result<(), DbErr> {
    row_policies_split(db, table, seen, seen).await
}

/// [`row_policies`] where who may read and who may change differ: rows read where `seen`
/// holds, changed and deleted where `writer` holds.
pub async fn row_policies_split(
    db: &SchemaManagerConnection<'_>,
    table: &str,
    seen: &str,
    writer: &str,
) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY; \
         CREATE POLICY tenant_read ON {table} FOR SELECT USING ({seen}); \
         CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK (true); \
         CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({writer}); \
         CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({writer});"
    ))
    .await?;
    Ok(())
}

/// Undoes [`row_policies`] on `table`: its four policies dropped, the wall down.
pub async fn drop_row_policies(db: &SchemaManagerConnection<'_>, table: &str) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "DROP POLICY tenant_read ON {table}; DROP POLICY tenant_insert ON {table}; \
         DROP POLICY tenant_update ON {table}; DROP POLICY tenant_delete ON {table}; \
         ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; \
         ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
    ))
    .await?;
    Ok(())
}
