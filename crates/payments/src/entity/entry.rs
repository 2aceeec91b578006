use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EntryKind {
    /// Money came in for the payee (less the fee).
    #[sea_orm(string_value = "payment")]
    Payment,
    /// Money went back to the payer.
    #[sea_orm(string_value = "refund")]
    Refund,
    /// Money left an agent's account: paid out to it, or spent from a fund.
    #[sea_orm(string_value = "payout")]
    Payout,
    /// A refund the provider refused, put back.
    #[sea_orm(string_value = "reversal")]
    Reversal,
}

/// One movement of money: its lines sum to zero.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: EntryKind,
    pub currency: String,
    pub payment_id: Option<Uuid>,
    pub refund_id: Option<Uuid>,
    pub description: Option<String>,
    /// A payout's receipt: an upload of the person who paid out.
    pub receipt_media_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
