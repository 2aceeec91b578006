//! Visitors (ID1): anonymous people recorded on first contact and recognised after.

use commons_core::db::Conn;
use commons_core::{Actor, tenant, text};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::ClientInfo;
use crate::Identity;
use crate::entity::visitor;
use crate::error::Error;

#[derive(Clone, Debug, Default)]
pub struct Visit {
    /// The id handed out on a previous visit; a new visitor is recorded when absent or unknown.
    pub visitor_id: Option<Uuid>,
    pub locale: Option<String>,
    pub referrer: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub client: ClientInfo,
}

impl Identity {
    /// Records a visit. A returning visitor's count and last-seen time move on; the referrer
    /// and UTM tags of the first visit are kept (first-touch attribution).
    pub async fn record_visit<C: Conn>(&self, db: &C, visit: Visit) -> Result<visitor::Model, Error> {
        let now = self.clock.now();
        let locale = text::clipped(visit.locale.as_deref(), 35);
        // Anonymous, with the visitor id as the only claim: on PostgreSQL visitors are the
        // system's to read and change.
        let tx = tenant::write(db, &Actor::System).await?;
        if let Some(id) = visit.visitor_id {
            let updated = visitor::Entity::update_many()
                .col_expr(
                    visitor::Column::VisitCount,
                    Expr::col(visitor::Column::VisitCount).add(1),
                )
                .col_expr(visitor::Column::LastSeenAt, Expr::value(now))
                .col_expr(
                    visitor::Column::Locale,
                    match &locale {
                        Some(l) => Expr::value(l.clone()),
                        None => Expr::col(visitor::Column::Locale),
                    },
                )
                .filter(visitor::Column::Id.eq(id))
                .exec(&tx)
                .await?;
            if updated.rows_affected == 1
                && let Some(found) = visitor::Entity::find_by_id(id).one(&tx).await?
            {
                tx.commit().await?;
                return Ok(found);
            }
        }
        let hint = |v: &Option<String>, max| text::clipped(v.as_deref(), max);
        let created = visitor::ActiveModel {
            id: Set(commons_core::id::new()),
            user_agent: Set(visit.client.user_agent()),
            ip_prefix: Set(visit.client.ip_prefix()),
            locale: Set(locale),
            referrer: Set(hint(&visit.referrer, 2048)),
            utm_source: Set(hint(&visit.utm_source, 255)),
            utm_medium: Set(hint(&visit.utm_medium, 255)),
            utm_campaign: Set(hint(&visit.utm_campaign, 255)),
            utm_term: Set(hint(&visit.utm_term, 255)),
            utm_content: Set(hint(&visit.utm_content, 255)),
            first_seen_at: Set(now),
            last_seen_at: Set(now),
            visit_count: Set(1),
            user_id: Set(None),
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(created)
    }
}
