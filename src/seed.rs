//! Demo data, created through the services so it obeys every rule. Running it twice creates
//! nothing twice.

use anyhow::Context;
use commons_core::Actor;
use commons_identity::service::accounts::Register;
use commons_identity::{Identity, PlatformRole};
use sea_orm::DatabaseConnection;

/// Every demo account shares this password.
pub const DEMO_PASSWORD: &str = "commons-demo-2026";

struct DemoUser {
    email: &'static str,
    username: &'static str,
    display_name: &'static str,
    account_kind: &'static str,
    admin: bool,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@commons.local",
        username: "platform_admin",
        display_name: "Platform Admin",
        account_kind: "person",
        admin: true,
    },
    DemoUser {
        email: "alice@commons.local",
        username: "alice",
        display_name: "Alice",
        account_kind: "person",
        admin: false,
    },
    DemoUser {
        email: "bob@commons.local",
        username: "bob",
        display_name: "Bob",
        account_kind: "person",
        admin: false,
    },
    DemoUser {
        email: "olga@commons.local",
        username: "olga",
        display_name: "Olga (organizer, pending)",
        account_kind: "organizer",
        admin: false,
    },
];

pub async fn run(db: &DatabaseConnection, identity: &Identity) -> anyhow::Result<()> {
    for demo in USERS {
        if identity
            .user_by_email(db, &Actor::System, demo.email)
            .await?
            .is_some()
        {
            tracing::info!(email = demo.email, "already there");
            continue;
        }
        let kind_known = identity
            .settings()
            .account_kinds
            .iter()
            .any(|k| k.name == demo.account_kind);
        let register = Register {
            email: demo.email.into(),
            username: demo.username.into(),
            password: DEMO_PASSWORD.into(),
            account_kind: kind_known.then(|| demo.account_kind.into()),
            display_name: Some(demo.display_name.into()),
            ..Register::default()
        };
        let session = identity
            .register(db, &Actor::System, register)
            .await
            .with_context(|| format!("registering {}", demo.email))?;
        if demo.admin {
            identity
                .set_platform_role(db, &Actor::System, session.user.id, PlatformRole::Admin)
                .await?;
        }
        tracing::info!(email = demo.email, "created");
    }
    println!("Demo users (password {DEMO_PASSWORD:?}):");
    for demo in USERS {
        println!(
            "  {:<22} {}{}",
            demo.email,
            demo.username,
            if demo.admin { " (admin)" } else { "" }
        );
    }
    Ok(())
}

pub async fn grant_admin(db: &DatabaseConnection, identity: &Identity, email: &str) -> anyhow::Result<()> {
    let user = identity
        .user_by_email(db, &Actor::System, email)
        .await?
        .with_context(|| format!("no user with email {email}"))?;
    identity
        .set_platform_role(db, &Actor::System, user.id, PlatformRole::Admin)
        .await?;
    println!("{} is now a platform administrator", user.email);
    Ok(())
}
