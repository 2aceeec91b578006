//! Provider events (PA2): `POST /webhooks/{provider}` hands the raw body and signature here.
//! Nothing is read before the signature is checked; each event is applied once, however
//! often and however concurrently it arrives: its id is inserted into `provider_events` in
//! the transaction that applies it (a unique index), so a second delivery waits for the
//! first to commit and then finds it done, and settling itself moves a payment only once.

use commons_core::db::Conn;
use commons_core::{Actor, tenant};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::Payments;
use crate::entity::{payment, provider_event};
use crate::error::Error;
use crate::provider::{ChargeChange, ChargeRef};
use crate::settling::Outcome;

/// What a delivery did (each is answered 200, so the provider stops sending it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The event moved a payment (or found it already where the event says).
    Applied,
    /// This event was applied before.
    Duplicate,
    /// An event payments does not act on, or about a charge it does not know.
    Ignored,
}

impl Payments {
    /// Verifies and applies one delivery to `POST /webhooks/{provider}`.
    pub async fn apply_webhook<C: Conn>(
        &self,
        db: &C,
        provider: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Applied, Error> {
        if provider != self.provider.name() {
            return Err(Error::UnknownProvider(provider.to_owned()));
        }
        let now = self.now();
        let event = self.provider.verify_webhook(signature, body, now)?;
        let tx = tenant::write(db, &Actor::System).await?;
        let charge = match &event.change {
            ChargeChange::Succeeded { charge }
            | ChargeChange::Failed { charge, .. }
            | ChargeChange::Cancelled { charge } => Some(charge),
            ChargeChange::Ignored => None,
        };
        let found = match charge {
            Some(charge) => self.charged(&tx, charge).await?,
            None => None,
        };
        let recorded = provider_event::Entity::insert(provider_event::ActiveModel {
            id: Set(commons_core::id::new()),
            provider: Set(provider.to_owned()),
            event_id: Set(event.id.clone()),
            event_type: Set(event.event_type.clone()),
            payment_id: Set(found.as_ref().map(|p| p.id)),
            received_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([provider_event::Column::Provider, provider_event::Column::EventId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
        if recorded == 0 {
            tx.commit().await?;
            return Ok(Applied::Duplicate);
        }
        let Some(paid) = found else {
            tx.commit().await?;
            if charge.is_some() {
                tracing::warn!(provider, event = %event.id, "a provider event names a charge no payment has");
            }
            return Ok(Applied::Ignored);
        };
        let outcome = match event.change {
            ChargeChange::Succeeded { charge } => Outcome::Succeeded {
                reference: charge.reference,
            },
            ChargeChange::Failed { charge, reason } => Outcome::Failed {
                reference: Some(charge.reference),
                reason,
            },
            ChargeChange::Cancelled { .. } => Outcome::Cancelled,
            ChargeChange::Ignored => return Ok(Applied::Ignored),
        };
        self.settle(&tx, paid.id, outcome, now).await?;
        tx.commit().await?;
        Ok(Applied::Applied)
    }

    /// The payment of this provider's charge: by the payment id the charge carries, else by
    /// the provider's reference.
    async fn charged(
        &self,
        tx: &impl sea_orm::ConnectionTrait,
        charge: &ChargeRef,
    ) -> Result<Option<payment::Model>, Error> {
        let provider = self.provider.name();
        let select = payment::Entity::find().filter(payment::Column::Provider.eq(provider));
        let found = match charge.payment_id {
            Some(id) => select.filter(payment::Column::Id.eq(id)).one(tx).await?,
            None => {
                select
                    .filter(payment::Column::ProviderRef.eq(charge.reference.as_str()))
                    .one(tx)
                    .await?
            }
        };
        // A charge is only the payment's if the references agree (when both are known).
        Ok(found.filter(|p| p.provider_ref.as_deref().is_none_or(|r| r == charge.reference)))
    }
}
