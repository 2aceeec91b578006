use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// Where an initiative is in its life (GV1); governance moves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InitiativeStatus {
    /// Being prepared: nobody joins yet.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// People join and claim tasks.
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// An initiative's own fields (a BirQadam project): what, where, when and for how much; its
/// lifecycle, join code and participant count are kept by governance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "initiatives")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    pub status: InitiativeStatus,
    /// `environment`, `education`, `social` …, as the organizer names it.
    pub category: String,
    pub place: Option<String>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    /// The funding goal, in minor units of `currency`.
    pub goal_minor: Option<i64>,
    pub currency: Option<String>,
    /// People who may join; unlimited when absent.
    pub max_participants: Option<i32>,
    /// What a QR code carries: `joinInitiative(code:)`. Unique.
    pub join_code: String,
    /// Held to `max_participants` by the joining transaction.
    pub participant_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Feeds read this model by position (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Model {
    resource_id,
    status,
    category,
    place: Option,
    starts_at: Option,
    ends_at: Option,
    goal_minor: Option,
    currency: Option,
    max_participants: Option,
    join_code,
    participant_count
});
