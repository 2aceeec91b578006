//! Payments at the service level (PA1–PA4): paying orders through the test provider, its
//! signed webhooks, refunds, contributions and payouts, and the ledger under all of them,
//! on SQLite and (with TEST_DATABASE_URL) on PostgreSQL as the application role.

mod billing;
mod contributions;
mod ledger;
mod paying;
mod refunds;
mod signature;
#[cfg(feature = "stripe")]
mod stripe;
mod webhooks;

use std::sync::Arc;

use commons_core::{Actor, tenant};
use commons_orgs::Role;
use commons_orgs::entity::organization;
use commons_payments::entity::{account, line, payment};
use commons_payments::{AccountKind, Fee, Payments, TestProvider};
use commons_resources::KindInput;
use commons_resources::kind::product::ProductInput;
use commons_sales::entity::order;
use commons_sales::{CreateOrder, LineInput, OrderStatus, Sales};
use commons_testkit::World;
use sea_orm::{EntityTrait, TransactionTrait};
use uuid::Uuid;

/// The secret the market's test provider signs its webhooks with.
pub const WEBHOOK_SECRET: &str = "whsec_market_test";

/// A shop that sells through payments: an organization whose owner manages billing, a clerk
/// (a moderator: `manage_sales`, not `manage_billing`), and the services with a 2.5% fee.
pub struct Market {
    pub world: World,
    pub payments: Payments,
    pub provider: TestProvider,
    pub owner: Actor,
    pub org: organization::Model,
    pub clerk: Actor,
}

impl Market {
    pub async fn open(name: &str) -> Market {
        Market::in_world(name, World::new().await).await
    }

    /// A market in `world` (one with its own clock, say).
    pub async fn in_world(name: &str, world: World) -> Market {
        let provider = TestProvider::new(WEBHOOK_SECRET);
        let payments = Payments::new(Sales::new(world.resources.clone()), Arc::new(provider.clone()))
            .with_fee(Fee { basis_points: 250 });
        let owner = world.person(&format!("{name}_owner")).await;
        let org = world.organization(&owner, name).await;
        let clerk = world
            .new_member(&org, &format!("{name}_clerk"), Role::Moderator)
            .await;
        Market {
            world,
            payments,
            provider,
            owner,
            org,
            clerk,
        }
    }

    pub fn sales(&self) -> &Sales {
        self.payments.sales()
    }

    /// A placed order of one product priced `price_minor` KZT, by `customer`.
    pub async fn placed_order(&self, customer: &Actor, price_minor: i64) -> order::Model {
        let product = self
            .world
            .post(&self.owner, &format!("Item at {price_minor}"))
            .owner(self.org.id)
            .kind(KindInput::Product(ProductInput {
                price_minor,
                currency: "KZT".into(),
                sku: None,
                stock: None,
                active: true,
            }))
            .publish()
            .await;
        let input = CreateOrder {
            lines: vec![LineInput {
                product_id: product,
                quantity: 1,
            }],
            ..CreateOrder::default()
        };
        let conn = &self.world.db.conn;
        let draft = self
            .sales()
            .create_order(conn, customer, input)
            .await
            .expect("create the order");
        self.sales()
            .transition_order(conn, customer, draft.id, OrderStatus::Placed, None)
            .await
            .expect("place the order")
    }

    /// `order_id` as it is now.
    pub async fn order(&self, order_id: Uuid) -> order::Model {
        self.sales()
            .order(&self.world.db.conn, &Actor::System, order_id)
            .await
            .expect("read the order")
            .expect("the order")
    }

    /// `payment_id` as it is now.
    pub async fn payment(&self, payment_id: Uuid) -> payment::Model {
        self.payments
            .payment(&self.world.db.conn, &Actor::System, payment_id)
            .await
            .expect("read the payment")
            .expect("the payment")
    }

    /// The balance of `agent`'s own account in KZT (0 when it has none).
    pub async fn balance(&self, agent: Uuid) -> i64 {
        self.payments
            .balance(&self.world.db.conn, &Actor::System, agent)
            .await
            .expect("read the balance")
            .into_iter()
            .find(|a| a.resource_id.is_none() && a.currency == "KZT")
            .map_or(0, |a| a.balance_minor)
    }

    /// The platform's account of `kind` in KZT.
    pub async fn platform(&self, kind: AccountKind) -> i64 {
        self.accounts()
            .await
            .into_iter()
            .find(|a| a.kind == kind && a.currency == "KZT")
            .map_or(0, |a| a.balance_minor)
    }

    pub async fn accounts(&self) -> Vec<account::Model> {
        let tx = tenant::read(&self.world.db.conn, &Actor::System)
            .await
            .expect("begin");
        let found = account::Entity::find().all(&tx).await.expect("accounts");
        tx.commit().await.expect("commit");
        found
    }

    /// The ledger's invariants (PA4): all lines sum to zero, every balance is the sum of its
    /// account's lines, and no agent's account is below zero.
    pub async fn assert_ledger_holds(&self) {
        let tx = tenant::read(&self.world.db.conn, &Actor::System)
            .await
            .expect("begin");
        let lines = line::Entity::find().all(&tx).await.expect("lines");
        let accounts = account::Entity::find().all(&tx).await.expect("accounts");
        tx.commit().await.expect("commit");
        let total: i128 = lines.iter().map(|l| i128::from(l.amount_minor)).sum();
        assert_eq!(total, 0, "the lines of the whole ledger sum to zero");
        for a in &accounts {
            let sum: i64 = lines
                .iter()
                .filter(|l| l.account_id == a.id)
                .map(|l| l.amount_minor)
                .sum();
            assert_eq!(
                a.balance_minor, sum,
                "the balance of {} is the sum of its lines",
                a.account_key
            );
            if a.kind == AccountKind::Agent {
                assert!(a.balance_minor >= 0, "{} is below zero", a.account_key);
            }
        }
    }

    /// A conn-level transaction as the system, for counting rows.
    pub async fn count<E: EntityTrait>(&self) -> usize {
        let tx = self.world.db.conn.begin().await.expect("begin");
        tenant::act_as(&tx, &Actor::System).await.expect("act");
        let n = E::find().all(&tx).await.expect("rows").len();
        tx.commit().await.expect("commit");
        n
    }
}

/// The user id of a signed-in actor.
pub fn user(actor: &Actor) -> Uuid {
    actor.user_id().expect("a signed-in person")
}
