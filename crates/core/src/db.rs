//! Connecting to the database: embedded SQLite (the default) or PostgreSQL (production).

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseExecutor, DatabaseTransaction,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, DbErr> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(DbErr::Custom(format!(
                "unsupported database URL {:?}: use sqlite:… or postgres://…",
                redact(url)
            )))
        }
    }
}

/// Connection settings beyond the URL.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// PostgreSQL pool size. SQLite always writes through one connection at a time anyway.
    pub max_connections: u32,
    /// How long a request waits for a connection before it is answered `UNAVAILABLE` (503,
    /// retryable): short, so that a database outage is told at once rather than after a
    /// long wait; a healthy pool hands out connections in milliseconds.
    pub acquire_timeout: Duration,
    /// How long SQLite waits for a lock before giving up.
    pub busy_timeout: Duration,
    /// PostgreSQL only: the role every connection switches to at start-up (`SET ROLE`). `serve`
    /// uses `commons_app`, which row level security applies to, while migrations run as the
    /// URL's own user.
    pub role: Option<String>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(3),
            busy_timeout: Duration::from_secs(10),
            role: None,
        }
    }
}

pub struct Db;

impl Db {
    /// Connects with default options. SQLite files are created if missing.
    pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
        Self::connect_with(url, &DbOptions::default()).await
    }

    pub async fn connect_with(url: &str, opts: &DbOptions) -> Result<DatabaseConnection, DbErr> {
        let backend = Backend::of_url(url)?;
        let mut connect = ConnectOptions::new(url);
        connect.acquire_timeout(opts.acquire_timeout).sqlx_logging(false);
        match backend {
            Backend::Sqlite => {
                let busy = opts.busy_timeout;
                // WAL lets readers run beside the writer; foreign keys are off in SQLite unless
                // asked for on every connection; the busy timeout makes writers queue, not fail.
                connect
                    .max_connections(opts.max_connections.min(8))
                    .map_sqlx_sqlite_opts(move |o| {
                        o.create_if_missing(true)
                            .journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Normal)
                            .foreign_keys(true)
                            .busy_timeout(busy)
                    });
            }
            Backend::Postgres => {
                connect.max_connections(opts.max_connections);
                let role = opts.role.clone();
                let plain = plain_on_this_machine(url);
                connect.map_sqlx_postgres_opts(move |o| {
                    let o = match &role {
                        Some(role) => o.options([("role", role.clone())]),
                        None => o,
                    };
                    // The driver's default (`prefer`) would wrap every loopback connection in
                    // TLS, which costs 9–27% of the feed's rate and protects nothing on this
                    // machine; a URL that names `sslmode` gets exactly what it names.
                    if plain {
                        o.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable)
                    } else {
                        o
                    }
                });
            }
        }
        Database::connect(connect).await
    }
}

/// Whether a PostgreSQL URL reaches a server on this machine (loopback, or a Unix socket
/// directory) without naming `sslmode`: such connections go without TLS.
fn plain_on_this_machine(url: &str) -> bool {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let params: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    if params.iter().any(|(k, _)| k.eq_ignore_ascii_case("sslmode")) {
        return false;
    }
    // A `host` parameter (a socket directory, say) wins over the authority.
    if let Some((_, host)) = params.iter().find(|(k, _)| *k == "host") {
        return is_local_host(host);
    }
    let authority = base.split_once("://").map_or("", |(_, rest)| rest);
    let authority = authority.split('/').next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    // No host at all is the default Unix socket.
    host.is_empty() || is_local_host(host)
}

fn is_local_host(host: &str) -> bool {
    let host = host.replace("%2F", "/").replace("%2f", "/");
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What a service takes as its database: the pool, or a transaction to join.
pub trait Conn: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction> {
    /// Begins a transaction (a savepoint inside one) whose `BEGIN` is finished even when the
    /// caller is dropped while waiting for it.
    fn begin_whole(
        &self,
        options: TransactionOptions,
    ) -> impl Future<Output = Result<DatabaseTransaction, DbErr>> + Send;

    /// The pool, when this is one (not a transaction).
    fn pool(&self) -> Option<&DatabaseConnection>;

    /// Whether [`Conn::begin_whole`] begins a transaction of its own (not a savepoint).
    fn is_pool(&self) -> bool {
        self.pool().is_some()
    }
}

impl Conn for DatabaseConnection {
    async fn begin_whole(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        // sqlx 0.9.0 counts a transaction only once the server has answered its `BEGIN`: a
        // future dropped while waiting (a client that hung up, a timeout) hands the
        // connection back to the pool inside a transaction nobody will end, and the next
        // borrower's work runs in it. A task of its own always reads the answer; a
        // transaction its caller no longer waits for is dropped there, which rolls it back.
        let pool = self.clone();
        tokio::spawn(async move { pool.begin_with_options(options).await })
            .await
            .map_err(|failed| DbErr::Custom(format!("beginning a transaction failed: {failed}")))?
    }

    fn pool(&self) -> Option<&DatabaseConnection> {
        Some(self)
    }
}

impl Conn for DatabaseTransaction {
    async fn begin_whole(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        // A savepoint: a dropped one is undone with the transaction around it.
        self.begin_with_options(options).await
    }

    fn pool(&self) -> Option<&DatabaseConnection> {
        None
    }
}

impl Conn for DatabaseExecutor<'_> {
    async fn begin_whole(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        match self {
            DatabaseExecutor::Connection(pool) => pool.begin_whole(options).await,
            DatabaseExecutor::Transaction(tx) => tx.begin_whole(options).await,
            DatabaseExecutor::OwnedTransaction(tx) => tx.begin_whole(options).await,
        }
    }

    fn pool(&self) -> Option<&DatabaseConnection> {
        match self {
            DatabaseExecutor::Connection(pool) => Some(pool),
            _ => None,
        }
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing
/// when a read inside the transaction would have to be upgraded to a write. PostgreSQL ignores
/// the mode. Inside an existing transaction this opens a savepoint, which joins it.
pub async fn begin_write<C: Conn>(db: &C) -> Result<DatabaseTransaction, DbErr> {
    db.begin_whole(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// SQLite's "database is locked": the busy timeout ran out, or a read transaction could not
/// become a writer because another connection committed since it began (which SQLite reports
/// at once, without waiting).
pub fn is_locked(error: &DbErr) -> bool {
    error.to_string().contains("database is locked")
}

/// A URL without its password, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_sockets_go_without_tls_unless_the_url_says_otherwise() {
        for plain in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u:p@localhost/db",
            "postgresql://u@[::1]:5432/db",
            "postgres:///db",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
        ] {
            assert!(plain_on_this_machine(plain), "{plain}");
        }
        for chosen in [
            "postgres://postgres@127.0.0.1:5432/test?sslmode=require",
            "postgres://u@localhost/db?sslmode=prefer",
            "postgres://u@db.example.org/db",
            "postgres://u@10.0.0.5:5432/db",
            "postgres:///db?host=db.internal",
        ] {
            assert!(!plain_on_this_machine(chosen), "{chosen}");
        }
    }

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:commons.db"), "sqlite:commons.db");
    }

    #[test]
    fn tells_backends_apart() {
        assert_eq!(Backend::of_url("sqlite::memory:").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgresql://x/y").ok(), Some(Backend::Postgres));
        assert!(Backend::of_url("mysql://x/y").is_err());
    }
}
