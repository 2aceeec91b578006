//! OR8: an event's registrations as CSV or XLSX, for those holding `export_data` where the
//! event is (a person's own event: that person).

use commons_core::db::Conn;
use commons_core::export::{Export, ExportFormat, Table};
use commons_core::{Actor, tenant};
use commons_identity::entity::user;
use commons_orgs::Permission;
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::writing::{live, scope_of};
use crate::Resources;
use crate::entity::event_registration as registration;
use crate::error::Error;
use crate::kind;

const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";

impl Resources {
    /// Everyone who registered, in the order they asked, with their contact, status, check-in
    /// and ticket code: the organizer's door list.
    pub async fn export_registrations<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        event_id: Uuid,
        format: ExportFormat,
    ) -> Result<Export, Error> {
        let tx = tenant::read(db, actor).await?;
        let event = live(&tx, actor, event_id).await?;
        if event.kind != kind::event::KIND {
            return Err(Error::invalid("eventId", "only events take registrations"));
        }
        self.authorize(&tx, actor, scope_of(&event), Permission::ExportData)
            .await?;
        let registrations = registration::Entity::find()
            .filter(registration::Column::EventId.eq(event_id))
            .order_by_asc(registration::Column::RequestNumber)
            .all(&tx)
            .await?;
        let people: std::collections::HashMap<Uuid, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(registrations.iter().map(|r| r.user_id)))
            .all(&tx)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        tx.commit().await?;
        let table = Table {
            headers: [
                "Name",
                "Username",
                "Email",
                "Status",
                "Requested at",
                "Checked in at",
                "Ticket code",
            ]
            .map(String::from)
            .to_vec(),
            rows: registrations
                .into_iter()
                .map(|r| {
                    let person = people.get(&r.user_id);
                    vec![
                        person.and_then(|p| p.display_name.clone()).unwrap_or_default(),
                        person.map(|p| p.username.clone()).unwrap_or_default(),
                        person.map(|p| p.email.clone()).unwrap_or_default(),
                        r.status.to_value(),
                        r.requested_at.format(TIME).to_string(),
                        r.checked_in_at
                            .map(|t| t.format(TIME).to_string())
                            .unwrap_or_default(),
                        r.ticket_code,
                    ]
                })
                .collect(),
        };
        Ok(table.export(&format!("registrations {}", event.slug), format)?)
    }
}
