//! `commons`: the server and its tools. `cargo run --release` serves.

mod cli;
mod scale;
mod seed;

use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use commons_core::Backend;
use commons_core::Db;
use commons_core::db::{DbOptions, redact};
use commons_gateway::{App, GatewayConfig};
use commons_identity::{Identity, Settings, TokenKeys};
use commons_migrations::{Migrator, MigratorTrait, SYSTEM_ROLE};
use commons_orgs::Orgs;
use commons_resources::Resources;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use cli::{Cli, Command, PaymentArgs, ServeArgs};

// A third of the server's CPU samples were in glibc's malloc and free; mimalloc served the
// feed, the resource page and logins faster in interleaved runs (ARCHITECTURE.md, decisions).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc hands freed memory back to the system a while after it is freed (its purge
/// delay), but only when some later allocation or free gets round to it. An idle server
/// makes neither, so the password hashers' buffers (19 MiB per thread, let go after a burst
/// of sign-ins) stayed resident: 95 MiB 12 s after three registrations, 55 MiB with this
/// (both measured with huge pages still on). A thread of its own asks mimalloc to do the
/// purges that are due, every few seconds.
#[cfg(feature = "mimalloc")]
fn purge_freed_memory_while_idle() {
    const EVERY: Duration = Duration::from_secs(5);
    let spawned = std::thread::Builder::new()
        .name("allocator-purge".into())
        .spawn(|| {
            loop {
                std::thread::sleep(EVERY);
                // SAFETY: `mi_collect` may be called from any thread at any time; without
                // `force` it only purges what its delay has already released.
                unsafe { libmimalloc_sys::mi_collect(false) };
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the allocator's purge thread");
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli::init_tracing(&cli.log_format);
    match cli.command.unwrap_or_default() {
        Command::Serve(args) => serve(&cli.database_url, *args).await,
        Command::Migrate => {
            let db = connect(&cli.database_url).await?;
            Migrator::up(&db, None).await.context("applying migrations")?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Schema => {
            print!("{}", commons_gateway::sdl());
            Ok(())
        }
        Command::Seed(args) => {
            let db = connect(&cli.database_url).await?;
            Migrator::up(&db, None).await.context("applying migrations")?;
            let identity = Identity::new(
                TokenKeys::from_secret(&TokenKeys::random_secret())?,
                args.identity_settings()?,
            );
            let orgs = Orgs::new(identity, commons_orgs::Settings::default());
            seed::run(&db, &orgs).await?;
            if let Some(total) = args.scale {
                scale::run(&db, &orgs, total, args.writers.max(1)).await?;
            }
            Ok(())
        }
        Command::Billing(args) => {
            let db = connect(&cli.database_url).await?;
            Migrator::up(&db, None).await.context("applying migrations")?;
            let identity = Identity::new(
                TokenKeys::from_secret(&TokenKeys::random_secret())?,
                Settings::default(),
            );
            let orgs = Orgs::new(identity, commons_orgs::Settings::default());
            let config = payments_config(&args)?;
            let payments = commons_payments::Payments::new(
                commons_sales::Sales::new(Resources::new(orgs)),
                config.provider,
            )
            .with_fee(config.fee);
            let run = payments.bill_due(&db).await?;
            tracing::info!(
                invoiced = run.invoiced,
                paid = run.paid,
                failed = run.failed,
                "plans billed"
            );
            println!(
                "invoiced {}, paid {}, failed {}",
                run.invoiced, run.paid, run.failed
            );
            Ok(())
        }
        Command::GrantAdmin { email } => {
            let db = connect(&cli.database_url).await?;
            let identity = Identity::new(
                TokenKeys::from_secret(&TokenKeys::random_secret())?,
                Settings::default(),
            );
            seed::grant_admin(&db, &identity, &email).await
        }
    }
}

async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    Db::connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))
}

/// PostgreSQL: the server acts as the system (sign-in, notifications, the outbox) only if its
/// login holds `commons_system`; without it those would quietly find nothing, so say so now.
async fn require_system_login(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT pg_has_role(session_user, '{SYSTEM_ROLE}', 'MEMBER') AS holds, session_user::text AS login"),
        ))
        .await
        .context("checking the database login's roles")?
        .context("the role check returned no row")?;
    if row.try_get::<bool>("", "holds")? {
        return Ok(());
    }
    let login: String = row.try_get("", "login")?;
    anyhow::bail!(
        "the database login {login} does not hold the role {SYSTEM_ROLE}, which the server needs to act \
         as the system (sign-in, notifications, the outbox); as the database owner run \
         `GRANT {SYSTEM_ROLE} TO {login}`"
    )
}

