use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    /// Where the page sits in its owner's site: `about/team`.
    pub path: String,
    /// Markdown.
    pub body: String,
    pub parent_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Feeds read this model by position (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Model {
    resource_id,
    path,
    body,
    parent_id: Option
});
