//! Who organizes an initiative: its owner (a person), or where an organization or department
//! owns it, its people who moderate there (`moderate_resources`); platform admins too.

use commons_core::Actor;
use commons_resources::entity::initiative;
use commons_resources::entity::resource;
use commons_resources::kind;
use commons_resources::service::writing::live;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Governance;
use crate::error::Error;

/// An initiative as the actor sees it: its resource row and its own row.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub resource: resource::Model,
    pub initiative: initiative::Model,
}

impl Governance {
    /// The initiative `id` if the actor may see it.
    pub(crate) async fn seen(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Seen, Error> {
        let resource = match live(tx, actor, id).await {
            Ok(r) if r.kind == kind::initiative::KIND => r,
            Ok(_) | Err(commons_resources::Error::NotFound) => return Err(Error::InitiativeNotFound),
            Err(e) => return Err(e.into()),
        };
        let initiative = initiative::Entity::find_by_id(id)
            .one(tx)
            .await?
            .ok_or(Error::InitiativeNotFound)?;
        Ok(Seen { resource, initiative })
    }

    /// Whether `actor` organizes `resource`.
    pub(crate) async fn organizes(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        resource: &resource::Model,
    ) -> Result<bool, Error> {
        Ok(self.resources.moderates(tx, actor, resource).await?)
    }

    /// Of `ids`, the initiatives the actor may see: one resource query and its access checks.
    pub(crate) async fn visible_initiatives(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        ids: &[Uuid],
    ) -> Result<Vec<resource::Model>, Error> {
        let rows = resource::Entity::find()
            .filter(resource::Column::Id.is_in(ids.iter().copied()))
            .filter(resource::Column::DeletedAt.is_null())
            .filter(resource::Column::Kind.eq(kind::initiative::KIND))
            .all(tx)
            .await?;
        let mut visible = Vec::with_capacity(rows.len());
        for row in rows {
            if commons_resources::service::reading::may_see(tx, actor, &row).await? {
                visible.push(row);
            }
        }
        Ok(visible)
    }

    /// Of `initiatives`, those the actor organizes, asking once per owner (a batch's
    /// initiatives are mostly of few owners).
    pub(crate) async fn organized_among(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        initiatives: &[resource::Model],
    ) -> Result<Vec<Uuid>, Error> {
        let mut asked = commons_core::AskOnce::default();
        let mut organized = Vec::new();
        for initiative in initiatives {
            let owner = (initiative.owner_id, initiative.department_id);
            let organizes = asked
                .get(owner, async |_| self.organizes(tx, actor, initiative).await)
                .await?;
            if organizes {
                organized.push(initiative.id);
            }
        }
        Ok(organized)
    }

    /// Refuses anyone but the initiative's organizers.
    pub(crate) async fn require_organizer(
        &self,
        tx: &impl ConnectionTrait,
        actor: &Actor,
        resource: &resource::Model,
        what: &'static str,
    ) -> Result<(), Error> {
        if self.organizes(tx, actor, resource).await? {
            Ok(())
        } else {
            Err(Error::NotAllowed(what))
        }
    }
}
