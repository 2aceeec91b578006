//! Polls in GraphQL (GV3): putting a question to a vote, casting ballots, counts and the
//! outcome. Every rule is the service's; this only translates.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use commons_core::{ErrorCode, PageRequest, Timestamp};
use commons_governance::entity::{poll, poll_option};
use commons_governance::{CreatePoll, PollsOf};
use uuid::Uuid;

use super::loader::{MayVote, MyBallot, OptionsOf, PollId, ResultsOf};
use super::types::loader;
use crate::error::{GqlResult, SharedResult, coded};
use crate::schema::connection::connection;
use crate::schema::context::ContextExt;
use crate::schema::identity::{User, load_users};
use crate::schema::node::{expect_id, global_id};
use crate::schema::orgs::{Owner, load_owners};
use crate::schema::resources::{Resource, any_resource_id, load_resources};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_governance::PollKind")]
pub enum PollKind {
    /// One option.
    Single,
    /// Any number of options, at least one.
    Approval,
    /// Yes, no or abstain (the poll's own three options).
    YesNo,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_governance::Eligibility")]
pub enum PollEligibility {
    /// The organization's members.
    Members,
    /// The department's members.
    Department,
    /// The initiative's participants.
    Participants,
    /// Everyone signed in.
    SignedIn,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_governance::PollStatus")]
pub enum PollStatus {
    /// Not open yet.
    Scheduled,
    Open,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "commons_governance::Outcome")]
pub enum PollResult {
    /// One option won.
    Decided,
    /// Fewer ballots than the quorum.
    NoQuorum,
    /// The leading option had less than the threshold.
    ThresholdMissed,
    Tied,
    /// Nobody chose an option.
    NoVotes,
}

#[derive(InputObject)]
pub struct CreatePollInput {
    /// The initiative it decides for (its organizers put it)…
    initiative_id: Option<ID>,
    /// …or the organization (its people who moderate put it).
    organization_id: Option<ID>,
    /// A department of the organization, whose members vote when `eligibility` is DEPARTMENT.
    department_id: Option<ID>,
    question: String,
    description: Option<String>,
    kind: PollKind,
    /// 2 to 20 answers; none for a yes/no poll.
    #[graphql(default)]
    options: Vec<String>,
    eligibility: PollEligibility,
    /// Now when absent.
    opens_at: Option<Timestamp>,
    closes_at: Timestamp,
    /// At least this many ballots for a decision.
    quorum: Option<i32>,
    /// The share of counted ballots (abstentions aside) the leading option needs, 1–100.
    threshold_percent: Option<i16>,
    /// Voters may change their ballot until it closes.
    #[graphql(default)]
    changeable_ballots: bool,
    /// Counts are shown only once it closes.
    #[graphql(default)]
    results_hidden_until_close: bool,
    /// Who chose what is shown; otherwise each ballot is its voter's alone.
    #[graphql(default)]
    public_ballots: bool,
}

#[derive(InputObject)]
pub struct CastBallotInput {
    poll_id: ID,
    /// One option, or several in an approval poll.
    option_ids: Vec<ID>,
}

/// A question put to a vote.
pub struct Poll(pub poll::Model);

#[Object]
impl Poll {
    pub async fn id(&self) -> ID {
        global_id("Poll", self.0.id)
    }

