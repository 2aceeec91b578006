//! Rules that concurrency could break, held by the database: one account per email, and a
//! refresh token that works once however many requests race with it. Also the rules that
//! depend on time, with a clock the test moves.

use std::sync::Arc;

use chrono::Utc;
use commons_core::{Actor, CodedError, ErrorCode, ManualClock};
use commons_identity::entity::user;
use commons_identity::service::accounts::Register;
use commons_identity::{Error, Settings};
use commons_testkit::{World, input};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// `username` signing up with `email`, spelled as the test needs.
fn register(email: &str, username: &str) -> Register {
    Register {
        email: email.into(),
        ..input::registration(username)
    }
}

#[tokio::test]
async fn one_account_per_email_under_concurrent_registrations() {
    let world = World::new().await;
    let (db, identity) = (&world.db, world.identity().clone());
    let attempts: Vec<_> = (0..12)
        .map(|i| {
            let (db, identity) = (db.conn.clone(), identity.clone());
            // The same email in different spellings, each with its own username.
            let email = if i % 2 == 0 {
                "race@example.org"
            } else {
                "RACE@Example.org "
            };
            tokio::spawn(async move {
                identity
                    .register(&db, &Actor::ANONYMOUS, register(email, &format!("racer{i}")))
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for attempt in attempts {
        match attempt.await.expect("the task ran") {
            Ok(_) => created += 1,
            Err(e) => {
                assert!(matches!(e, Error::EmailTaken), "unexpected: {e:?}");
                assert_eq!(e.code(), ErrorCode::Conflict);
            }
        }
    }
    assert_eq!(created, 1);
    let rows = user::Entity::find()
        .filter(user::Column::Email.eq("race@example.org"))
        .count(&db.conn)
        .await
        .expect("count");
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_refresh_token_works_once_under_concurrent_use() {
    let world = World::new().await;
    let (db, identity) = (&world.db, world.identity().clone());
    let session = identity
        .register(
            &db.conn,
            &Actor::ANONYMOUS,
            register("twice@example.org", "twice"),
        )
        .await
        .expect("registered");
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (db, identity, token) = (db.conn.clone(), identity.clone(), session.refresh_token.clone());
            tokio::spawn(async move { identity.refresh(&db, &token).await })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        match racer.await.expect("the task ran") {
            Ok(won) => winners.push(won),
            Err(e) => assert_eq!(e.code(), ErrorCode::Unauthenticated, "{e:?}"),
        }
    }
    // At most one use succeeds; every other use is a replay, which ends the session, so
    // even the winner's new tokens stop working.
    assert!(winners.len() <= 1, "{} refreshes succeeded", winners.len());
    for won in winners {
        assert!(identity.refresh(&db.conn, &won.refresh_token).await.is_err());
        assert!(identity.authenticate(&db.conn, &won.access_token).await.is_err());
    }
    assert!(
        identity
            .authenticate(&db.conn, &session.access_token)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn tokens_expire_on_the_clock() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let world = World::builder().clock(clock.clone()).build().await;
    let (db, identity) = (&world.db, world.identity());
    let settings = Settings::default();
    let session = identity
        .register(
            &db.conn,
            &Actor::ANONYMOUS,
            register("clock@example.org", "clocked"),
        )
        .await
        .expect("registered");

    assert!(
        identity
            .authenticate(&db.conn, &session.access_token)
            .await
            .is_ok()
    );
    clock.advance(settings.access_ttl + chrono::Duration::seconds(1));
    let expired = identity.authenticate(&db.conn, &session.access_token).await;
    assert_eq!(expired.err().map(|e| e.code()), Some(ErrorCode::Unauthenticated));

    // The refresh token outlives the access token and brings a working one.
    let renewed = identity
        .refresh(&db.conn, &session.refresh_token)
        .await
        .expect("refreshed");
    assert!(
        identity
            .authenticate(&db.conn, &renewed.access_token)
            .await
            .is_ok()
    );

    // Past its own lifetime, the refresh token is refused too.
    clock.advance(settings.refresh_ttl + chrono::Duration::seconds(1));
    let stale = identity.refresh(&db.conn, &renewed.refresh_token).await;
    assert!(matches!(stale, Err(Error::InvalidRefreshToken)), "{stale:?}");
}

fn login(email: &str, password: &str) -> commons_identity::service::sessions::Login {
    commons_identity::service::sessions::Login {
        email: email.into(),
        password: password.into(),
        client: Default::default(),
    }
}

/// Issue 15 (6): many clients guessing one account's password at once get at most ten
/// guesses checked; then even the right password waits out the lockout, which the clock ends.
/// An address nobody has is limited alike, so the limit reveals no account.
#[tokio::test]
async fn password_guesses_per_address_are_limited_under_concurrency() {
    use commons_identity::service::guesses::{LOCKOUT, MAX_GUESSES};
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let world = World::builder().clock(clock.clone()).build().await;
    let (db, identity) = (&world.db, world.identity().clone());
    identity
        .register(&db.conn, &Actor::ANONYMOUS, register("kim@example.org", "kim"))
        .await
        .expect("registered");

    for email in ["kim@example.org", "nobody@example.org"] {
        let guesses: Vec<_> = (0..30)
            .map(|n| {
                let (db, identity) = (db.conn.clone(), identity.clone());
                let email = email.to_owned();
                tokio::spawn(async move {
                    let guess = format!("wrong guess number {n}");
                    identity
                        .login(&db, &Actor::ANONYMOUS, login(&email, &guess))
                        .await
                })
            })
            .collect();
        let (mut checked, mut refused) = (0, 0);
        for guess in guesses {
            match guess.await.expect("the task ran") {
                Err(Error::InvalidCredentials) => checked += 1,
                Err(e @ Error::TooManyGuesses { .. }) => {
                    assert_eq!(e.code(), ErrorCode::RateLimited);
                    refused += 1;
                }
                other => panic!("{email}: unexpected {other:?}"),
            }
        }
        assert_eq!((checked, refused), (MAX_GUESSES, 30 - MAX_GUESSES), "{email}");
    }

    let right = || {
        identity.login(
            &db.conn,
            &Actor::ANONYMOUS,
            login("KIM@example.org", input::PASSWORD),
        )
    };
    assert!(
        matches!(right().await, Err(Error::TooManyGuesses { .. })),
        "locked out, right password or not"
    );
    clock.advance(LOCKOUT + chrono::Duration::seconds(1));
    // Each right password forgets the count, so signing in often never locks anyone out.
    for n in 0..=MAX_GUESSES {
        right()
            .await
            .unwrap_or_else(|e| panic!("sign-in {n} after the lockout: {e:?}"));
    }
    // The right password forgot the count: a typo afterwards is just a typo.
    let typo = identity
        .login(&db.conn, &Actor::ANONYMOUS, login("kim@example.org", "typo"))
        .await;
    assert!(matches!(typo, Err(Error::InvalidCredentials)), "{typo:?}");
}

/// Sessions, API keys, refresh tokens and password guess counts as `actor` sees them past
/// the services.
async fn credentials_seen_by(world: &World, actor: &Actor) -> [i64; 4] {
    let tables = ["sessions", "api_keys", "refresh_tokens", "password_attempts"];
    world.rows_seen_by(actor, tables).await
}

/// Issue 15 (7), on PostgreSQL past the services: a session is its person's, an API key its
/// maker's; refresh tokens and guess counts are the system's. Signing in with a token or a
/// key still finds them, before anyone is acting.
#[tokio::test]
async fn credentials_are_walled_below_the_services() {
    use commons_identity::service::api_keys::CreateApiKey;
    let world = World::new().await;
    let (db, identity) = (&world.db.conn, world.identity().clone());
    let ann = identity
        .register(db, &Actor::ANONYMOUS, register("ann@example.org", "ann"))
        .await
        .expect("ann registers");
    identity
        .register(db, &Actor::ANONYMOUS, register("bob@example.org", "bob"))
        .await
        .expect("bob registers");
    let wrong = identity
        .login(
            db,
            &Actor::ANONYMOUS,
            login("bob@example.org", "not bob's password"),
        )
        .await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)), "{wrong:?}");
    let as_ann = identity
        .authenticate(db, &ann.access_token)
        .await
        .expect("ann's token");
    let key = identity
        .create_api_key(
            db,
            &as_ann,
            CreateApiKey {
                name: "reports".into(),
                ..CreateApiKey::default()
            },
        )
        .await
        .expect("ann's key");
    let by_key = identity
        .authenticate_api_key(db, &key.secret)
        .await
        .expect("the key signs in");
    assert_eq!(by_key.user_id(), as_ann.user_id());
    assert_eq!(identity.api_keys(db, &as_ann).await.expect("ann's keys").len(), 1);
    if !world.db.is_postgres() {
        return;
    }
    let bob = identity.login(db, &Actor::ANONYMOUS, login("bob@example.org", input::PASSWORD));
    let as_bob = identity
        .authenticate(db, &bob.await.expect("bob signs in").access_token)
        .await
        .expect("bob's token");
    assert_eq!(credentials_seen_by(&world, &as_ann).await, [1, 1, 0, 0]);
    assert_eq!(
        credentials_seen_by(&world, &as_bob).await,
        [2, 0, 0, 0],
        "registered and signed in"
    );
    assert_eq!(credentials_seen_by(&world, &Actor::ANONYMOUS).await, [0; 4]);
    let everything = credentials_seen_by(&world, &Actor::System).await;
    assert_eq!(
        everything[..3],
        [3, 1, 3],
        "three sessions, one key, three refresh tokens"
    );

    // Bob signs out everywhere: his sessions end, and his token with them.
    identity.logout_everywhere(db, &as_bob).await.expect("sign out");
    assert!(
        identity
            .still_signed_in(db, &as_bob)
            .await
            .is_ok_and(|live| !live)
    );
    assert!(identity.still_signed_in(db, &as_ann).await.is_ok_and(|live| live));
}
