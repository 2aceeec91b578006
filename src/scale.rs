//! `commons seed --scale N`: published public resources by the hundred thousand, for the
//! benchmark's feed. They are written through the services like any other, by 100 authors,
//! in parallel, and topped up to N on later runs (never created twice).

use anyhow::Context;
use commons_core::{Actor, PlatformRole};
use commons_identity::service::accounts::Register;
use commons_orgs::Orgs;
use commons_resources::entity::resource;
use commons_resources::geo::Location;
use commons_resources::kind::blogpost::BlogpostInput;
use commons_resources::kind::event::EventInput;
use commons_resources::kind::spot::SpotInput;
use commons_resources::service::writing::CreateResource;
use commons_resources::{KindInput, Resources, Status, Visibility};
use sea_orm::prelude::Uuid;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

const AUTHORS: usize = 100;
const TAGS: [&str; 8] = [
    "running",
    "volunteering",
    "music",
    "books",
    "trees",
    "food",
    "kids",
    "art",
];

pub async fn run(db: &DatabaseConnection, orgs: &Orgs, total: u64, writers: usize) -> anyhow::Result<()> {
    let authors = authors(db, orgs).await?;
    let existing = resource::Entity::find()
        .filter(resource::Column::CreatorId.is_in(authors.clone()))
        .filter(resource::Column::Status.eq(Status::Published))
        .count(db)
        .await?;
    let missing = total.saturating_sub(existing);
    println!("{existing} scale resources exist; writing {missing} more with {writers} writers");
    let started = std::time::Instant::now();
    let resources = Resources::new(orgs.clone());
    let mut tasks = Vec::new();
    for writer in 0..writers as u64 {
        let share: Vec<u64> = (existing..existing + missing)
            .filter(|n| n % writers as u64 == writer)
            .collect();
        let (db, resources, authors) = (db.clone(), resources.clone(), authors.clone());
        tasks.push(tokio::spawn(async move {
            for n in share {
                let author = authors[(n % AUTHORS as u64) as usize];
                write_one(&db, &resources, author, n).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await.context("a writer stopped")??;
    }
    // A bulk load leaves the planner's statistics behind until autovacuum catches up; refresh
    // them now so the first queries after seeding are planned for the table as it is.
    db.execute_unprepared("ANALYZE").await.context("ANALYZE")?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "wrote {missing} resources in {seconds:.0} s ({:.0}/s)",
        missing as f64 / seconds.max(0.001)
    );
    Ok(())
}

/// The 100 authors, created on the first run with one password hash between them.
async fn authors(db: &DatabaseConnection, orgs: &Orgs) -> anyhow::Result<Vec<Uuid>> {
    let identity = orgs.identity();
    let template = identity
        .prepare_registration(Register {
            email: "author@scale.commons.local".into(),
            username: "scale_author".into(),
            password: crate::seed::DEMO_PASSWORD.into(),
            ..Register::default()
        })
        .await?;
    let mut ids = Vec::with_capacity(AUTHORS);
    for i in 0..AUTHORS {
        let email = format!("author{i}@scale.commons.local");
        let id = match identity.user_by_email(db, &Actor::System, &email).await? {
            Some(user) => user.id,
            None => {
                let mut account = template.clone();
                account.email = email;
                account.username = format!("scale_author_{i}");
                identity.create_account(db, account).await?.user.id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Resource number `n`: mostly posts, every tenth an event, every tenth a spot, so the feed
/// loads several kinds' tables.
async fn write_one(
    db: &DatabaseConnection,
    resources: &Resources,
    author: Uuid,
    n: u64,
) -> anyhow::Result<()> {
    let actor = Actor::User {
        id: author,
        platform_role: PlatformRole::User,
        scopes: None,
        session: None,
    };
    let (title, kind) = match n % 10 {
        3 => {
            let starts_at = chrono::Utc::now() + chrono::Duration::days(30 + (n % 300) as i64);
            (
                format!("Meetup {n}"),
                KindInput::Event(EventInput {
                    starts_at,
                    ends_at: starts_at + chrono::Duration::hours(2),
                    timezone: Some("Asia/Almaty".into()),
                    place: Some(format!("Hall {}", n % 40)),
                    online_url: None,
                    location: Some(near_almaty(n)?),
                    capacity: Some(50),
                    registration_opens_at: None,
                    registration_closes_at: None,
                    participants_visible: false,
                }),
            )
        }
        7 => (
            format!("Spot {n}"),
            KindInput::Spot(SpotInput {
                location: near_almaty(n)?,
                address: Some(format!("Street {}, {}", n % 500, n % 90)),
                hours: Some("Mon–Sun 9:00–21:00".into()),
                requires_booking_approval: false,
            }),
        ),
        _ => (
            format!("Post {n}"),
            KindInput::Blogpost(BlogpostInput {
                body: format!(
                    "Post number {n}. Commons seeds these for the benchmark's feed: \
                     a paragraph of text, as most posts have."
                ),
                cover_url: None,
            }),
        ),
    };
    let created = resources
        .create_resource(
            db,
            &actor,
            CreateResource {
                owner_id: None,
                title,
                slug: Some(format!("scale-{n}")),
                summary: Some(format!("Summary of resource {n}")),
                tags: vec![TAGS[(n % 8) as usize].into(), TAGS[(n / 8 % 8) as usize].into()],
                visibility: Visibility::Public,
                kind,
            },
        )
        .await
        .with_context(|| format!("creating resource {n}"))?;
    resources
        .publish_resource(db, &actor, created.resource.id)
        .await
        .with_context(|| format!("publishing resource {n}"))?;
    Ok(())
}

/// A point within about 20 km of Almaty, spread by `n`.
fn near_almaty(n: u64) -> anyhow::Result<Location> {
    let spread = |k: u64| ((n.wrapping_mul(k) % 1000) as f64 / 1000.0 - 0.5) * 0.36;
    Ok(Location::new(43.2383 + spread(7919), 76.9454 + spread(104_729))?)
}