    async fn question(&self) -> &str {
        &self.0.question
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn kind(&self) -> PollKind {
        self.0.kind.into()
    }

    async fn eligibility(&self) -> PollEligibility {
        self.0.eligibility.into()
    }

    async fn opens_at(&self) -> Timestamp {
        self.0.opens_at
    }

    async fn closes_at(&self) -> Timestamp {
        self.0.closes_at
    }

    /// Where it is by the clock.
    async fn status(&self, ctx: &Context<'_>) -> PollStatus {
        commons_governance::polls::status_at(&self.0, ctx.services().governance.now()).into()
    }

    async fn quorum(&self) -> Option<i32> {
        self.0.quorum
    }

    async fn threshold_percent(&self) -> Option<i16> {
        self.0.threshold_percent
    }

    async fn changeable_ballots(&self) -> bool {
        self.0.changeable
    }

    async fn results_hidden_until_close(&self) -> bool {
        self.0.results_hidden
    }

    async fn public_ballots(&self) -> bool {
        self.0.public_ballots
    }

    /// Its answers, in order.
    async fn options(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PollOption>> {
        options_of(ctx, self.0.id).await
    }

    /// The counts, and the outcome once closed; null while the poll hides them.
    async fn results(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PollResults>> {
        let Some(found) = loader(ctx).load_one(ResultsOf(self.0.id)).await.unshared()? else {
            return Ok(None);
        };
        let options = options_of(ctx, self.0.id).await?;
        let option = |id: Uuid| options.iter().find(|o| o.0.id == id).cloned();
        Ok(Some(PollResults {
            ballots: clamp(found.ballots),
            options: found
                .votes
                .iter()
                .filter_map(|(id, votes)| {
                    option(*id).map(|option| OptionVotes {
                        option,
                        votes: clamp(*votes),
                    })
                })
                .collect(),
            outcome: found.decision.map(|(decision, recorded_at)| PollOutcome {
                result: decision.outcome.into(),
                winner: decision.winner.and_then(option),
                recorded_at,
            }),
        }))
    }

    /// Your ballot, if you cast one.
    async fn viewer_ballot(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ballot>> {
        let found = loader(ctx).load_one(MyBallot(self.0.id)).await.unshared()?;
        Ok(found.map(Ballot))
    }

    /// Whether you may vote now: eligible, and the poll is open.
    async fn viewer_may_vote(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(loader(ctx)
            .load_one(MayVote(self.0.id))
            .await
            .unshared()?
            .unwrap_or(false))
    }

    /// Who chose what, earliest first: only in a public poll, once its counts are shown.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn ballots(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Ballot>> {
        let s = ctx.services();
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s
            .governance
            .public_ballots(&s.db, ctx.actor()?, self.0.id, &page)
            .await
            .gql()?;
        Ok(connection(&page, found, Ballot))
    }

    /// The initiative it decides for.
    async fn initiative(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Resource>> {
        let Some(id) = self.0.initiative_id else {
            return Ok(None);
        };
        Ok(load_resources(ctx, vec![id]).await?.remove(&id))
    }

    /// The organization it decides for (an initiative's, where it has one).
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        owner(ctx, self.0.org_id).await
    }

    /// The department whose members vote, or whose decision it is.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Owner>> {
        owner(ctx, self.0.department_id).await
    }

    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load_users(ctx, vec![self.0.created_by])
            .await?
            .remove(&self.0.created_by))
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }
}

/// One answer a poll offers.
#[derive(Clone)]
pub struct PollOption(pub poll_option::Model);

#[Object]
impl PollOption {
    pub async fn id(&self) -> ID {
        global_id("PollOption", self.0.id)
    }

    async fn label(&self) -> &str {
        &self.0.label
    }

    /// A yes/no poll's abstention: counted for the quorum, not the threshold.
    async fn abstain(&self) -> bool {
        self.0.abstain
    }
}

/// A poll's counts.
#[derive(SimpleObject)]
pub struct PollResults {
    /// Ballots cast.
    ballots: i32,
    /// Votes per option, in the poll's order.
    options: Vec<OptionVotes>,
    /// What it decided; null until it closes.
    outcome: Option<PollOutcome>,
}

#[derive(SimpleObject)]
pub struct OptionVotes {
    option: PollOption,
    votes: i32,
}

/// What a closed poll decided.
#[derive(SimpleObject)]
pub struct PollOutcome {
    result: PollResult,
    /// The winning option when decided.
    winner: Option<PollOption>,
    /// When the outcome was written down; null for the moment between the close and the
    /// closing sweep (the counts can no longer change).
    recorded_at: Option<Timestamp>,
}

/// A voter's ballot: yours, or anyone's in a public poll.
pub struct Ballot(pub commons_governance::Ballot);

#[Object]
impl Ballot {
    pub async fn id(&self) -> ID {
        global_id("Ballot", self.0.ballot.id)
    }

