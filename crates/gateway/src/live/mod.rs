//! Live delivery (RE4): the outbox [`Dispatcher`] of this process, and the hub between it and
//! the GraphQL subscriptions. The hub has each event prepared once by the crate that owns it
//! (its `EventRules::prepare_live`: one read for every subscriber in the process) and
//! rebroadcasts it; each subscription then keeps what its subscriber may see, by asking the
//! service that owns the rule.

use std::sync::Arc;
use std::time::Duration;

use commons_core::audience::Prepared;
use commons_core::idempotency;
use commons_core::outbox::{self, Dispatcher};
use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

use crate::schema::context::Services;

/// How many events a slow subscriber may fall behind before it loses the oldest.
const BACKLOG: usize = 4096;

/// What the hub hands to subscriptions: an event, prepared by its owning crate when that
/// crate prepares its topic for live subscribers.
#[derive(Debug)]
pub struct Delivery {
    pub event: Arc<outbox::Model>,
    prepared: Option<Prepared>,
}

impl Delivery {
    /// The prepared payload, when it is a `T` (the owning crate's type for this topic).
    pub fn prepared<T: 'static>(&self) -> Option<&T> {
        self.prepared.as_ref()?.downcast_ref()
    }
}

/// This process's live delivery; cheap to clone.
#[derive(Clone, Debug)]
pub struct Live {
    dispatcher: Dispatcher,
    deliveries: broadcast::Sender<Arc<Delivery>>,
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl Live {
    pub fn new() -> Live {
        Live {
            dispatcher: Dispatcher::new(BACKLOG),
            deliveries: broadcast::channel(BACKLOG).0,
        }
    }

    /// Starts reading the outbox, the hub and the notifier (MS2); they run until the returned
    /// tasks are aborted.
    pub(crate) fn start(
        &self,
        services: &Services,
        poll: Duration,
        retention: Duration,
    ) -> Vec<JoinHandle<()>> {
        let reading = self.dispatcher.spawn(services.db.clone(), poll);
        let hub = tokio::spawn(hub(
            self.dispatcher.subscribe(),
            self.deliveries.clone(),
            services.clone(),
        ));
        let notifier = tokio::spawn(notifier(self.dispatcher.subscribe(), services.clone(), retention));
        vec![reading, hub, notifier]
    }

    /// Everything the hub delivers from now on. A subscriber that falls more than the backlog
    /// behind skips what it missed rather than holding everyone back.
    pub fn deliveries(&self) -> impl Stream<Item = Arc<Delivery>> + Send + use<> {
        futures::stream::unfold(self.deliveries.subscribe(), |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(delivery) => return Some((delivery, receiver)),
                    Err(RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "a live subscriber fell behind and skipped events");
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        })
    }
}

/// How often the notifier looks for events no process handled (it was down, or lagged).
const CATCH_UP: Duration = Duration::from_secs(60);

/// Turns events into notifications (MS2) as they arrive, a batch to a transaction, and catches
/// up on the ones missed at start and every [`CATCH_UP`], when it also forgets events older
/// than `retention`. Every process runs one; each event is handled once between them
/// (`Messaging::notify_all` records it in the same transaction).
async fn notifier(
    mut events: broadcast::Receiver<Arc<outbox::Model>>,
    services: Services,
    retention: Duration,
) {
    let mut catch_up = tokio::time::interval(CATCH_UP);
    loop {
        tokio::select! {
            _ = catch_up.tick() => {
                prune(&services, retention).await;
                catch_up_notifications(&services).await;
            }
            received = events.recv() => match received {
                Ok(first) => {
                    let batch = with_waiting(first, &mut events, &services);
                    let batch: Vec<&outbox::Model> = batch.iter().map(|e| &**e).collect();
                    // Failures are logged inside; the catch-up tries again.
                    if let Err(e) = services.messaging.notify_all(&services.db, &batch).await {
                        tracing::warn!(error = %e, "notifying failed");
                    }
                }
                // The catch-up finds what was skipped.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// Events handled per notifier transaction, at most.
const NOTIFY_BATCH: usize = 200;

/// `first`, and the events already waiting behind it that anyone is notified of (up to
/// [`NOTIFY_BATCH`]): a burst of writes becomes a few transactions, not one each.
fn with_waiting(
    first: Arc<outbox::Model>,
    events: &mut broadcast::Receiver<Arc<outbox::Model>>,
    services: &Services,
) -> Vec<Arc<outbox::Model>> {
    let notifies = |e: &outbox::Model| services.rules.notifies(&e.topic);
    let mut batch: Vec<Arc<outbox::Model>> = Some(first).filter(|e| notifies(e)).into_iter().collect();
    while batch.len() < NOTIFY_BATCH {
        match events.try_recv() {
            Ok(event) if notifies(&event) => batch.push(event),
            Ok(_) => {}
            // Empty, lagged (the catch-up finds what was skipped) or closed: go with what there is.
            Err(_) => break,
        }
    }
    batch
}

/// Handles what no process did (it was down, or lagged), a batch at a time.
async fn catch_up_notifications(services: &Services) {
    loop {
        match services.messaging.notify_pending(&services.db, BATCH).await {
            Ok(handled) if handled as u64 == BATCH => continue,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "catching up on notifications failed");
                return;
            }
        }
    }
}

/// Forgets outbox events older than `retention`, and expired idempotency keys.
async fn prune(services: &Services, retention: Duration) {
    let now = services.identity.now();
    let cutoff = now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    match outbox::prune(&services.db, cutoff).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, "forgot old outbox events"),
        Err(e) => tracing::warn!(error = %e, "pruning the outbox failed"),
    }
    match prune_keys(&services.db, now - idempotency::retention()).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, "forgot expired idempotency keys"),
        Err(e) => tracing::warn!(error = %e, "pruning idempotency keys failed"),
    }
    match commons_identity::service::guesses::prune_guesses(&services.db, now).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, "forgot old password guess counts"),
        Err(e) => tracing::warn!(error = %e, "pruning password guess counts failed"),
    }
}

/// Keys are each person's own (row level security): the system deletes them.
async fn prune_keys(
    db: &sea_orm::DatabaseConnection,
    cutoff: commons_core::Timestamp,
) -> Result<u64, sea_orm::DbErr> {
    let tx = commons_core::tenant::write(db, &commons_core::Actor::System).await?;
    let pruned = idempotency::prune(&tx, cutoff).await?;
    tx.commit().await?;
    Ok(pruned)
}

/// Events per catch-up query.
const BATCH: u64 = 500;

async fn hub(
    mut events: broadcast::Receiver<Arc<outbox::Model>>,
    deliveries: broadcast::Sender<Arc<Delivery>>,
    services: Services,
) {
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "the live hub fell behind the outbox");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let prepared = if services.rules.is_live(&event.topic) {
            match services.rules.prepare_live(&services.db, &event).await {
                Ok(Some(prepared)) => Some(prepared),
                // What it reported is gone.
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, event = %event.id, "preparing a live update failed");
                    continue;
                }
            }
        } else {
            None
        };
        // Nobody subscribed is not an error.
        deliveries.send(Arc::new(Delivery { event, prepared })).ok();
    }
}
