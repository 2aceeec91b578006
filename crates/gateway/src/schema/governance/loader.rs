//! Batched loading of governance's rows, one service call per kind of key per request,
//! acting as the request's actor.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use commons_core::Actor;
use commons_governance::entity::{assignee, poll, poll_option, report, task};
use uuid::Uuid;

use crate::error::{LoadError, load_failed};
use crate::schema::context::Services;

pub struct GovernanceLoader {
    pub services: Arc<Services>,
    pub actor: Actor,
}

/// An initiative's tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TasksOf(pub Uuid);

/// A task's assignees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AssigneesOf(pub Uuid);

/// A task's reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReportsOf(pub Uuid);

/// A report's photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PhotosOf(pub Uuid);

/// Whether the caller joined an initiative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JoinedBy(pub Uuid);

/// An initiative's join code, for its organizers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeOf(pub Uuid);

/// A task by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskId(pub Uuid);

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| id(*k)).collect()
}

impl Loader<TasksOf> for GovernanceLoader {
    type Value = Vec<task::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[TasksOf]) -> Result<HashMap<TasksOf, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .tasks_of(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, t)| (TasksOf(id), t)).collect())
    }
}

impl Loader<TaskId> for GovernanceLoader {
    type Value = task::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[TaskId]) -> Result<HashMap<TaskId, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .tasks_by_ids(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|t| (TaskId(t.id), t)).collect())
    }
}

impl Loader<AssigneesOf> for GovernanceLoader {
    type Value = Vec<assignee::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[AssigneesOf]) -> Result<HashMap<AssigneesOf, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .assignees_of(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, a)| (AssigneesOf(id), a)).collect())
    }
}

impl Loader<ReportsOf> for GovernanceLoader {
    type Value = Vec<report::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ReportsOf]) -> Result<HashMap<ReportsOf, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .reports_of(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, r)| (ReportsOf(id), r)).collect())
    }
}

impl Loader<PhotosOf> for GovernanceLoader {
    type Value = Vec<Uuid>;
    type Error = LoadError;

    async fn load(&self, keys: &[PhotosOf]) -> Result<HashMap<PhotosOf, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .report_photos(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, p)| (PhotosOf(id), p)).collect())
    }
}

impl Loader<JoinedBy> for GovernanceLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[JoinedBy]) -> Result<HashMap<JoinedBy, bool>, LoadError> {
        let s = &self.services;
        let joined = s
            .governance
            .joined(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(keys.iter().map(|k| (*k, joined.contains(&k.0))).collect())
    }
}

impl Loader<CodeOf> for GovernanceLoader {
    type Value = String;
    type Error = LoadError;

    async fn load(&self, keys: &[CodeOf]) -> Result<HashMap<CodeOf, String>, LoadError> {
        let s = &self.services;
        let codes = s
            .governance
            .join_codes(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(codes.into_iter().map(|(id, c)| (CodeOf(id), c)).collect())
    }
}

/// A poll by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PollId(pub Uuid);

/// A poll's options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OptionsOf(pub Uuid);

/// A poll's counts, where shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResultsOf(pub Uuid);

/// The caller's ballot in a poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MyBallot(pub Uuid);

/// Whether the caller may vote in a poll now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MayVote(pub Uuid);

impl Loader<PollId> for GovernanceLoader {
    type Value = poll::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[PollId]) -> Result<HashMap<PollId, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .polls_by_ids(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|p| (PollId(p.id), p)).collect())
    }
}

impl Loader<OptionsOf> for GovernanceLoader {
    type Value = Vec<poll_option::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[OptionsOf]) -> Result<HashMap<OptionsOf, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .poll_options(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, o)| (OptionsOf(id), o)).collect())
    }
}

impl Loader<ResultsOf> for GovernanceLoader {
    type Value = commons_governance::Results;
    type Error = LoadError;

    async fn load(&self, keys: &[ResultsOf]) -> Result<HashMap<ResultsOf, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .poll_results(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, r)| (ResultsOf(id), r)).collect())
    }
}

impl Loader<MyBallot> for GovernanceLoader {
    type Value = commons_governance::Ballot;
    type Error = LoadError;

    async fn load(&self, keys: &[MyBallot]) -> Result<HashMap<MyBallot, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .my_ballots(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, b)| (MyBallot(id), b)).collect())
    }
}

impl Loader<MayVote> for GovernanceLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[MayVote]) -> Result<HashMap<MayVote, bool>, LoadError> {
        let s = &self.services;
        let may = s
            .governance
            .may_vote(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(keys.iter().map(|k| (*k, may.contains(&k.0))).collect())
    }
}

/// An initiative's chat, for the people in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChatOf(pub Uuid);

impl Loader<ChatOf> for GovernanceLoader {
    type Value = commons_messaging::Conversation;
    type Error = LoadError;

    async fn load(&self, keys: &[ChatOf]) -> Result<HashMap<ChatOf, Self::Value>, LoadError> {
        let s = &self.services;
        let found = s
            .governance
            .chats_of(&s.db, &self.actor, &ids(keys, |k| k.0))
            .await
            .map_err(load_failed)?;
        Ok(found.into_iter().map(|(id, c)| (ChatOf(id), c)).collect())
    }
}
