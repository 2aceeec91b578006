//! RE1 at the service level: toggling, the counts kept by the reacting transaction (and the
//! resource's total behind "most reacted first"), visibility, and counts equal to the rows
//! after 100 people toggle at once.

use commons_core::{Actor, CodedError, ErrorCode, PageRequest};
use commons_reactions::entity::{reaction, reaction_count};
use commons_reactions::{ReactionKind, Reactions};
use commons_resources::service::reading::{FeedFilter, FeedOrder};
use commons_testkit::{World, user_id};
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

/// A test world and the reaction services over it: the one place this binary builds them.
async fn world_with_reactions() -> (World, Reactions) {
    let world = World::new().await;
    let reactions = Reactions::new(world.resources.clone());
    (world, reactions)
}

#[tokio::test]
async fn toggling_counts_and_orders_most_reacted_first() {
    let (world, reactions) = world_with_reactions().await;
    let db = &world.db.conn;
    let people = world.people("reader", 3).await;
    let [author, ann, ben] = <[Actor; 3]>::try_from(people).expect("three");
    let quiet = world.post(&author, "Quiet").publish().await;
    let loved = world.post(&author, "Loved").publish().await;
    let draft = world.post(&author, "Draft").draft().await;

    let r = &reactions;
    let first = r
        .toggle_reaction(db, &ann, loved, ReactionKind::Love)
        .await
        .expect("love");
    assert_eq!(first.counts, [(ReactionKind::Love, 1)]);
    assert_eq!(first.mine, [ReactionKind::Love]);
    r.toggle_reaction(db, &ann, loved, ReactionKind::Like)
        .await
        .expect("like");
    let seen_by_ben = r
        .toggle_reaction(db, &ben, loved, ReactionKind::Love)
        .await
        .expect("ben");
    assert_eq!(
        seen_by_ben.counts,
        [(ReactionKind::Like, 1), (ReactionKind::Love, 2)]
    );
    assert_eq!(seen_by_ben.total, 3);
    assert_eq!(seen_by_ben.mine, [ReactionKind::Love]);
    // Toggling again takes it back.
    let back = r
        .toggle_reaction(db, &ann, loved, ReactionKind::Like)
        .await
        .expect("unlike");
    assert_eq!(back.counts, [(ReactionKind::Love, 2)]);
    assert_eq!(back.mine, [ReactionKind::Love]);

    // Nobody reacts to what they may not see, and anonymous people not at all.
    let hidden = r
        .toggle_reaction(db, &ann, draft, ReactionKind::Like)
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), ErrorCode::NotFound);
    let anonymous = r
        .toggle_reaction(db, &Actor::ANONYMOUS, loved, ReactionKind::Like)
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), ErrorCode::Unauthenticated);

    // The resource's total orders the feed.
    let feed = r
        .resources()
        .feed(
            db,
            &ann,
            FeedFilter {
                order: FeedOrder::MostReacted,
                ..FeedFilter::default()
            },
            &PageRequest::new(None, None).expect("page"),
        )
        .await
        .expect("feed");
    let order: Vec<Uuid> = feed.edges.iter().map(|(_, f)| f.resource.id).collect();
    assert_eq!(order, [loved, quiet]);
    assert_eq!(feed.edges[0].1.resource.reaction_count, 2);

    // An organization's public post: anyone who sees it reacts, and its total moves too
    // (on PostgreSQL past the row level security that keeps non-members from writing it).
    let club = world.organization(&author, "Club").await;
    let news = world.post(&author, "Club news").owner(club.id).publish().await;
    r.toggle_reaction(db, &ben, news, ReactionKind::Wow)
        .await
        .expect("outsider reacts");
    let read = r
        .resources()
        .resource(db, &ben, news)
        .await
        .expect("read")
        .expect("visible");
    assert_eq!(read.resource.reaction_count, 1);

    let batch = r
        .reaction_summaries(db, &ben, &[quiet, loved])
        .await
        .expect("summaries");
    assert_eq!(batch[&quiet].total, 0);
    assert_eq!(batch[&loved].mine, [ReactionKind::Love]);
}

