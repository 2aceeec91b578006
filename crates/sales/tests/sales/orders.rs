//! SA1: what an order holds, what it refuses, who buys for an organization, who sees an order.

use commons_core::{CodedError, ErrorCode, PageRequest, tenant};
use commons_orgs::Role;
use commons_resources::KindInput;
use commons_resources::kind::product::ProductInput;
use commons_resources::service::writing::UpdateResource;
use commons_sales::entity::order;
use commons_sales::{CreateOrder, OrderFilter, OrderStatus, Side};
use commons_testkit::{kind, user_id};
use sea_orm::EntityTrait;

use crate::{Shop, lines, product_of};

#[tokio::test]
async fn an_order_keeps_its_prices_and_totals_them() {
    let shop = Shop::open("bakery").await;
    let (db, sales) = (&shop.world.db.conn, &shop.sales);
    let bread = shop.product("Rye bread", 1990, "EUR", None).await;
    let buns = shop.product("Buns", 500, "eur", Some(10)).await;
    let ann = shop.world.person("ann").await;

    let input = lines(&[(bread, 1), (buns, 3), (bread, 1)]);
    let order = sales.create_order(db, &ann, input).await.expect("order");
    assert_eq!(order.status, OrderStatus::Draft);
    assert_eq!(
        (order.total_minor, order.currency.as_str()),
        (2 * 1990 + 3 * 500, "EUR")
    );
    assert_eq!((order.seller_id, order.customer_id), (shop.org.id, user_id(&ann)));
    assert_eq!(order.seller_org_id, Some(shop.org.id));

    let lines = sales.lines(db, &ann, &[order.id]).await.expect("lines");
    let mut held: Vec<(String, i32, i64, i64)> = lines[&order.id]
        .iter()
        .map(|l| (l.title.clone(), l.quantity, l.unit_price_minor, l.total_minor))
        .collect();
    held.sort();
    assert_eq!(
        held,
        vec![("Buns".into(), 3, 500, 1500), ("Rye bread".into(), 2, 1990, 3980)],
        "a product named twice is one line"
    );
    let history = sales.history(db, &ann, &[order.id]).await.expect("history");
    let first = &history[&order.id][0];
    assert_eq!((first.from_status, first.to_status), (None, OrderStatus::Draft));
    assert_eq!(first.actor_id, user_id(&ann));
    assert_eq!(shop.stock(buns).await, Some(10), "a draft holds no stock");
}

#[tokio::test]
async fn a_wrong_order_is_refused_with_the_field_at_fault() {
    let shop = Shop::open("kiosk").await;
    let (world, db, sales) = (&shop.world, &shop.world.db.conn, &shop.sales);
    let tea = shop.product("Tea", 300, "KZT", None).await;
    let coffee = shop.product("Coffee", 400, "EUR", None).await;
    let ann = world.person("ann").await;
    let elsewhere = product_of(world, &ann, user_id(&ann), "Ann's jam", 700, "KZT", None).await;
    let post = world.post(&shop.owner, "News").owner(shop.org.id).publish().await;
    let hidden = world
        .post(&shop.owner, "Not yet")
        .owner(shop.org.id)
        .kind(kind::product(100, "KZT"))
        .draft()
        .await;

    let cases: Vec<(CreateOrder, &str, &str)> = vec![
        (lines(&[]), "lines", "at least one product"),
        (lines(&[(tea, 0)]), "quantity", "at least one"),
        (lines(&[(tea, 1), (coffee, 1)]), "lines", "one currency"),
        (lines(&[(tea, 1), (elsewhere, 1)]), "lines", "one seller"),
        (lines(&[(post, 1)]), "productId", "is not a product"),
        (lines(&[(hidden, 1)]), "productId", "no product has the id"),
        (
            lines(&[(uuid::Uuid::now_v7(), 1)]),
            "productId",
            "no product has the id",
        ),
        (lines(&[(tea, 10_001)]), "quantity", "at most 10000"),
    ];
    for (input, field, words) in cases {
        let refused = sales.create_order(db, &ann, input).await.expect_err(words);
        assert_eq!(refused.code(), ErrorCode::BadUserInput, "{refused}");
        assert_eq!(refused.field(), Some(field), "{refused}");
        assert!(refused.to_string().contains(words), "{refused} ~ {words}");
    }
    let own = sales
        .create_order(db, &ann, lines(&[(elsewhere, 1)]))
        .await
        .expect_err("her own jam");
    assert_eq!(own.field(), Some("customerId"));
    let anonymous = sales
        .create_order(db, &commons_core::Actor::ANONYMOUS, lines(&[(tea, 1)]))
        .await
        .expect_err("signed out");
    assert_eq!(anonymous.code(), ErrorCode::Unauthenticated);
    assert!(
        order::Entity::find().all(db).await.expect("orders").is_empty(),
        "nothing refused was kept"
    );
}

