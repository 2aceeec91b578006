//! Sales at the service level (SA1–SA3): orders and their checks, the lifecycle move by move
//! and side by side, stock under concurrent placing, and who sees an order.

mod bookings;
mod customers;
mod lifecycle;
mod orders;
mod stock;

use commons_core::Actor;
use commons_orgs::Role;
use commons_orgs::entity::organization;
use commons_resources::KindInput;
use commons_resources::kind::product::ProductInput;
use commons_sales::entity::order;
use commons_sales::{CreateOrder, LineInput, OrderStatus, Sales};
use commons_testkit::World;
use uuid::Uuid;

/// A shop: an organization with a sales clerk (a moderator: `manage_sales`), a plain member
/// (no `manage_sales`), and the sales services over the world.
pub struct Shop {
    pub world: World,
    pub sales: Sales,
    pub owner: Actor,
    pub org: organization::Model,
    pub clerk: Actor,
    pub member: Actor,
}

impl Shop {
    pub async fn open(name: &str) -> Shop {
        let world = World::new().await;
        let sales = Sales::new(world.resources.clone());
        let owner = world.person(&format!("{name}_owner")).await;
        let org = world.organization(&owner, name).await;
        let clerk = world
            .new_member(&org, &format!("{name}_clerk"), Role::Moderator)
            .await;
        let member = world
            .new_member(&org, &format!("{name}_member"), Role::Member)
            .await;
        Shop {
            world,
            sales,
            owner,
            org,
            clerk,
            member,
        }
    }

    /// A published product of the shop's.
    pub async fn product(&self, title: &str, price_minor: i64, currency: &str, stock: Option<i32>) -> Uuid {
        product_of(
            &self.world,
            &self.owner,
            self.org.id,
            title,
            price_minor,
            currency,
            stock,
        )
        .await
    }

    /// A draft order of `quantity` of `product` by `customer`.
    pub async fn draft(&self, customer: &Actor, product: Uuid, quantity: i32) -> order::Model {
        self.sales
            .create_order(&self.world.db.conn, customer, lines(&[(product, quantity)]))
            .await
            .expect("create the order")
    }

    /// Moves `order` to `to` as `actor`.
    pub async fn moves(
        &self,
        actor: &Actor,
        order: Uuid,
        to: OrderStatus,
    ) -> Result<order::Model, commons_sales::Error> {
        self.sales
            .transition_order(&self.world.db.conn, actor, order, to, None)
            .await
    }

    /// The product's stock now.
    /// A product's stock as it is, read as the system (whether or not it is still on sale).
    pub async fn stock(&self, product: Uuid) -> Option<i32> {
        use sea_orm::EntityTrait;
        let system = commons_core::tenant::read(&self.world.db.conn, &Actor::System)
            .await
            .expect("begin");
        commons_resources::entity::product::Entity::find_by_id(product)
            .one(&system)
            .await
            .expect("read the product")
            .expect("the product")
            .stock
    }
}

/// A published product that `author` lists for `owner`.
pub async fn product_of(
    world: &World,
    author: &Actor,
    owner: Uuid,
    title: &str,
    price_minor: i64,
    currency: &str,
    stock: Option<i32>,
) -> Uuid {
    world
        .post(author, title)
        .owner(owner)
        .kind(KindInput::Product(ProductInput {
            price_minor,
            currency: currency.into(),
            sku: None,
            stock,
            active: true,
        }))
        .publish()
        .await
}

/// An order input for the actor themselves.
pub fn lines(products: &[(Uuid, i32)]) -> CreateOrder {
    CreateOrder {
        lines: products
            .iter()
            .map(|(product_id, quantity)| LineInput {
                product_id: *product_id,
                quantity: *quantity,
            })
            .collect(),
        ..CreateOrder::default()
    }
}
