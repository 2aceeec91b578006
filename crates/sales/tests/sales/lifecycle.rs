//! SA2: every move from every status by each kind of person, against the lifecycle table; the
//! history each move leaves; and the table ARCHITECTURE.md prints.

use commons_core::{Actor, CodedError, ErrorCode};
use commons_sales::lifecycle;
use commons_sales::{OrderStatus, Side};
use commons_testkit::user_id;
use uuid::Uuid;

use crate::Shop;

const ALL: [OrderStatus; 7] = [
    OrderStatus::Draft,
    OrderStatus::Placed,
    OrderStatus::Confirmed,
    OrderStatus::Fulfilled,
    OrderStatus::Completed,
    OrderStatus::Cancelled,
    OrderStatus::Refunded,
];

/// The moves that bring a new order to `status`.
fn path_to(status: OrderStatus) -> &'static [OrderStatus] {
    use OrderStatus::*;
    match status {
        Draft => &[],
        Placed => &[Placed],
        Confirmed => &[Placed, Confirmed],
        Fulfilled => &[Placed, Confirmed, Fulfilled],
        Completed => &[Placed, Confirmed, Fulfilled, Completed],
        Cancelled => &[Cancelled],
        Refunded => &[Placed, Confirmed, Refunded],
    }
}

struct Cast {
    customer: Actor,
    stranger: Actor,
}

impl Cast {
    /// Who acts for `side`.
    fn acting<'a>(&'a self, shop: &'a Shop, side: Side) -> &'a Actor {
        match side {
            Side::Customer => &self.customer,
            Side::Seller => &shop.clerk,
        }
    }
}

async fn order_at(shop: &Shop, cast: &Cast, product: Uuid, status: OrderStatus) -> Uuid {
    let mut order = shop.draft(&cast.customer, product, 1).await;
    let mut from = OrderStatus::Draft;
    for to in path_to(status) {
        let side = lifecycle::side_for(from, *to).expect("the path follows the table");
        order = shop
            .moves(cast.acting(shop, side), order.id, *to)
            .await
            .expect("move along the path");
        from = *to;
    }
    assert_eq!(order.status, status);
    order.id
}

#[tokio::test]
async fn every_move_by_every_side_follows_the_table() {
    let shop = Shop::open("table").await;
    let product = shop.product("Lamp", 4500, "EUR", None).await;
    let cast = Cast {
        customer: shop.world.person("customer").await,
        stranger: shop.world.person("stranger").await,
    };
    // Who tries, and the side they act for (the plain member of the shop acts for none).
    let tries: [(&str, &Actor, Option<Side>); 4] = [
        ("customer", &cast.customer, Some(Side::Customer)),
        ("member without manage_sales", &shop.member, None),
        ("clerk with manage_sales", &shop.clerk, Some(Side::Seller)),
        ("stranger", &cast.stranger, None),
    ];
    let mut checked = 0;
    for from in ALL {
        let mut order = order_at(&shop, &cast, product, from).await;
        for to in ALL {
            for (who, actor, side) in &tries {
                // A draft is the customer's cart: the seller's side does not see it yet.
                let sees = match side {
                    None => false,
                    Some(Side::Seller) => from != OrderStatus::Draft,
                    Some(Side::Customer) => true,
                };
                let expected = match (side, lifecycle::side_for(from, to)) {
                    _ if !sees => Err(ErrorCode::NotFound),
                    // Asking again for the status it is in finds it done (a retry).
                    _ if from == to => Ok(()),
                    (_, None) => Err(ErrorCode::BadUserInput),
                    (Some(mine), Some(needed)) if *mine == needed => Ok(()),
                    (_, Some(_)) => Err(ErrorCode::Forbidden),
                };
                let got = shop.moves(actor, order, to).await;
                let outcome = got.as_ref().map(|_| ()).map_err(|e| e.code());
                assert_eq!(outcome, expected, "{who} moving {from:?} → {to:?}: {got:?}");
                if let Ok(moved) = got {
                    assert_eq!(moved.status, to);
                    if from != to {
                        order = order_at(&shop, &cast, product, from).await;
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 7 * 7 * 4);
}

#[tokio::test]
async fn a_wrong_move_names_the_status_and_what_may_follow() {
    let shop = Shop::open("words").await;
    let product = shop.product("Chair", 9900, "EUR", None).await;
    let ann = shop.world.person("ann").await;
    let order = shop.draft(&ann, product, 1).await;
    shop.moves(&ann, order.id, OrderStatus::Placed)
        .await
        .expect("place");

    let wrong = shop
        .moves(&shop.clerk, order.id, OrderStatus::Fulfilled)
        .await
        .expect_err("not yet confirmed");
    assert_eq!(
        (wrong.code(), wrong.field()),
        (ErrorCode::BadUserInput, Some("to"))
    );
    assert_eq!(
        wrong.to_string(),
        "the order is placed; it can next be cancelled or confirmed"
    );
    let theirs = shop
        .moves(&ann, order.id, OrderStatus::Confirmed)
        .await
        .expect_err("the seller confirms");
    assert_eq!(theirs.code(), ErrorCode::Forbidden);
    assert_eq!(
        theirs.to_string(),
        "only the seller moves an order from placed to confirmed"
    );
}

#[tokio::test]
async fn the_history_keeps_who_moved_the_order_when_and_why() {
    let shop = Shop::open("history").await;
    let (db, sales) = (&shop.world.db.conn, &shop.sales);
    let product = shop.product("Desk", 25000, "EUR", None).await;
    let ann = shop.world.person("ann").await;
    let order = shop.draft(&ann, product, 1).await;
    shop.moves(&ann, order.id, OrderStatus::Placed)
        .await
        .expect("place");
    sales
        .transition_order(
            db,
            &shop.clerk,
            order.id,
            OrderStatus::Confirmed,
            Some("ships Monday"),
        )
        .await
        .expect("confirm");
    sales
        .transition_order(
            db,
            &shop.clerk,
            order.id,
            OrderStatus::Cancelled,
            Some("  out of oak  "),
        )
        .await
        .expect("cancel");

    let history = sales.history(db, &ann, &[order.id]).await.expect("history");
    let steps: Vec<_> = history[&order.id]
        .iter()
        .map(|c| (c.from_status, c.to_status, c.actor_id, c.note.as_deref()))
        .collect();
    use OrderStatus::*;
    assert_eq!(
        steps,
        vec![
            (None, Draft, user_id(&ann), None),
            (Some(Draft), Placed, user_id(&ann), None),
            (
                Some(Placed),
                Confirmed,
                user_id(&shop.clerk),
                Some("ships Monday")
            ),
            (
                Some(Confirmed),
                Cancelled,
                user_id(&shop.clerk),
                Some("out of oak")
            ),
        ]
    );
}

#[test]
fn architecture_prints_the_lifecycle_table() {
    let doc = include_str!("../../../../ARCHITECTURE.md");
    assert!(
        doc.contains(&lifecycle::markdown_table()),
        "ARCHITECTURE.md's order lifecycle table differs from the code; it should read:\n{}",
        lifecycle::markdown_table()
    );
}
