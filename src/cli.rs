//! The command line: flags, their environment variables, and logging.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use commons_identity::{Settings, TokenKeys};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "commons",
    version,
    about = "Commons: one GraphQL API for communities, organizations and the people in them"
)]
pub struct Cli {
    /// Database URL: `sqlite:FILE` (created if missing) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:commons.db",
        global = true
    )]
    pub database_url: String,

    /// Log format: `text` for people, `json` for log collectors. Filter with RUST_LOG.
    #[arg(long, env = "COMMONS_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Apply migrations and serve GraphQL (the default).
    // Boxed: its many settings would make every other command as large.
    Serve(Box<ServeArgs>),
    /// Apply migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Create demo users, an organization and its resources (idempotent).
    Seed(SeedArgs),
    /// Invoice and charge the organizations' plans whose month has ended (PA6), then exit.
    /// The server does the same every minute; run this from cron where it does not run.
    Billing(PaymentArgs),
    /// Make an existing user a platform administrator.
    GrantAdmin {
        #[arg(long)]
        email: String,
    },
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(Box::new(ServeArgs::parse_from(["serve"])))
    }
}

#[derive(Args, Clone)]
pub struct IdentityArgs {
    /// Account kinds people register as; `:approval` marks those an admin must approve.
    #[arg(
        long,
        env = "COMMONS_ACCOUNT_KINDS",
        default_value = "person,organizer:approval"
    )]
    pub account_kinds: String,
}

/// Who moves the money (PA2) and what the platform keeps.
#[derive(Args, Clone)]
pub struct PaymentArgs {
    /// Who moves the money: `test` (built in: the amount decides, see the README) or `stripe`
    /// (built with `--features stripe`).
    #[arg(long, env = "COMMONS_PAYMENT_PROVIDER", default_value = "test")]
    pub payment_provider: String,

    /// Stripe: the account's secret key (`sk_…`).
    #[arg(long, env = "COMMONS_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    /// Stripe: the webhook endpoint's signing secret (`whsec_…`); Stripe sends events to
    /// `POST /webhooks/stripe`.
    #[arg(long, env = "COMMONS_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// The secret the built-in test payment provider signs its webhooks with
    /// (`POST /webhooks/test`, header `Commons-Signature`, Stripe's scheme). Without it a
    /// random one is made at start, and no one can send the server test provider events.
    #[arg(long, env = "COMMONS_TEST_PROVIDER_SECRET", hide_env_values = true)]
    pub test_provider_secret: Option<String>,

    /// The platform's fee on every payment, in basis points (250 = 2.5%), taken from what
    /// the payee receives.
    #[arg(long, env = "COMMONS_PAYMENT_FEE_BPS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub payment_fee_bps: u32,
}

#[derive(Parser, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COMMONS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// File holding the secret that signs access tokens (at least 32 bytes). The secret can
    /// also come in COMMONS_JWT_SECRET. Without either, a random one is made at start, and
    /// every restart signs everyone out.
    #[arg(long, env = "COMMONS_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    /// Do not apply migrations at start.
    #[arg(long)]
    pub no_migrate: bool,

    /// PostgreSQL: the role the server acts as after migrating, so row level security applies
    /// to it (the URL's user must be allowed to `SET ROLE` to it; `migrate` grants that). An
    /// empty value keeps the URL's own user.
    #[arg(long, env = "COMMONS_DB_ROLE", default_value = commons_migrations::APP_ROLE)]
    pub db_role: String,

    /// `login` and `register` attempts per client IP per minute; 0 turns the limit off.
    #[arg(long, env = "COMMONS_AUTH_RATE_LIMIT", default_value_t = 20)]
    pub auth_rate_limit: u32,

    /// Anonymous `recordVisit` calls per client IP per minute; 0 turns the limit off.
    #[arg(long, env = "COMMONS_VISIT_RATE_LIMIT", default_value_t = 60)]
    pub visit_rate_limit: u32,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "COMMONS_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds a request may run before it is answered with TIMEOUT.
    #[arg(long, env = "COMMONS_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Subscriptions one WebSocket connection may hold at once (more closes it with 4429).
    #[arg(long, env = "COMMONS_WS_MAX_SUBSCRIPTIONS", default_value_t = 100)]
    pub ws_max_subscriptions: usize,

    /// Seconds a WebSocket may take to send `connection_init` (then 4408).
    #[arg(long, env = "COMMONS_WS_INIT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,

    /// Seconds a WebSocket with no subscription may stay silent before it is closed.
    #[arg(long, env = "COMMONS_WS_IDLE_TIMEOUT_SECS", default_value_t = 300)]
    pub ws_idle_timeout_secs: u64,

    /// Proxies in front of the server that append the client's address to X-Forwarded-For
    /// (a load balancer and a CDN: 2). The client IP is read that many hops from the right,
    /// so what a client writes into the header itself is never taken. 0 uses the peer.
    #[arg(long, env = "COMMONS_TRUSTED_PROXIES", default_value_t = 0)]
    pub trusted_proxies: usize,

    /// Origins of browser pages on other sites that may call the API, comma-separated
    /// (`https://app.example.org`), or `*` for any. None by default: only pages served from
    /// this origin (GraphiQL).
    #[arg(long = "cors-origin", env = "COMMONS_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// The same as `--trusted-proxies 1` (kept for existing deployments).
    #[arg(long, env = "COMMONS_TRUST_FORWARDED_FOR", hide = true)]
    pub trust_forwarded_for: bool,

    #[command(flatten)]
    pub identity: IdentityArgs,

    #[command(flatten)]
    pub payments: PaymentArgs,

    #[command(flatten)]
    pub orgs: OrgsArgs,

    #[command(flatten)]
    pub media: MediaArgs,
}

