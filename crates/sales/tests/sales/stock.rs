//! SA3: placing takes stock in its own transaction and never more than there is, however
//! many place at once; cancelling and refunding before fulfilment give it back, once.

use commons_core::{CodedError, ErrorCode};
use commons_sales::{Error, OrderStatus};
use futures::future::join_all;

use crate::Shop;

#[tokio::test]
async fn five_hundred_placings_at_once_sell_exactly_the_hundred_in_stock() {
    let shop = Shop::open("rush").await;
    let product = shop.product("Concert ticket", 5000, "KZT", Some(100)).await;
    let buyers = shop.world.people("fan", 5).await;
    let mut orders = Vec::new();
    for buyer in &buyers {
        for _ in 0..100 {
            orders.push((buyer.clone(), shop.draft(buyer, product, 1).await.id));
        }
    }

    let shop = std::sync::Arc::new(shop);
    let placings = orders.into_iter().map(|(buyer, order)| {
        let shop = shop.clone();
        tokio::spawn(async move { shop.moves(&buyer, order, OrderStatus::Placed).await })
    });
    let outcomes: Vec<Result<_, Error>> = join_all(placings)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect();

    let sold = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(sold, 100, "exactly the stock is sold");
    for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}");
        assert!(
            refused.to_string().contains("Concert ticket has only 0 left"),
            "{refused}"
        );
    }
    assert_eq!(shop.stock(product).await, Some(0));
}

#[tokio::test]
async fn stock_comes_back_when_an_order_ends_before_it_is_fulfilled() {
    let shop = Shop::open("returns").await;
    let product = shop.product("Kettle", 3000, "EUR", Some(10)).await;
    let ann = shop.world.person("ann").await;
    let clerk = &shop.clerk;

    let order = shop.draft(&ann, product, 3).await;
    shop.moves(&ann, order.id, OrderStatus::Placed)
        .await
        .expect("place");
    assert_eq!(shop.stock(product).await, Some(7));
    shop.moves(&ann, order.id, OrderStatus::Cancelled)
        .await
        .expect("cancel");
    assert_eq!(
        shop.stock(product).await,
        Some(10),
        "a cancelled order gives it back"
    );

    let order = shop.draft(&ann, product, 4).await;
    shop.moves(&ann, order.id, OrderStatus::Placed)
        .await
        .expect("place");
    shop.moves(clerk, order.id, OrderStatus::Confirmed)
        .await
        .expect("confirm");
    shop.moves(clerk, order.id, OrderStatus::Refunded)
        .await
        .expect("refund");
    assert_eq!(shop.stock(product).await, Some(10), "refunded before fulfilment");

    let order = shop.draft(&ann, product, 2).await;
    for (who, to) in [
        (&ann, OrderStatus::Placed),
        (clerk, OrderStatus::Confirmed),
        (clerk, OrderStatus::Fulfilled),
        (clerk, OrderStatus::Refunded),
    ] {
        shop.moves(who, order.id, to).await.expect("move");
    }
    assert_eq!(shop.stock(product).await, Some(8), "goods that went out stay out");

    let too_many = shop.draft(&ann, product, 9).await;
    let refused = shop
        .moves(&ann, too_many.id, OrderStatus::Placed)
        .await
        .expect_err("only 8 left");
    assert_eq!(refused.code(), ErrorCode::Conflict);
    assert_eq!(refused.to_string(), "Kettle has only 8 left");
    let order = shop.sales.order(&shop.world.db.conn, &ann, too_many.id).await;
    assert_eq!(
        order.expect("read").expect("hers").status,
        OrderStatus::Draft,
        "a refused placing changes nothing"
    );
}

#[tokio::test]
async fn ten_cancellations_at_once_give_the_stock_back_once() {
    let shop = Shop::open("twice").await;
    let product = shop.product("Scarf", 1500, "EUR", Some(5)).await;
    let ann = shop.world.person("ann").await;
    let order = shop.draft(&ann, product, 5).await;
    shop.moves(&ann, order.id, OrderStatus::Placed)
        .await
        .expect("place");
    assert_eq!(shop.stock(product).await, Some(0));

    let shop = std::sync::Arc::new(shop);
    let cancellations = (0..10).map(|_| {
        let (shop, ann) = (shop.clone(), ann.clone());
        tokio::spawn(async move { shop.moves(&ann, order.id, OrderStatus::Cancelled).await })
    });
    let outcomes: Vec<_> = join_all(cancellations)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect();
    // Each finds it cancelled (by itself, or already: a retry is done), or lost the race.
    for outcome in &outcomes {
        match outcome {
            Ok(order) => assert_eq!(order.status, OrderStatus::Cancelled),
            Err(refused) => assert_eq!(refused.code(), ErrorCode::Conflict, "{refused}"),
        }
    }
    assert_eq!(shop.stock(product).await, Some(5));
    let history = shop
        .sales
        .history(&shop.world.db.conn, &ann, &[order.id])
        .await
        .expect("history");
    let cancellations = history[&order.id]
        .iter()
        .filter(|c| c.to_status == OrderStatus::Cancelled)
        .count();
    assert_eq!(cancellations, 1, "one cancellation, one return of the stock");
}

#[tokio::test]
async fn stock_comes_back_when_the_product_was_taken_off_sale_meanwhile() {
    let shop = Shop::open("offsale").await;
    let product = shop.product("Lamp", 2000, "EUR", Some(5)).await;
    let ann = shop.world.person("ann").await;
    let order = shop.draft(&ann, product, 2).await;
    shop.moves(&ann, order.id, OrderStatus::Placed)
        .await
        .expect("place");
    assert_eq!(shop.stock(product).await, Some(3));
    shop.world
        .resources
        .archive_resource(&shop.world.db.conn, &shop.owner, product)
        .await
        .expect("taken off sale");
    shop.moves(&ann, order.id, OrderStatus::Cancelled)
        .await
        .expect("cancel");
    assert_eq!(
        shop.stock(product).await,
        Some(5),
        "what she can no longer see is still given back"
    );
}
