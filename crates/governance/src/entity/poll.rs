use commons_core::Timestamp;
use sea_orm::entity::prelude::*;

/// How a ballot chooses (GV3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PollKind {
    /// One option.
    #[sea_orm(string_value = "single")]
    Single,
    /// Any number of options, at least one.
    #[sea_orm(string_value = "approval")]
    Approval,
    /// Yes, no or abstain; abstentions count for the quorum, not for the threshold.
    #[sea_orm(string_value = "yes_no")]
    YesNo,
}

/// Who may vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Eligibility {
    /// The organization's members (role member and above).
    #[sea_orm(string_value = "members")]
    Members,
    /// The department's members.
    #[sea_orm(string_value = "department")]
    Department,
    /// The initiative's participants.
    #[sea_orm(string_value = "participants")]
    Participants,
    /// Everyone signed in.
    #[sea_orm(string_value = "signed_in")]
    SignedIn,
}

/// What a closed poll decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Outcome {
    /// One option won (`winner_id`).
    #[sea_orm(string_value = "decided")]
    Decided,
    /// Fewer ballots than the quorum.
    #[sea_orm(string_value = "no_quorum")]
    NoQuorum,
    /// The leading option had less than the threshold.
    #[sea_orm(string_value = "threshold_missed")]
    ThresholdMissed,
    /// Two or more options led with the same count.
    #[sea_orm(string_value = "tied")]
    Tied,
    /// Nobody chose an option (no ballots, or only abstentions).
    #[sea_orm(string_value = "no_votes")]
    NoVotes,
}

/// A question put to a vote on an initiative or for an organization (or department), open
/// between `opens_at` and `closes_at` by the injectable clock.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "polls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The initiative it decides for, or none for an organization's decision.
    pub initiative_id: Option<Uuid>,
    /// The organization it decides for (an initiative's organization where it has one).
    pub org_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub question: String,
    pub description: Option<String>,
    pub kind: PollKind,
    pub eligibility: Eligibility,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    /// At least this many ballots for a decision.
    pub quorum: Option<i32>,
    /// The share (percent) of counted ballots the leading option needs.
    pub threshold_percent: Option<i16>,
    /// Whether a voter may change their ballot until it closes.
    pub changeable: bool,
    /// Whether counts are hidden until it closes.
    pub results_hidden: bool,
    /// Whether who chose what is shown; otherwise a ballot is the voter's alone.
    pub public_ballots: bool,
    /// Recorded once, when it closes.
    pub outcome: Option<Outcome>,
    pub winner_id: Option<Uuid>,
    pub ballot_total: Option<i32>,
    pub decided_at: Option<Timestamp>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