async fn serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    #[cfg(feature = "mimalloc")]
    purge_freed_memory_while_idle();
    let db = connect(database_url).await?;
    if args.no_migrate {
        tracing::info!("skipping migrations (--no-migrate)");
    } else {
        Migrator::up(&db, None).await.context("applying migrations")?;
    }
    let db = match Backend::of_url(database_url)? {
        Backend::Postgres if !args.db_role.is_empty() => {
            db.close().await.ok();
            let options = DbOptions {
                role: Some(args.db_role.clone()),
                ..DbOptions::default()
            };
            Db::connect_with(database_url, &options)
                .await
                .with_context(|| format!("connecting to {} as role {}", redact(database_url), args.db_role))?
        }
        _ => db,
    };
    require_system_login(&db).await?;
    let identity = Identity::new(args.token_keys()?, args.identity_settings()?);
    let orgs = Orgs::new(identity, args.orgs.settings());
    let media = args.media.settings(database_url)?;
    let config = GatewayConfig {
        max_body_bytes: args.max_body_bytes,
        request_timeout: Duration::from_secs(args.request_timeout_secs),
        websocket: commons_gateway::http::ws_limits::Limits {
            max_subscriptions: args.ws_max_subscriptions,
            init_timeout: Duration::from_secs(args.ws_init_timeout_secs),
            idle_timeout: Duration::from_secs(args.ws_idle_timeout_secs),
        },
        auth_attempts_per_minute: args.auth_rate_limit,
        visits_per_minute: args.visit_rate_limit,
        cors_origins: args.cors_origins.clone(),
        trusted_proxies: args.trusted_proxies.max(usize::from(args.trust_forwarded_for)),
        payments: payments_config(&args.payments)?,
        ..GatewayConfig::default()
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(database = %redact(database_url), "GraphiQL at http://{address}/ , GraphQL at http://{address}/graphql");
    commons_gateway::http::serve(
        listener,
        App::new(db, Resources::new(orgs).with_media(media), config),
        shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// The payment provider asked for and the fee.
fn payments_config(args: &PaymentArgs) -> anyhow::Result<commons_gateway::config::PaymentsConfig> {
    Ok(commons_gateway::config::PaymentsConfig {
        provider: payment_provider(args)?,
        fee: commons_payments::Fee {
            basis_points: args.payment_fee_bps,
        },
    })
}

fn payment_provider(
    args: &PaymentArgs,
) -> anyhow::Result<std::sync::Arc<dyn commons_payments::PaymentProvider>> {
    match args.payment_provider.as_str() {
        // With the secret given, else a random one (then no one can send it events).
        "test" => Ok(std::sync::Arc::new(match &args.test_provider_secret {
            Some(secret) => commons_payments::TestProvider::new(secret.clone()),
            None => commons_payments::TestProvider::with_random_secret(),
        })),
        "stripe" => stripe(args),
        other => anyhow::bail!("--payment-provider is test or stripe, not {other}"),
    }
}

#[cfg(feature = "stripe")]
fn stripe(args: &PaymentArgs) -> anyhow::Result<std::sync::Arc<dyn commons_payments::PaymentProvider>> {
    let (Some(key), Some(webhooks)) = (&args.stripe_secret_key, &args.stripe_webhook_secret) else {
        anyhow::bail!("Stripe needs --stripe-secret-key and --stripe-webhook-secret");
    };
    Ok(std::sync::Arc::new(
        commons_payments::provider::StripeProvider::new(key.clone(), webhooks.clone()),
    ))
}

#[cfg(not(feature = "stripe"))]
fn stripe(_: &PaymentArgs) -> anyhow::Result<std::sync::Arc<dyn commons_payments::PaymentProvider>> {
    anyhow::bail!("this build has no Stripe provider: build it with `--features stripe`")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; finishing requests in flight");
}
