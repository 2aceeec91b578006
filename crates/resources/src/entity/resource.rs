use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Visibility {
    /// Everyone, once published.
    #[sea_orm(string_value = "public")]
    Public,
    /// Members of the owning organization.
    #[sea_orm(string_value = "members")]
    Members,
    /// Members of the owning department, and the organization's moderators and up.
    #[sea_orm(string_value = "department")]
    Department,
    /// The creator, the owning person, and the organization's admins.
    #[sea_orm(string_value = "private")]
    Private,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Status {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "archived")]
    Archived,
}

/// Where a resource is in moderation (RS6). Approval publishes it; rejection keeps it a draft
/// with the reason, for its creator to mend and submit again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Review {
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

/// What every kind shares (RS1). The kind's own fields are in its table, keyed by this id.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub creator_id: Uuid,
    /// An agent: a user, an organization or a department.
    pub owner_id: Uuid,
    /// The owning organization (also for department-owned resources), for tenant isolation.
    pub org_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub title: String,
    /// Unique per owner.
    pub slug: String,
    pub summary: Option<String>,
    pub visibility: Visibility,
    pub status: Status,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    /// Where it is, for kinds that have a place (spots; events held in person).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// All reactions to it, kept by the reactions crate: the "most reacted" order.
    pub reaction_count: i64,
    /// Comments shown (not deleted or hidden), kept by the commenting transaction.
    pub comment_count: i64,
    /// Moderation (RS6), where the department or organization requires approval.
    pub review: Option<Review>,
    /// Why it was rejected.
    pub review_reason: Option<String>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<Timestamp>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Feeds read this model by position (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Model {
    id,
    kind,
    creator_id,
    owner_id,
    org_id: Option,
    department_id: Option,
    title,
    slug,
    summary: Option,
    visibility,
    status,
    created_at,
    updated_at,
    published_at: Option,
    deleted_at: Option,
    latitude: Option,
    longitude: Option,
    reaction_count,
    comment_count,
    review: Option,
    review_reason: Option,
    reviewed_by: Option,
    reviewed_at: Option
});