#[tokio::test]
async fn an_organization_buys_through_the_people_with_its_purchase_permission() {
    let shop = Shop::open("supplies").await;
    let (world, db, sales) = (&shop.world, &shop.world.db.conn, &shop.sales);
    let paper = shop.product("Paper", 1200, "EUR", None).await;
    let boss = world.person("boss").await;
    let school = world.organization(&boss, "School").await;
    let teacher = world.new_member(&school, "teacher", Role::Member).await;
    let bursar = world.new_member(&school, "bursar", Role::Admin).await;
    let stranger = world.person("stranger").await;
    let for_school = |product| CreateOrder {
        customer_id: Some(school.id),
        ..lines(&[(product, 5)])
    };

    let refused = sales
        .create_order(db, &teacher, for_school(paper))
        .await
        .expect_err("a member without purchase");
    assert_eq!(refused.code(), ErrorCode::Forbidden, "{refused}");
    let refused = sales
        .create_order(db, &stranger, for_school(paper))
        .await
        .expect_err("a stranger");
    assert_eq!(refused.code(), ErrorCode::Forbidden, "{refused}");
    let order = sales
        .create_order(db, &bursar, for_school(paper))
        .await
        .expect("the bursar buys for the school");
    assert_eq!(
        (order.customer_id, order.customer_org_id, order.creator_id),
        (school.id, Some(school.id), user_id(&bursar))
    );
    // A draft is the school's own cart: the shop sees it once it is placed.
    assert!(
        sales
            .order(db, &shop.clerk, order.id)
            .await
            .expect("read")
            .is_none()
    );
    shop.moves(&boss, order.id, OrderStatus::Placed)
        .await
        .expect("the school's owner places it");

    // Both sides see it; nobody else does, whatever they know of it.
    for (who, sees) in [
        (&bursar, true),
        (&boss, true),
        (&shop.clerk, true),
        (&shop.owner, true),
        (&teacher, false),
        (&shop.member, false),
        (&stranger, false),
    ] {
        let found = sales.order(db, who, order.id).await.expect("read");
        assert_eq!(found.is_some(), sees, "{who:?}");
    }
    let refused = shop
        .moves(&stranger, order.id, OrderStatus::Placed)
        .await
        .expect_err("a stranger moves nothing");
    assert_eq!(refused.code(), ErrorCode::NotFound);

    // On PostgreSQL the wall holds below the service too: an unfiltered SELECT finds the
    // order for the buying organization's members and not for a stranger.
    if world.db.is_postgres() {
        for (who, rows) in [(&stranger, 0), (&teacher, 1)] {
            let tx = tenant::read(db, who).await.expect("begin");
            let found = order::Entity::find().all(&tx).await.expect("select");
            assert_eq!(found.len(), rows, "{who:?}");
        }
    }
}

