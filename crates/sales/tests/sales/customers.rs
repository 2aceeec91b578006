//! SA5: a seller's customers, with the orders they placed, what they spent (net of what was
//! cancelled) and when they last ordered, page by page, by total or by recency.

use commons_core::{CodedError, ErrorCode, PageRequest};
use commons_sales::{CustomerOrder, OrderStatus};
use commons_testkit::user_id;

use crate::Shop;

#[tokio::test]
async fn a_shop_lists_its_customers_by_what_they_spent_and_by_their_last_order() {
    let shop = Shop::open("grocer").await;
    let (world, db, sales) = (&shop.world, &shop.world.db.conn, &shop.sales);
    let milk = shop.product("Milk", 450, "EUR", None).await;
    let cheese = shop.product("Cheese", 2000, "EUR", None).await;
    let [ann, ben, cat, dan] = <[_; 4]>::try_from(world.people("buyer", 4).await).expect("four");

    let place = async |who, product, quantity| {
        let order = shop.draft(who, product, quantity).await;
        shop.moves(who, order.id, OrderStatus::Placed)
            .await
            .expect("place");
        order
    };
    place(&ann, milk, 2).await;
    place(&ben, cheese, 5).await;
    let cancelled = place(&cat, cheese, 1).await;
    shop.moves(&cat, cancelled.id, OrderStatus::Cancelled)
        .await
        .expect("cancel");
    place(&ann, cheese, 1).await;
    shop.draft(&dan, milk, 1).await;

    let all = PageRequest::new(None, None).expect("page");
    let by_total = sales
        .customers(db, &shop.clerk, shop.org.id, CustomerOrder::TotalSpent, &all)
        .await
        .expect("customers");
    let rows: Vec<_> = by_total
        .edges
        .iter()
        .map(|(_, c)| (c.customer_id, c.order_count, c.spent_minor, c.currency.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (user_id(&ben), 1, 10_000, "EUR"),
            (user_id(&ann), 2, 2_900, "EUR"),
            (user_id(&cat), 1, 0, "EUR"),
        ],
        "a draft makes nobody a customer; a cancelled order spends nothing"
    );

    let first = PageRequest::new(Some(2), None).expect("page");
    let page = sales
        .customers(db, &shop.clerk, shop.org.id, CustomerOrder::LastOrder, &first)
        .await
        .expect("recent");
    assert!(page.has_next_page);
    let after = PageRequest::new(Some(2), Some(&page.edges[1].0.encode())).expect("page");
    let rest = sales
        .customers(db, &shop.clerk, shop.org.id, CustomerOrder::LastOrder, &after)
        .await
        .expect("the rest");
    let recent: Vec<_> = page
        .edges
        .iter()
        .chain(&rest.edges)
        .map(|(_, c)| c.customer_id)
        .collect();
    assert_eq!(recent, vec![user_id(&ann), user_id(&cat), user_id(&ben)]);

    for who in [&shop.member, &ann] {
        let refused = sales
            .customers(db, who, shop.org.id, CustomerOrder::TotalSpent, &all)
            .await
            .expect_err("not the shop's staff");
        assert_eq!(refused.code(), ErrorCode::Forbidden, "{refused}");
    }
}