#[derive(Args, Clone)]
pub struct MediaArgs {
    /// Folder for uploaded files; next to the SQLite database when omitted
    /// (`commons.db` → `commons-media/`), else `commons-media/` in the working directory.
    #[arg(long, env = "COMMONS_MEDIA_DIR")]
    pub media_dir: Option<std::path::PathBuf>,

    /// Largest upload accepted, in bytes.
    #[arg(long, env = "COMMONS_MAX_UPLOAD_BYTES", default_value_t = commons_resources::media::MediaSettings::DEFAULT_MAX_BYTES)]
    pub max_upload_bytes: usize,

    /// Keep uploads in this S3-compatible bucket instead of a folder, configured by the standard
    /// AWS_* variables (AWS_ENDPOINT for MinIO or R2). Needs a build with `--features s3`.
    #[arg(long, env = "COMMONS_S3_BUCKET")]
    pub s3_bucket: Option<String>,
}

impl MediaArgs {
    pub fn settings(&self, database_url: &str) -> anyhow::Result<commons_resources::media::MediaSettings> {
        let store: std::sync::Arc<dyn commons_resources::media::MediaStore> = match &self.s3_bucket {
            #[cfg(feature = "s3")]
            Some(bucket) => {
                std::sync::Arc::new(commons_resources::media::store::s3::S3Store::from_env(bucket)?)
            }
            #[cfg(not(feature = "s3"))]
            Some(_) => anyhow::bail!("--s3-bucket needs a build with `--features s3`"),
            None => std::sync::Arc::new(commons_resources::media::LocalStore::new(
                self.media_dir
                    .clone()
                    .unwrap_or_else(|| media_dir_for(database_url)),
            )),
        };
        Ok(commons_resources::media::MediaSettings {
            store,
            max_bytes: self.max_upload_bytes,
        })
    }
}

/// `sqlite:data/commons.db` → `data/commons-media`; anything else → `commons-media`.
fn media_dir_for(database_url: &str) -> std::path::PathBuf {
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|f| !f.is_empty() && !f.starts_with(':'));
    match file {
        Some(file) => {
            let path = std::path::Path::new(file);
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("commons");
            path.with_file_name(format!("{stem}-media"))
        }
        None => "commons-media".into(),
    }
}

#[derive(Args, Clone)]
pub struct OrgsArgs {
    /// New organizations wait for a platform administrator's approval.
    #[arg(long, env = "COMMONS_ORG_APPROVAL")]
    pub org_approval: bool,

    /// Points to a person who signs up with an invite.
    #[arg(long, env = "COMMONS_SIGNUP_BONUS", default_value_t = commons_orgs::Settings::default().signup_bonus)]
    pub signup_bonus: i64,

    /// Points to the inviter for each person who signs up with their invite.
    #[arg(long, env = "COMMONS_REFERRAL_BONUS", default_value_t = commons_orgs::Settings::default().referral_bonus)]
    pub referral_bonus: i64,
}

impl OrgsArgs {
    pub fn settings(&self) -> commons_orgs::Settings {
        commons_orgs::Settings {
            creation_requires_approval: self.org_approval,
            signup_bonus: self.signup_bonus,
            referral_bonus: self.referral_bonus,
        }
    }
}

#[derive(Args, Clone)]
pub struct SeedArgs {
    #[command(flatten)]
    pub identity: IdentityArgs,

    /// Also make sure at least this many published public resources exist (written by 100
    /// seeded authors through the services, in parallel): data for the benchmark's feed.
    #[arg(long)]
    pub scale: Option<u64>,

    /// Parallel writers for `--scale`.
    #[arg(long, default_value_t = 8)]
    pub writers: usize,
}

impl IdentityArgs {
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let account_kinds = Settings::parse_account_kinds(&self.account_kinds).map_err(anyhow::Error::msg)?;
        Ok(Settings {
            account_kinds,
            ..Settings::default()
        })
    }
}

impl ServeArgs {
    pub fn identity_settings(&self) -> anyhow::Result<Settings> {
        self.identity.settings()
    }

    pub fn token_keys(&self) -> anyhow::Result<TokenKeys> {
        let secret = if let Some(path) = &self.jwt_secret_file {
            let mut bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            while bytes.last().is_some_and(u8::is_ascii_whitespace) {
                bytes.pop();
            }
            bytes
        } else if let Some(secret) = std::env::var_os("COMMONS_JWT_SECRET").filter(|s| !s.is_empty()) {
            secret.into_encoded_bytes()
        } else {
            tracing::warn!(
                "no COMMONS_JWT_SECRET or --jwt-secret-file: using a random key; sessions end when the server restarts"
            );
            TokenKeys::random_secret()
        };
        TokenKeys::from_secret(&secret).context("the JWT secret")
    }
}

impl SeedArgs {
    pub fn identity_settings(&self) -> anyhow::Result<Settings> {
        self.identity.settings()
    }
}

pub fn init_tracing(format: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::media_dir_for;

    #[test]
    fn media_sits_next_to_the_database() {
        assert_eq!(
            media_dir_for("sqlite:commons.db"),
            std::path::PathBuf::from("commons-media")
        );
        assert_eq!(
            media_dir_for("sqlite://data/app.db?mode=rwc"),
            std::path::PathBuf::from("data/app-media")
        );
        assert_eq!(
            media_dir_for("sqlite::memory:"),
            std::path::PathBuf::from("commons-media")
        );
        assert_eq!(
            media_dir_for("postgres://postgres@127.0.0.1/test"),
            std::path::PathBuf::from("commons-media")
        );
    }
}
