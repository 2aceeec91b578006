//! Demo data, created through the services so it obeys every rule. Running it twice creates
//! nothing twice.

use anyhow::Context;
use chrono::Datelike;
use commons_core::Actor;
use commons_identity::service::accounts::Register;
use commons_identity::{Identity, PlatformRole};
use commons_orgs::service::departments::CreateDepartment;
use commons_orgs::service::invites::CreateInvite;
use commons_orgs::service::organizations::CreateOrganization;
use commons_orgs::{OrganizationKind, Orgs};
use commons_resources::geo::Location;
use commons_resources::kind::blogpost::BlogpostInput;
use commons_resources::kind::event::EventInput;
use commons_resources::kind::initiative::InitiativeInput;
use commons_resources::kind::page::PageInput;
use commons_resources::kind::photo::PhotoInput;
use commons_resources::kind::product::ProductInput;
use commons_resources::kind::spot::SpotInput;
use commons_resources::service::writing::CreateResource;
use commons_resources::{KindData, KindInput, Resources, Visibility};
use commons_sales::{CreateOrder, LineInput, OrderStatus, Sales};
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

pub async fn run(db: &DatabaseConnection, orgs: &Orgs) -> anyhow::Result<()> {
    let identity = orgs.identity();
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
    seed_organization(db, orgs).await?;
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

/// `commons-demo`, owned by alice, with bob as a member and a department.
async fn seed_organization(db: &DatabaseConnection, orgs: &Orgs) -> anyhow::Result<()> {
    const SLUG: &str = "commons-demo";
    if orgs
        .organization_by_slug(db, &Actor::System, SLUG)
        .await?
        .is_some()
    {
        tracing::info!(slug = SLUG, "already there");
        return Ok(());
    }
    let person = |email: &'static str| async move {
        let user = orgs
            .identity()
            .user_by_email(db, &Actor::System, email)
            .await?
            .with_context(|| format!("{email} was seeded"))?;
        anyhow::Ok(Actor::User {
            id: user.id,
            platform_role: user.platform_role.into(),
            scopes: None,
            session: None,
        })
    };
    let (alice, bob) = (
        person("alice@commons.local").await?,
        person("bob@commons.local").await?,
    );
    let org = orgs
        .create_organization(
            db,
            &alice,
            CreateOrganization {
                name: "Commons Demo".into(),
                slug: SLUG.into(),
                description: Some("A volunteer network to try Commons with".into()),
                logo_url: None,
                kind: OrganizationKind::Virtual,
            },
        )
        .await?;
    let department = orgs
        .create_department(
            db,
            &alice,
            CreateDepartment {
                org_id: org.id,
                name: "Volunteers".into(),
                description: None,
                timezone: Some("Asia/Almaty".into()),
                requires_approval: true,
            },
        )
        .await?;
    let invite = orgs
        .create_invite(
            db,
            &alice,
            CreateInvite {
                org_id: Some(org.id),
                department_ids: vec![department.id],
                ..CreateInvite::default()
            },
        )
        .await?;
    orgs.accept_invite(db, &bob, &invite.code).await?;
    seed_resources(db, orgs, &alice, &bob, org.id, department.id).await?;
    tracing::info!(slug = SLUG, "created");
    println!(
        "Demo organization {SLUG:?}: owner alice, member bob; invite code {}",
        invite.code
    );
    Ok(())
}