    async fn poll(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Poll>> {
        let found = loader(ctx)
            .load_one(PollId(self.0.ballot.poll_id))
            .await
            .unshared()?;
        Ok(found.map(Poll))
    }

    /// The options chosen, in the poll's order.
    async fn choices(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PollOption>> {
        let options = options_of(ctx, self.0.ballot.poll_id).await?;
        Ok(options
            .into_iter()
            .filter(|o| self.0.choices.contains(&o.0.id))
            .collect())
    }

    async fn voter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let id = self.0.ballot.voter_id;
        Ok(load_users(ctx, vec![id]).await?.remove(&id))
    }

    async fn cast_at(&self) -> Timestamp {
        self.0.ballot.cast_at
    }

    /// When it was last changed.
    async fn updated_at(&self) -> Timestamp {
        self.0.ballot.updated_at
    }
}

async fn options_of(ctx: &Context<'_>, poll: Uuid) -> async_graphql::Result<Vec<PollOption>> {
    let found = loader(ctx).load_one(OptionsOf(poll)).await.unshared()?;
    Ok(found.unwrap_or_default().into_iter().map(PollOption).collect())
}

async fn owner(ctx: &Context<'_>, id: Option<Uuid>) -> async_graphql::Result<Option<Owner>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(load_owners(ctx, vec![id]).await?.pop().flatten())
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct PollsQuery;

#[Object]
impl PollsQuery {
    /// A poll you may see; null otherwise.
    async fn poll(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Poll>> {
        let id = expect_id(&id, "Poll", "id")?;
        Ok(super::load_polls(ctx, vec![id]).await?.remove(&id))
    }

    /// The polls on an initiative, or an organization's own, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn polls(
        &self,
        ctx: &Context<'_>,
        initiative_id: Option<ID>,
        organization_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Poll>> {
        let s = ctx.services();
        let on = match (initiative_id, organization_id) {
            (Some(id), None) => PollsOf::Initiative(any_resource_id(&id, "initiativeId")?),
            (None, Some(id)) => PollsOf::Organization(expect_id(&id, "Organization", "organizationId")?),
            _ => {
                return Err(coded(
                    ErrorCode::BadUserInput,
                    "give an initiativeId or an organizationId",
                ));
            }
        };
        let page = PageRequest::new(first, after.as_deref()).gql()?;
        let found = s.governance.polls(&s.db, ctx.actor()?, on, &page).await.gql()?;
        Ok(connection(&page, found, Poll))
    }
}

#[derive(Default)]
pub struct PollsMutation;

#[Object]
impl PollsMutation {
    /// Puts a question to a vote: on an initiative (its organizers), or for an organization
    /// or department (its people who moderate).
    async fn create_poll(&self, ctx: &Context<'_>, input: CreatePollInput) -> async_graphql::Result<Poll> {
        let s = ctx.services();
        let create = CreatePoll {
            initiative_id: input
                .initiative_id
                .map(|id| any_resource_id(&id, "initiativeId"))
                .transpose()?,
            organization_id: input
                .organization_id
                .map(|id| expect_id(&id, "Organization", "organizationId"))
                .transpose()?,
            department_id: input
                .department_id
                .map(|id| expect_id(&id, "Department", "departmentId"))
                .transpose()?,
            question: input.question,
            description: input.description,
            kind: input.kind.into(),
            options: input.options,
            eligibility: input.eligibility.into(),
            opens_at: input.opens_at,
            closes_at: input.closes_at,
            quorum: input.quorum,
            threshold_percent: input.threshold_percent,
            changeable: input.changeable_ballots,
            results_hidden: input.results_hidden_until_close,
            public_ballots: input.public_ballots,
        };
        let (made, _) = s
            .governance
            .create_poll(&s.db, ctx.actor()?, create)
            .await
            .gql()?;
        Ok(Poll(made))
    }

    /// Casts your ballot (or changes it, where the poll allows). Casting the same choices
    /// again finds your ballot.
    async fn cast_ballot(&self, ctx: &Context<'_>, input: CastBallotInput) -> async_graphql::Result<Ballot> {
        let s = ctx.services();
        let poll = expect_id(&input.poll_id, "Poll", "pollId")?;
        let options: Vec<Uuid> = input
            .option_ids
            .iter()
            .map(|id| expect_id(id, "PollOption", "optionIds"))
            .collect::<async_graphql::Result<_>>()?;
        let cast = s
            .governance
            .cast_ballot(&s.db, ctx.actor()?, poll, &options)
            .await
            .gql()?;
        Ok(Ballot(cast))
    }

    /// Closes a poll before its time and records its outcome (whoever may put it).
    async fn close_poll(&self, ctx: &Context<'_>, poll_id: ID) -> async_graphql::Result<Poll> {
        let s = ctx.services();
        let id = expect_id(&poll_id, "Poll", "pollId")?;
        let closed = s.governance.close_poll(&s.db, ctx.actor()?, id).await.gql()?;
        Ok(Poll(closed))
    }
}
