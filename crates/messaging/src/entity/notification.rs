use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The recipient.
    pub user_id: Uuid,
    /// The outbox event it came from (unique with the recipient).
    pub event_id: Uuid,
    pub topic: String,
    pub subject_id: Option<Uuid>,
    /// Who did what the notification tells of.
    pub actor_id: Option<Uuid>,
    /// A short sentence for people: `ann commented on “Spring cleanup”`.
    pub summary: String,
    /// The event's payload, for clients that link to what it is about.
    pub payload: Json,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
