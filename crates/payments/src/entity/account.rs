use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AccountKind {
    /// What the platform holds for an agent; never below zero.
    #[sea_orm(string_value = "agent")]
    Agent,
    /// The platform's side of the money at the providers: its balance is minus what came in
    /// and was not yet paid out or refunded.
    #[sea_orm(string_value = "clearing")]
    Clearing,
    /// The platform's fees.
    #[sea_orm(string_value = "fees")]
    Fees,
}

/// A ledger account (PA4): an agent's (optionally earmarked for one resource) or one of the
/// platform's, in one currency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique: `agent:<agent>:<resource or ->:<currency>`, `clearing:<currency>`.
    pub account_key: String,
    pub kind: AccountKind,
    pub agent_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub resource_id: Option<Uuid>,
    pub currency: String,
    /// The sum of the account's lines.
    pub balance_minor: i64,
    pub accepts_contributions: bool,
    pub goal_minor: Option<i64>,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
