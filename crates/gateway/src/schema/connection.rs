//! Relay cursor connections from the services' keyset pages.

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};
use commons_core::{Page, PageRequest};

/// A connection of `page`'s items, each turned into its GraphQL type by `f`.
pub fn connection<T, U: OutputType>(
    request: &PageRequest,
    page: Page<T>,
    mut f: impl FnMut(T) -> U,
) -> Connection<String, U> {
    let mut connection = Connection::new(request.after.is_some(), page.has_next_page);
    connection.edges.extend(
        page.edges
            .into_iter()
            .map(|(cursor, item)| Edge::new(cursor.encode(), f(item))),
    );
    connection
}
