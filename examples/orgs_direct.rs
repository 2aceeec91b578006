//! Linking `commons-orgs` directly: start an organization, invite a moderator, and watch the
//! permission matrix refuse what the API would refuse.
//!
//!     cargo run --example orgs_direct -- sqlite:example.db

use commons_core::{Actor, Db};
use commons_identity::service::accounts::Register;
use commons_identity::{Identity, Settings as IdentitySettings, TokenKeys};
use commons_migrations::{Migrator, MigratorTrait};
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::organizations::CreateOrganization;
use commons_orgs::{OrganizationKind, Orgs, Permission, Role, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite:example.db".into());
    let db = Db::connect(&url).await?;
    Migrator::up(&db, None).await?;
    let identity = Identity::new(
        TokenKeys::from_secret(&TokenKeys::random_secret())?,
        IdentitySettings::default(),
    );
    let orgs = Orgs::new(identity, Settings::default());

    let tag = commons_core::id::new().simple().to_string()[20..].to_owned();
    let person = |name: &str| Register {
        email: format!("{name}-{tag}@example.org"),
        username: format!("{name}_{tag}"),
        password: "correct horse battery".into(),
        ..Register::default()
    };
    let signed_in = |session: commons_identity::AuthSession| Actor::User {
        id: session.user.id,
        platform_role: session.user.platform_role.into(),
        scopes: None,
        session: None,
    };
    let owner = signed_in(
        orgs.identity()
            .register(&db, &Actor::ANONYMOUS, person("owner"))
            .await?,
    );

    let org = orgs
        .create_organization(
            &db,
            &owner,
            CreateOrganization {
                name: "Example Runners".into(),
                slug: format!("runners-{tag}"),
                description: None,
                logo_url: None,
                kind: OrganizationKind::Virtual,
            },
        )
        .await?;
    println!("created {} with {} member", org.slug, org.member_count);

    let invite = orgs
        .create_invite(
            &db,
            &owner,
            CreateInvite {
                org_id: Some(org.id),
                role: Some(Role::Moderator),
                max_uses: Some(1),
                ..CreateInvite::default()
            },
        )
        .await?;
    // A new account accepts the invite as it registers, in one transaction.
    let (session, _) = orgs
        .register_with_invite(&db, person("mod"), &invite.code)
        .await?;
    let moderator = signed_in(session);

    // The same matrix the API asks: moderators check people in, they do not manage billing.
    for permission in [Permission::CheckIn, Permission::ManageBilling] {
        match orgs.authorize(&db, &moderator, org.id, None, permission).await {
            Ok(_) => println!("a moderator may {permission}"),
            Err(e) => println!("a moderator may not {permission}: {e}"),
        }
    }
    Ok(())
}
