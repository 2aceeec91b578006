use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    pub url: String,
    /// The upload behind it, when uploaded here.
    pub media_id: Option<Uuid>,
    pub caption: Option<String>,
    /// From the uploaded bytes, when the photo was uploaded here.
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Feeds read this model by position (`commons_core::row`): the fields in their order above.
commons_core::from_row!(Model {
    resource_id,
    url,
    media_id: Option,
    caption: Option,
    content_type: Option,
    size_bytes: Option,
    width: Option,
    height: Option
});
