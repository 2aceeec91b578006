//! Commons payments (PA1–PA4): payments of orders (sales) and contributions to agents or to
//! a resource's fund, made through a [`provider::PaymentProvider`] (the built-in test
//! provider by default), settled by the provider's answer or its signed webhook, refunded in
//! full or in part, and posted to a double-entry [`ledger`] in the transaction that moves
//! them. Money mutations take an idempotency key (the mechanism GW7 uses:
//! `commons_core::idempotency`), and the provider is asked with the payment's own id as its
//! idempotency key, so no replay or crash charges twice.

pub mod billing;
pub mod entity;
pub mod error;
pub mod events;
pub mod ledger;
pub mod provider;

mod access;
mod contributions;
mod fingerprint;
mod paying;
mod payouts;
mod reading;
mod refunds;
mod reports;
mod settling;
mod webhooks;

use std::sync::Arc;

use commons_sales::Sales;

pub use billing::{BillingRun, Prices, prorate};
pub use contributions::{AcceptContributions, Contribute, Target};
pub use entity::account::AccountKind;
pub use entity::payment::{PaymentKind, PaymentStatus};
pub use entity::refund::RefundStatus;
pub use error::Error;
pub use payouts::{PaidOut, Payout};
pub use provider::{PaymentProvider, TestProvider};
pub use reading::HistoryFilter;
pub use refunds::Refund;
pub use reports::{Contributor, FundingReport, Spending};
pub use webhooks::Applied;

/// The platform's fee on each payment, in basis points of the amount (250 = 2.5%), taken from
/// what the payee receives and given back in proportion to what is refunded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fee {
    pub basis_points: u32,
}

impl Fee {
    /// The fee on `amount_minor`, rounded half up; never more than the amount.
    pub fn on(self, amount_minor: i64) -> i64 {
        let fee = (i128::from(amount_minor) * i128::from(self.basis_points.min(10_000)) + 5_000) / 10_000;
        i64::try_from(fee).unwrap_or(amount_minor).min(amount_minor)
    }
}

/// The payments services and what they share.
#[derive(Clone, Debug)]
pub struct Payments {
    pub(crate) sales: Sales,
    pub(crate) provider: Arc<dyn PaymentProvider>,
    pub(crate) fee: Fee,
    pub(crate) prices: billing::Prices,
}

impl Payments {
    pub fn new(sales: Sales, provider: Arc<dyn PaymentProvider>) -> Payments {
        Payments {
            sales,
            provider,
            fee: Fee::default(),
            prices: billing::Prices::default(),
        }
    }

    /// Bills the plans at `prices` (PA6).
    pub fn with_prices(mut self, prices: billing::Prices) -> Payments {
        self.prices = prices;
        self
    }

    pub fn prices(&self) -> &billing::Prices {
        &self.prices
    }

    /// Takes `fee` from every payment made from now on.
    pub fn with_fee(mut self, fee: Fee) -> Payments {
        self.fee = fee;
        self
    }

    pub fn provider(&self) -> &dyn PaymentProvider {
        self.provider.as_ref()
    }

    pub fn sales(&self) -> &Sales {
        &self.sales
    }

    pub(crate) fn now(&self) -> commons_core::Timestamp {
        self.sales.resources().orgs().identity().now()
    }
}
