//! Notification settings (MS2): per person and topic, whether it reaches the inbox and
//! whether it is pushed. The topics are those the registered rules notify of; without a
//! setting, a topic uses its defaults: inbox on, push as its owning crate says (off for
//! reactions: many, and rarely urgent).

use std::collections::HashMap;

use commons_core::audience::NotifiedTopic;
use commons_core::db::Conn;
use commons_core::{Actor, tenant};
use commons_orgs::service::access::{active_writer, signed_in};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Messaging;
use crate::entity::notification_setting;
use crate::error::Error;

/// The effective setting of one topic for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationSetting {
    pub topic: String,
    /// Notifications of this topic land in the inbox.
    pub inbox: bool,
    /// They are also pushed to the person's devices (only when they land in the inbox).
    pub push: bool,
}

impl NotificationSetting {
    /// What `topic` does for someone who never changed it.
    pub fn default_for(topic: &NotifiedTopic) -> NotificationSetting {
        NotificationSetting {
            topic: topic.topic.to_owned(),
            inbox: true,
            push: topic.push_by_default,
        }
    }

    fn from_row(row: Option<&notification_setting::Model>, topic: &NotifiedTopic) -> NotificationSetting {
        match row {
            Some(row) => NotificationSetting {
                topic: topic.topic.to_owned(),
                inbox: row.inbox,
                push: row.push,
            },
            None => NotificationSetting::default_for(topic),
        }
    }
}

impl Messaging {
    /// Every topic with the actor's effective setting, in the order the rules were registered.
    pub async fn notification_settings<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
    ) -> Result<Vec<NotificationSetting>, Error> {
        let me = signed_in(actor)?;
        let tx = tenant::read(db, actor).await?;
        let rows = notification_setting::Entity::find()
            .filter(notification_setting::Column::UserId.eq(me))
            .all(&tx)
            .await?;
        tx.commit().await?;
        let rows: HashMap<&str, &notification_setting::Model> =
            rows.iter().map(|r| (r.topic.as_str(), r)).collect();
        Ok(self
            .rules
            .notified()
            .iter()
            .map(|topic| NotificationSetting::from_row(rows.get(topic.topic).copied(), topic))
            .collect())
    }

    /// Sets whether a topic reaches the actor's inbox and devices.
    pub async fn set_notification_setting<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        topic: &str,
        inbox: bool,
        push: bool,
    ) -> Result<NotificationSetting, Error> {
        let topic = topic.trim();
        if self.rules.notified_topic(topic).is_none() {
            let known: Vec<&str> = self.rules.notified().iter().map(|t| t.topic).collect();
            return Err(Error::invalid(
                "topic",
                format!("unknown topic; use one of {}", known.join(", ")),
            ));
        }
        let now = self.now();
        let tx = tenant::write(db, actor).await?;
        let me = active_writer(&tx, actor).await?;
        notification_setting::Entity::insert(notification_setting::ActiveModel {
            user_id: Set(me),
            topic: Set(topic.to_owned()),
            inbox: Set(inbox),
            push: Set(push),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                notification_setting::Column::UserId,
                notification_setting::Column::Topic,
            ])
            .update_columns([
                notification_setting::Column::Inbox,
                notification_setting::Column::Push,
                notification_setting::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
        tx.commit().await?;
        Ok(NotificationSetting {
            topic: topic.to_owned(),
            inbox,
            push,
        })
    }
}

/// The effective settings of `topic` for many people, in one query.
pub(crate) async fn for_topic(
    tx: &impl ConnectionTrait,
    topic: &NotifiedTopic,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, NotificationSetting>, Error> {
    let rows = notification_setting::Entity::find()
        .filter(notification_setting::Column::Topic.eq(topic.topic))
        .filter(notification_setting::Column::UserId.is_in(user_ids.iter().copied()))
        .all(tx)
        .await?;
    let rows: HashMap<Uuid, &notification_setting::Model> = rows.iter().map(|r| (r.user_id, r)).collect();
    Ok(user_ids
        .iter()
        .map(|id| (*id, NotificationSetting::from_row(rows.get(id).copied(), topic)))
        .collect())
}