/// A resource of every kind for the demo organization (and a department-only post), with
/// bob registered for the event and an order of his placed with the shop.
async fn seed_resources(
    db: &DatabaseConnection,
    orgs: &Orgs,
    alice: &Actor,
    bob: &Actor,
    org_id: sea_orm::prelude::Uuid,
    department_id: sea_orm::prelude::Uuid,
) -> anyhow::Result<()> {
    let resources = Resources::new(orgs.clone());
    // Next Saturday, 9:00 in Almaty (UTC+5).
    let today = chrono::Utc::now().date_naive();
    let days = match (5 + 7 - today.weekday().num_days_from_monday()) % 7 {
        0 => 7,
        ahead => ahead,
    };
    let saturday = (today + chrono::Days::new(u64::from(days)))
        .and_hms_opt(4, 0, 0)
        .context("a valid time")?
        .and_utc();
    let demo = [
        (
            org_id,
            "Welcome to Commons Demo",
            Visibility::Public,
            KindInput::Blogpost(BlogpostInput {
                body: "We plant trees every Saturday. Join us!".into(),
                cover_url: None,
            }),
        ),
        (
            org_id,
            "About us",
            Visibility::Public,
            KindInput::Page(PageInput {
                path: "about".into(),
                body: "A volunteer network to try Commons with.".into(),
                parent_id: None,
            }),
        ),
        (
            department_id,
            "Volunteers' plan for May",
            Visibility::Department,
            KindInput::Blogpost(BlogpostInput {
                body: "Only for the Volunteers department.".into(),
                cover_url: None,
            }),
        ),
        (
            org_id,
            "Saturday tree planting",
            Visibility::Public,
            KindInput::Event(EventInput {
                starts_at: saturday,
                ends_at: saturday + chrono::Duration::hours(4),
                timezone: Some("Asia/Almaty".into()),
                place: Some("Botanical Garden, Almaty".into()),
                online_url: None,
                location: Some(Location::new(43.2195, 76.9155)?),
                capacity: Some(20),
                registration_opens_at: None,
                registration_closes_at: None,
                participants_visible: true,
            }),
        ),
        (
            org_id,
            "Green Almaty: 1,000 trees",
            Visibility::Public,
            KindInput::Initiative(InitiativeInput {
                category: "environment".into(),
                place: Some("Almaty".into()),
                location: Some(Location::new(43.2389, 76.8897)?),
                starts_at: Some(saturday),
                ends_at: None,
                goal_minor: Some(20_000_000),
                currency: Some("KZT".into()),
                max_participants: Some(200),
            }),
        ),
        (
            org_id,
            "Last Saturday's planting",
            Visibility::Public,
            KindInput::Photo(PhotoInput {
                url: Some("https://images.example.org/commons-demo/planting.jpg".into()),
                media_id: None,
                caption: Some("120 saplings in three hours".into()),
            }),
        ),
        (
            org_id,
            "Volunteer T-shirt",
            Visibility::Public,
            KindInput::Product(ProductInput {
                price_minor: 500_000,
                currency: "KZT".into(),
                sku: Some("TSHIRT-GREEN-M".into()),
                stock: Some(40),
                active: true,
            }),
        ),
        (
            org_id,
            "Reusable water bottle",
            Visibility::Public,
            KindInput::Product(ProductInput {
                price_minor: 250_000,
                currency: "KZT".into(),
                sku: Some("BOTTLE-750".into()),
                stock: None,
                active: true,
            }),
        ),
        (
            org_id,
            "Tool shed",
            Visibility::Public,
            KindInput::Spot(SpotInput {
                location: Location::new(43.2389, 76.8897)?,
                address: Some("Abay Ave 10, Almaty".into()),
                hours: Some("Sat 8:00–14:00".into()),
                requires_booking_approval: false,
            }),
        ),
    ];
    let mut products = Vec::new();
    let mut initiative = None;
    for (owner, title, visibility, kind) in demo {
        let created = resources
            .create_resource(
                db,
                alice,
                CreateResource {
                    owner_id: Some(owner),
                    title: title.into(),
                    slug: None,
                    summary: None,
                    tags: vec!["demo".into()],
                    visibility,
                    kind,
                },
            )
            .await?;
        resources.publish_resource(db, alice, created.resource.id).await?;
        match created.data {
            Some(KindData::Event(_)) => {
                resources.register_for_event(db, bob, created.resource.id).await?;
            }
            Some(KindData::Product(_)) => products.push(created.resource.id),
            Some(KindData::Initiative(_)) => initiative = Some(created.resource.id),
            _ => {}
        }
    }
    // Bob buys a T-shirt and two bottles: an order the shop (alice) can confirm.
    let sales = Sales::new(resources);
    let order = sales
        .create_order(
            db,
            bob,
            CreateOrder {
                lines: products
                    .iter()
                    .zip([1, 2])
                    .map(|(product_id, quantity)| LineInput {
                        product_id: *product_id,
                        quantity,
                    })
                    .collect(),
                note: Some("Size M, please".into()),
                ..CreateOrder::default()
            },
        )
        .await?;
    sales
        .transition_order(db, bob, order.id, OrderStatus::Placed, None)
        .await?;
    let initiative = initiative.context("the demo has an initiative")?;
    seed_governance(db, orgs, alice, bob, initiative).await?;
    seed_payments(db, sales, alice, bob, org_id, order.id, initiative).await
}

