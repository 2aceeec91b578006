//! Live delivery (RE4): the outbox [`Dispatcher`] of this process, and the hub between it and
//! the GraphQL subscriptions. The hub prepares each event once (one read for every subscriber
//! in the process) and rebroadcasts it; each subscription then keeps what its subscriber may
//! see, by asking the service that owns the rule.

use std::sync::Arc;
use std::time::Duration;

use commons_core::outbox::{self, Dispatcher};
use commons_messaging::LiveMessage;
use commons_reactions::live::ResourceUpdate;
use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

use crate::schema::context::Services;

/// How many events a slow subscriber may fall behind before it loses the oldest.
const BACKLOG: usize = 4096;

/// What the hub hands to subscriptions.
#[derive(Debug)]
pub enum Delivery {
    /// A comment or reaction, with its resource, read once.
    Resource(Box<ResourceUpdate>),
    /// A message, with who may receive it, read once.
    Message(Box<LiveMessage>),
    /// Any other event, as appended; subscriptions read what they need.
    Event(Arc<outbox::Model>),
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
        let clock = services.identity.clock();
        let reading = self.dispatcher.spawn(services.db.clone(), clock, poll);
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

/// Turns events into notifications (MS2) as they arrive, and catches up on the ones missed at
/// start and every [`CATCH_UP`], when it also forgets events older than `retention`. Every
/// process runs one; each event is handled once between them (`Messaging::notify` records it
/// in the same transaction).
async fn notifier(
    mut events: broadcast::Receiver<Arc<outbox::Model>>,
    services: Services,
    retention: Duration,
) {
    let db = &services.db;
    let mut catch_up = tokio::time::interval(CATCH_UP);
    loop {
        tokio::select! {
            _ = catch_up.tick() => {
                prune(&services, retention).await;
                catch_up_notifications(&services).await;
            }
            received = events.recv() => match received {
                Ok(event) => {
                    if let Err(e) = services.messaging.notify(db, &event).await {
                        // The catch-up tries again.
                        tracing::warn!(error = %e, event = %event.id, "notifying failed");
                    }
                }
                // The catch-up finds what was skipped.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
    }
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

/// Forgets outbox events older than `retention`.
async fn prune(services: &Services, retention: Duration) {
    let cutoff =
        services.identity.now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
    match outbox::prune(&services.db, cutoff).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, "forgot old outbox events"),
        Err(e) => tracing::warn!(error = %e, "pruning the outbox failed"),
    }
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
        let delivery = if commons_reactions::live::TOPICS.contains(&event.topic.as_str()) {
            match services.reactions.prepare_live(&services.db, &event).await {
                Ok(Some(update)) => Delivery::Resource(Box::new(update)),
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, event = %event.id, "preparing a live update failed");
                    continue;
                }
            }
        } else if event.topic == "message.created" {
            match services.messaging.prepare_live(&services.db, &event).await {
                Ok(Some(message)) => Delivery::Message(Box::new(message)),
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, event = %event.id, "preparing a live message failed");
                    continue;
                }
            }
        } else {
            Delivery::Event(event)
        };
        // Nobody subscribed is not an error.
        deliveries.send(Arc::new(delivery)).ok();
    }
}
