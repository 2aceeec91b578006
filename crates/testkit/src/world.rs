//! The world: a fresh database and the services over it.

use std::path::Path;
use std::sync::Arc;

use commons_core::{Actor, SharedClock, SystemClock, tenant};
use commons_identity::{Identity, TokenKeys};
use commons_migrations::testing::TestDb;
use commons_orgs::Orgs;
use commons_resources::Resources;
use commons_resources::media::MediaSettings;
use sea_orm::{ConnectionTrait, Statement};

/// The key the test worlds sign tokens with (tests forging a token need it too).
pub const TOKEN_SECRET: &[u8] = b"a test world's secret, of at least 32 bytes";

/// Uploads up to this size; small, so a test can pass the limit cheaply.
pub const MAX_UPLOAD: usize = 64 * 1024;

pub struct World {
    pub db: TestDb,
    /// The resource services, and through them the organization and identity services.
    pub resources: Resources,
    /// Uploads, removed with the world.
    media: tempfile::TempDir,
}

/// A world with other settings or another clock than [`World::new`]'s.
pub struct WorldBuilder {
    orgs: commons_orgs::Settings,
    clock: SharedClock,
}

impl World {
    /// A fresh database, the system clock and the default settings.
    pub async fn new() -> World {
        World::builder().build().await
    }

    pub fn builder() -> WorldBuilder {
        WorldBuilder {
            orgs: commons_orgs::Settings::default(),
            clock: Arc::new(SystemClock),
        }
    }

    pub fn orgs(&self) -> &Orgs {
        self.resources.orgs()
    }

    pub fn identity(&self) -> &Identity {
        self.orgs().identity()
    }

    /// Where uploads are kept.
    pub fn media_folder(&self) -> &Path {
        self.media.path()
    }

    /// What an unfiltered `SELECT count(*)` of each of `tables` finds as `actor`: a query
    /// that forgets the services' filters, so that on PostgreSQL only row level security
    /// decides what is there.
    pub async fn rows_seen_by<const N: usize>(&self, actor: &Actor, tables: [&str; N]) -> [i64; N] {
        let counts: Vec<String> = tables
            .iter()
            .enumerate()
            .map(|(i, table)| format!("(SELECT count(*) FROM {table}) AS c{i}"))
            .collect();
        let tx = tenant::read(&self.db.conn, actor).await.expect("begin");
        let sql = format!("SELECT {}", counts.join(", "));
        let row = tx
            .query_one_raw(Statement::from_string(tx.get_database_backend(), sql))
            .await
            .expect("count")
            .expect("a row");
        std::array::from_fn(|i| row.try_get::<i64>("", &format!("c{i}")).expect("a count"))
    }
}

impl WorldBuilder {
    /// The platform's organization settings (approval of new organizations, bonuses).
    pub fn orgs_settings(mut self, settings: commons_orgs::Settings) -> WorldBuilder {
        self.orgs = settings;
        self
    }

    /// The clock every service reads (tests move a `ManualClock`).
    pub fn clock(mut self, clock: SharedClock) -> WorldBuilder {
        self.clock = clock;
        self
    }

    pub async fn build(self) -> World {
        let keys = TokenKeys::from_secret(TOKEN_SECRET).expect("a long enough secret");
        let identity = Identity::new(keys, commons_identity::Settings::default()).with_clock(self.clock);
        let media = tempfile::tempdir().expect("a folder for uploads");
        let mut uploads = MediaSettings::local(media.path());
        uploads.max_bytes = MAX_UPLOAD;
        World {
            db: TestDb::fresh().await,
            resources: Resources::new(Orgs::new(identity, self.orgs)).with_media(uploads),
            media,
        }
    }
}