/// The initiative opens with two tasks; bob joins by its code, claims the first and reports
/// on it, and alice approves his report with a 5. A poll among its participants, open for a
/// week, asks when to water next; bob has voted.
async fn seed_governance(
    db: &DatabaseConnection,
    orgs: &Orgs,
    alice: &Actor,
    bob: &Actor,
    initiative: sea_orm::prelude::Uuid,
) -> anyhow::Result<()> {
    use commons_governance::{
        CreatePoll, CreateTask, Eligibility, Governance, InitiativeStatus, PollKind, Review, SubmitReport,
    };
    let governance = Governance::new(Resources::new(orgs.clone()));
    let opened = governance
        .move_initiative(db, alice, initiative, InitiativeStatus::Open)
        .await?;
    let mut tasks = Vec::new();
    for (title, places) in [
        ("Dig 50 holes on Abay Ave", 5),
        ("Water the saplings on Sunday", 3),
    ] {
        let task = governance
            .create_task(
                db,
                alice,
                CreateTask {
                    initiative_id: initiative,
                    title: title.into(),
                    description: Some("Gloves and spades are at the tool shed.".into()),
                    deadline: None,
                    max_assignees: Some(places),
                },
            )
            .await?;
        tasks.push(task.id);
    }
    governance.join_initiative(db, bob, &opened.join_code).await?;
    governance.claim_task(db, bob, tasks[0]).await?;
    let report = governance
        .submit_report(
            db,
            bob,
            SubmitReport {
                task_id: tasks[0],
                body: "12 holes dug with Aigerim and Timur.".into(),
                photo_ids: vec![],
            },
        )
        .await?;
    governance
        .review_report(db, alice, report.id, Review::Approve { rating: 5 })
        .await?;
    let (_, options) = governance
        .create_poll(
            db,
            alice,
            CreatePoll {
                initiative_id: Some(initiative),
                organization_id: None,
                department_id: None,
                question: "When do we water the saplings next?".into(),
                description: None,
                kind: PollKind::Single,
                options: vec!["Saturday morning".into(), "Sunday evening".into()],
                eligibility: Eligibility::Participants,
                opens_at: None,
                closes_at: governance.now() + chrono::Duration::days(7),
                quorum: Some(2),
                threshold_percent: None,
                changeable: true,
                results_hidden: false,
                public_ballots: false,
            },
        )
        .await?;
    let poll = options.first().context("the poll has options")?;
    governance.cast_ballot(db, bob, poll.poll_id, &[poll.id]).await?;
    Ok(())
}

/// Bob pays his order (the shop's is confirmed); the initiative takes contributions, bob
/// gives and alice spends part on saplings; the organization is on the starter plan. Through
/// the built-in test provider, which charges at once.
async fn seed_payments(
    db: &DatabaseConnection,
    sales: Sales,
    alice: &Actor,
    bob: &Actor,
    org_id: sea_orm::prelude::Uuid,
    order_id: sea_orm::prelude::Uuid,
    initiative: sea_orm::prelude::Uuid,
) -> anyhow::Result<()> {
    let provider = std::sync::Arc::new(commons_payments::TestProvider::with_random_secret());
    let payments = commons_payments::Payments::new(sales, provider);
    payments.pay_order(db, bob, order_id, "seed-order").await?;
    let fund = commons_payments::Target::Resource(initiative);
    payments
        .accept_contributions(
            db,
            alice,
            commons_payments::AcceptContributions {
                target: fund,
                currency: "KZT".into(),
                goal_minor: Some(20_000_000),
                accepting: true,
            },
        )
        .await?;
    payments
        .contribute(
            db,
            bob,
            commons_payments::Contribute {
                target: fund,
                amount_minor: 1_500_000,
                currency: "KZT".into(),
                payer_id: None,
                anonymous: false,
                message: Some("For the saplings".into()),
                idempotency_key: "seed-gift".into(),
            },
        )
        .await?;
    payments
        .pay_out(
            db,
            alice,
            commons_payments::Payout {
                target: fund,
                amount_minor: 900_000,
                currency: "KZT".into(),
                description: "30 saplings from the city nursery".into(),
                receipt_media_id: None,
                idempotency_key: "seed-saplings".into(),
            },
        )
        .await?;
    payments
        .subscribe(db, alice, org_id, commons_orgs::Plan::Starter, "seed-plan")
        .await?;
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
