//! Linking a domain crate directly: register and sign in through `commons-identity`, with the
//! same rules the API enforces, on a SQLite file of your choosing.
//!
//!     cargo run --example identity_direct -- sqlite:example.db

use commons_core::{Actor, Db};
use commons_identity::service::accounts::Register;
use commons_identity::service::sessions::Login;
use commons_identity::{Identity, Settings, TokenKeys};
use commons_migrations::{Migrator, MigratorTrait};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite:example.db".into());
    let db = Db::connect(&url).await?;
    Migrator::up(&db, None).await?;
    let identity = Identity::new(
        TokenKeys::from_secret(&TokenKeys::random_secret())?,
        Settings::default(),
    );

    let email = format!("example-{}@example.org", commons_core::id::new().simple());
    let username = format!("ex_{}", &commons_core::id::new().simple().to_string()[20..]);
    let input = Register {
        email: email.clone(),
        username,
        password: "correct horse battery".into(),
        ..Register::default()
    };
    let registered = identity.register(&db, &Actor::ANONYMOUS, input).await?;
    println!(
        "registered {} ({:?})",
        registered.user.username, registered.user.status
    );

    // The rules hold here exactly as over GraphQL: a weak password is refused.
    let weak = Register {
        email: "weak@example.org".into(),
        username: "weakling".into(),
        password: "short".into(),
        ..Register::default()
    };
    if let Err(e) = identity.register(&db, &Actor::ANONYMOUS, weak).await {
        println!("refused as expected: {e}");
    }

    let login = Login {
        email,
        password: "correct horse battery".into(),
        client: Default::default(),
    };
    let session = identity.login(&db, &Actor::ANONYMOUS, login).await?;
    let actor = identity.authenticate(&db, &session.access_token).await?;
    println!("signed in as {:?}", actor.user_id());
    Ok(())
}
