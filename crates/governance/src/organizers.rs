//! Who organizes an initiative: its owner (a person), or where an organization or department
//! owns it, its people who moderate there (`moderate_resources`); platform admins too.

use commons_core::Actor;
use commons_resources::entity::initiative;
use commons_resources::entity::resource;
use commons_resources::kind;
use commons_resources::service::writing::live;
use sea_orm::{ConnectionTrait, EntityTrait};
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
