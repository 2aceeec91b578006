//! Fresh, migrated databases for tests. Without `TEST_DATABASE_URL`, a SQLite file in a
//! temporary folder (the same WAL mode as production). With it, a new PostgreSQL database
//! named after the test's own random id, dropped when the [`TestDb`] is dropped; its
//! connection acts as the role `commons_app`, like the server's, so row level security applies.

use commons_core::Db;
use commons_core::db::DbOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm;

use crate::{APP_ROLE, Migrator};

pub struct TestDb {
    pub conn: DatabaseConnection,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A new, migrated database for one test.
    pub async fn fresh() -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Self::postgres(admin_url).await,
            _ => Self::sqlite().await,
        }
    }

    /// The URL a second connection (or a server under test) can use.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }

    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder for the test database");
        let url = format!("sqlite:{}", dir.path().join("test.db").display());
        let conn = connect_and_migrate(&url).await;
        TestDb {
            conn,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    async fn postgres(admin_url: String) -> TestDb {
        let name = format!("commons_test_{}", uuid::Uuid::now_v7().simple());
        let admin = Db::connect(&admin_url).await.expect("TEST_DATABASE_URL answers");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let url = replace_database(&admin_url, &name);
        connect_and_migrate(&url).await.close().await.ok();
        // The tests then act as the server does: as `commons_app`, under row level security.
        // Concurrency tests queue hundreds of tasks on the pool of a machine shared with other
        // tests: they wait for a connection as long as it takes, where the server answers 503
        // after 3 s.
        let options = DbOptions {
            role: Some(APP_ROLE.to_string()),
            acquire_timeout: std::time::Duration::from_secs(60),
            ..DbOptions::default()
        };
        let conn = Db::connect_with(&url, &options)
            .await
            .expect("connect to the test database as the application role");
        TestDb {
            conn,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

async fn connect_and_migrate(url: &str) -> DatabaseConnection {
    let conn = Db::connect(url).await.expect("connect to the test database");
    Migrator::up(&conn, None).await.expect("migrations apply");
    conn
}

/// `postgres://u@h:5432/test?x=y` with its database swapped for `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop is synchronous and may run inside the test's runtime: do the async cleanup on
        // a thread of its own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let admin = Db::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop a test database");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://h/test?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
