//! Push delivery (MS2): a provider trait, with a provider that only logs built in. FCM,
//! APNs or Telegram providers implement the same trait in the binary that has their keys.

use crate::devices::PushToken;
use crate::notifications::Notification;

/// Why a push did not go out. Delivery failures are logged, never returned to the caller
/// whose action caused the notification.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The push service no longer knows the device (the app was removed).
    #[error("the device token is no longer valid")]
    TokenGone,
    #[error("the push service refused the notification: {0}")]
    Refused(String),
    #[error("the push service could not be reached: {0}")]
    Unreachable(String),
}

/// Sends one notification to one device.
#[async_trait::async_trait]
pub trait DeliveryProvider: Send + Sync + std::fmt::Debug {
    async fn deliver(&self, token: &PushToken, notification: &Notification) -> Result<(), DeliveryError>;
}

/// Logs what it would push (development, tests, servers without push keys). Tokens are
/// credentials for a device: only a short prefix reaches the log.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogProvider;

#[async_trait::async_trait]
impl DeliveryProvider for LogProvider {
    async fn deliver(&self, token: &PushToken, notification: &Notification) -> Result<(), DeliveryError> {
        tracing::info!(
            platform = ?token.platform,
            token = %token_prefix(&token.token),
            user = %notification.user_id,
            notification = %notification.id,
            topic = %notification.topic,
            "push notification (log provider)"
        );
        Ok(())
    }
}

/// The first few characters of a token, enough to tell devices apart in a log.
fn token_prefix(token: &str) -> String {
    let prefix: String = token.chars().take(6).collect();
    format!("{prefix}…")
}

#[cfg(test)]
mod tests {
    use super::token_prefix;

    #[test]
    fn logs_show_only_the_start_of_a_token() {
        assert_eq!(token_prefix("abcdefghijklmnop"), "abcdef…");
        assert_eq!(token_prefix("ab"), "ab…");
    }
}