#[tokio::test]
async fn each_side_lists_its_own_orders_page_by_page() {
    let shop = Shop::open("market").await;
    let (world, db, sales) = (&shop.world, &shop.world.db.conn, &shop.sales);
    let apples = shop.product("Apples", 250, "KZT", None).await;
    let ann = world.person("ann").await;
    let ben = world.person("ben").await;
    let mut anns = Vec::new();
    for _ in 0..3 {
        anns.push(shop.draft(&ann, apples, 1).await.id);
    }
    let placed = shop.draft(&ben, apples, 2).await;
    shop.moves(&ben, placed.id, OrderStatus::Placed)
        .await
        .expect("place");

    let of = |side, agent_id, status| OrderFilter {
        side,
        agent_id,
        status,
    };
    let first = PageRequest::new(Some(2), None).expect("page");
    let page = sales
        .orders(db, &ann, of(Side::Customer, user_id(&ann), None), &first)
        .await
        .expect("her orders");
    assert!(page.has_next_page);
    let after = PageRequest::new(Some(2), Some(&page.edges[1].0.encode())).expect("page");
    let rest = sales
        .orders(db, &ann, of(Side::Customer, user_id(&ann), None), &after)
        .await
        .expect("the rest");
    let listed: Vec<_> = page.edges.iter().chain(&rest.edges).map(|(_, o)| o.id).collect();
    anns.reverse();
    assert_eq!(listed, anns, "newest first, each once");

    let all = PageRequest::new(None, None).expect("page");
    let sales_list = sales
        .orders(db, &shop.clerk, of(Side::Seller, shop.org.id, None), &all)
        .await
        .expect("the shop's orders");
    assert_eq!(sales_list.edges.len(), 1, "drafts are the customers' own");
    let placed_only = sales
        .orders(
            db,
            &shop.clerk,
            of(Side::Seller, shop.org.id, Some(OrderStatus::Placed)),
            &all,
        )
        .await
        .expect("placed ones");
    assert_eq!(placed_only.edges.len(), 1);

    for (who, filter) in [
        (&shop.member, of(Side::Seller, shop.org.id, None)),
        (&ann, of(Side::Seller, shop.org.id, None)),
        (&ann, of(Side::Customer, user_id(&ben), None)),
    ] {
        let refused = sales.orders(db, who, filter, &all).await.expect_err("not theirs");
        assert_eq!(refused.code(), ErrorCode::Forbidden, "{refused}");
    }
}

#[tokio::test]
async fn placing_prices_the_order_as_the_products_are_now() {
    let shop = Shop::open("prices").await;
    let (world, db, sales) = (&shop.world, &shop.world.db.conn, &shop.sales);
    let tea = shop.product("Tea", 300, "EUR", Some(10)).await;
    let ann = world.person("ann").await;
    let draft = shop.draft(&ann, tea, 2).await;
    assert_eq!(draft.total_minor, 600);
    world
        .resources
        .update_resource(
            db,
            &shop.owner,
            UpdateResource {
                id: tea,
                title: None,
                slug: None,
                summary: None,
                tags: None,
                visibility: None,
                kind: Some(KindInput::Product(ProductInput {
                    price_minor: 350,
                    currency: "EUR".into(),
                    sku: None,
                    stock: Some(10),
                    active: true,
                })),
            },
        )
        .await
        .expect("a new price");
    let placed = shop
        .moves(&ann, draft.id, OrderStatus::Placed)
        .await
        .expect("place");
    assert_eq!(placed.total_minor, 700, "placed at today's price");
    let lines = sales.lines(db, &ann, &[draft.id]).await.expect("lines");
    assert_eq!(lines[&draft.id][0].unit_price_minor, 350);

    // Archived, it can no longer be placed.
    let later = shop.draft(&ann, tea, 1).await;
    world
        .resources
        .archive_resource(db, &shop.owner, tea)
        .await
        .expect("archive");
    let refused = shop
        .moves(&ann, later.id, OrderStatus::Placed)
        .await
        .expect_err("not on sale");
    assert_eq!(refused.code(), ErrorCode::BadUserInput, "{refused}");
}

#[tokio::test]
async fn a_shop_with_orders_on_record_is_not_deleted() {
    let shop = Shop::open("kept").await;
    let (world, db, sales) = (&shop.world, &shop.world.db.conn, &shop.sales);
    let tea = shop.product("Tea", 300, "EUR", None).await;
    let ann = world.person("ann").await;
    let order = shop.draft(&ann, tea, 1).await;
    let refused = world
        .orgs()
        .delete_organization(db, &shop.owner, shop.org.id)
        .await
        .expect_err("orders name the shop");
    assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}");
    assert!(
        refused.to_string().contains("orders or bookings on record"),
        "{refused}"
    );
    assert!(sales.order(db, &ann, order.id).await.expect("read").is_some());
}