/// 100 people toggle at once, twice: the counter follows the rows both ways.
#[tokio::test]
async fn concurrent_toggles_leave_counts_equal_to_rows() {
    let (world, reactions) = world_with_reactions().await;
    let db = &world.db.conn;
    let people = world.people("fan", 101).await;
    let post = world.post(&people[0], "Popular").publish().await;
    for round in 0..2 {
        let tasks: Vec<_> = people[1..]
            .iter()
            .cloned()
            .map(|person| {
                let (db, reactions) = (db.clone(), reactions.clone());
                tokio::spawn(async move {
                    reactions
                        .toggle_reaction(&db, &person, post, ReactionKind::Like)
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("ran").expect("toggled");
        }
        let rows = reaction::Entity::find().count(db).await.expect("rows");
        let counted = reaction_count::Entity::find_by_id((post, ReactionKind::Like))
            .one(db)
            .await
            .expect("read")
            .map_or(0, |c| c.count);
        let expected = if round == 0 { 100 } else { 0 };
        assert_eq!((rows, counted), (expected, expected as i64), "round {round}");
    }
}

/// RE2: a thread keeps its shape when its comments are deleted or hidden; the count follows.
#[tokio::test]
async fn comments_thread_edit_delete_and_hide() {
    let (world, reactions) = world_with_reactions().await;
    let db = &world.db.conn;
    let people = world.people("talker", 3).await;
    let [author, ann, ben] = <[Actor; 3]>::try_from(people).expect("three");
    let post = world.post(&author, "Discuss").publish().await;
    let draft = world.post(&author, "Not yet").draft().await;
    let r = &reactions;
    let count = |id| async move {
        r.resources()
            .resource(db, &Actor::System, id)
            .await
            .expect("read")
            .expect("there")
            .resource
            .comment_count
    };

    let first = r
        .add_comment(db, &ann, post, None, "Great idea")
        .await
        .expect("comment");
    let reply = r
        .add_comment(db, &ben, post, Some(first.id), "Agreed")
        .await
        .expect("reply");
    assert_eq!(reply.parent_id, Some(first.id));
    assert_eq!(count(post).await, 2);
    let hidden_draft = r.add_comment(db, &ann, draft, None, "Hm").await.unwrap_err();
    assert_eq!(hidden_draft.code(), ErrorCode::NotFound);
    let empty = r.add_comment(db, &ann, post, None, "  ").await.unwrap_err();
    assert_eq!(empty.code(), ErrorCode::BadUserInput);

    let edited = r
        .edit_comment(db, &ann, first.id, "Great idea!")
        .await
        .expect("edit");
    assert!(edited.edited_at.is_some());
    let not_hers = r.edit_comment(db, &ben, first.id, "mine now").await.unwrap_err();
    assert_eq!(not_hers.code(), ErrorCode::Forbidden);

    let deleted = r.delete_comment(db, &ann, first.id).await.expect("delete");
    assert!(deleted.deleted && deleted.body.is_none());
    assert_eq!(count(post).await, 1);
    let to_deleted = r
        .add_comment(db, &ben, post, Some(first.id), "Still?")
        .await
        .unwrap_err();
    assert_eq!(to_deleted.code(), ErrorCode::BadUserInput);

    // The post's owner moderates its comments; others do not.
    let refused = r.hide_comment(db, &ann, reply.id, "rude").await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    r.hide_comment(db, &author, reply.id, "off topic")
        .await
        .expect("hide");
    assert_eq!(count(post).await, 0);

    let page = PageRequest::new(None, None).expect("page");
    let for_ann = r.comments(db, &ann, post, &page).await.expect("thread");
    let shapes: Vec<(bool, bool, Option<String>)> = for_ann
        .edges
        .iter()
        .map(|(_, c)| (c.deleted, c.hidden, c.body.clone()))
        .collect();
    assert_eq!(shapes, [(true, false, None), (false, true, None)]);
    let for_owner = r.comments(db, &author, post, &page).await.expect("thread");
    let hidden = &for_owner.edges[1].1;
    assert_eq!(hidden.body.as_deref(), Some("Agreed"));
    assert_eq!(hidden.hidden_reason.as_deref(), Some("off topic"));
}

/// RE3: one rating per rater and target, replaced when given again; averages, the
/// distribution and the criteria; nobody rates themselves or their own.
#[tokio::test]
async fn ratings_average_and_distribution() {
    use commons_reactions::ratings::Rate;
    let (world, reactions) = world_with_reactions().await;
    let db = &world.db.conn;
    let people = world.people("rater", 4).await;
    let [guide, ann, ben, cat] = <[Actor; 4]>::try_from(people).expect("four");
    let tour = world.post(&guide, "City tour").publish().await;
    let r = &reactions;
    let rate = |who: &Actor, target, score, quality| {
        let (who, r) = (who.clone(), r);
        async move {
            r.rate(
                db,
                &who,
                Rate {
                    target_id: target,
                    score,
                    quality,
                    comment: Some("fine".into()),
                    ..Rate::default()
                },
            )
            .await
        }
    };
    rate(&ann, tour, 5, Some(4)).await.expect("ann");
    rate(&ben, tour, 2, None).await.expect("ben");
    rate(&cat, tour, 4, Some(5)).await.expect("cat");
    // Ben thinks again: his rating is replaced, not added.
    rate(&ben, tour, 3, Some(3)).await.expect("ben again");
    let summary = r
        .rating_summary(db, &Actor::ANONYMOUS, tour)
        .await
        .expect("summary");
    assert_eq!(summary.count, 3);
    assert_eq!(summary.distribution, [0, 0, 1, 1, 1]);
    assert_eq!(summary.average, Some(4.0));
    assert_eq!(summary.quality, Some(4.0));
    assert_eq!(summary.punctuality, None);

    // People (the guide) are rated too.
    rate(&ann, user_id(&guide), 5, None)
        .await
        .expect("rate the guide");
    assert_eq!(
        r.rating_summary(db, &ben, user_id(&guide))
            .await
            .expect("guide")
            .average,
        Some(5.0)
    );

    let own = rate(&guide, tour, 5, None).await.unwrap_err();
    assert_eq!(own.code(), ErrorCode::Forbidden);
    let myself = rate(&ann, user_id(&ann), 5, None).await.unwrap_err();
    assert_eq!(myself.code(), ErrorCode::Forbidden);
    let out_of_range = rate(&ann, tour, 6, None).await.unwrap_err();
    assert_eq!(out_of_range.code(), ErrorCode::BadUserInput);
    let nothing = rate(&ann, Uuid::now_v7(), 3, None).await.unwrap_err();
    assert_eq!(nothing.code(), ErrorCode::NotFound);
}

/// Reactions, reaction counts and ratings as `actor` sees them past the services.
async fn reactions_seen_by(world: &World, actor: &Actor) -> [i64; 3] {
    world
        .rows_seen_by(actor, ["reactions", "reaction_counts", "ratings"])
        .await
}

/// Issue 15 (7), on PostgreSQL past the services: reactions and ratings follow what they are
/// about. Once a post is private, who reacted to it and what they said of it are its
/// creator's to read, not everyone's.
#[tokio::test]
async fn reactions_and_ratings_follow_their_resource_below_the_services() {
    use commons_reactions::ratings::Rate;
    use commons_resources::Visibility;
    use commons_resources::service::writing::UpdateResource;
    let (world, reactions) = world_with_reactions().await;
    let db = &world.db.conn;
    let people = world.people("circle", 3).await;
    let [author, ann, cat] = <[Actor; 3]>::try_from(people).expect("three");
    let post = world.post(&author, "Our circle").publish().await;
    reactions
        .toggle_reaction(db, &ann, post, ReactionKind::Love)
        .await
        .expect("ann loves it");
    let rating = Rate {
        target_id: post,
        score: 4,
        comment: Some("warm people".into()),
        ..Rate::default()
    };
    reactions.rate(db, &ann, rating).await.expect("ann rates it");
    if !world.db.is_postgres() {
        return;
    }
    assert_eq!(
        reactions_seen_by(&world, &cat).await,
        [1, 1, 1],
        "public: everyone"
    );
    world
        .resources
        .update_resource(
            db,
            &author,
            UpdateResource {
                id: post,
                visibility: Some(Visibility::Private),
                ..UpdateResource::default()
            },
        )
        .await
        .expect("made private");
    assert_eq!(reactions_seen_by(&world, &cat).await, [0, 0, 0]);
    assert_eq!(reactions_seen_by(&world, &Actor::ANONYMOUS).await, [0, 0, 0]);
    assert_eq!(reactions_seen_by(&world, &author).await, [1, 1, 1]);
    // Ann no longer sees the post, but her own rating stays hers.
    assert_eq!(reactions_seen_by(&world, &ann).await, [0, 0, 1]);
}
