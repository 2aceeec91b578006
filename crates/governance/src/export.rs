//! An initiative's report as a spreadsheet (OR8's CSV and XLSX): its participants, its tasks
//! with who took them, the approved reports with their ratings, and, when payments has them,
//! the funds raised and spent. For its organizers.

use commons_core::db::Conn;
use commons_core::export::{Export, ExportFormat, Table};
use commons_core::{Actor, money, tenant};
use commons_identity::entity::user;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::Governance;
use crate::entity::report::{self, ReportStatus};
use crate::entity::{assignee, participant, task};
use crate::error::Error;

/// What the initiative's fund raised and spent (from payments), in minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Funds {
    pub currency: String,
    pub raised_minor: i64,
    pub spent_minor: i64,
    pub remaining_minor: i64,
}

const TIME: &str = "%Y-%m-%d %H:%M UTC";

impl Governance {
    /// The report of initiative `id`, for its organizers.
    pub async fn export_initiative<C: Conn>(
        &self,
        db: &C,
        actor: &Actor,
        id: Uuid,
        funds: Option<Funds>,
        format: ExportFormat,
    ) -> Result<Export, Error> {
        let tx = tenant::read(db, actor).await?;
        let seen = self.seen(&tx, actor, id).await?;
        self.require_organizer(
            &tx,
            actor,
            &seen.resource,
            "only the initiative's organizers export its report",
        )
        .await?;
        let joined = participant::Entity::find()
            .filter(participant::Column::InitiativeId.eq(id))
            .order_by_asc(participant::Column::Id)
            .all(&tx)
            .await?;
        let tasks = task::Entity::find()
            .filter(task::Column::InitiativeId.eq(id))
            .order_by_asc(task::Column::Id)
            .all(&tx)
            .await?;
        let task_ids: Vec<Uuid> = tasks.iter().map(|t| t.id).collect();
        let assignees = assignee::Entity::find()
            .filter(assignee::Column::TaskId.is_in(task_ids.iter().copied()))
            .order_by_asc(assignee::Column::Id)
            .all(&tx)
            .await?;
        let approved = report::Entity::find()
            .filter(report::Column::TaskId.is_in(task_ids))
            .filter(report::Column::Status.eq(ReportStatus::Approved))
            .order_by_asc(report::Column::Id)
            .all(&tx)
            .await?;
        let people: std::collections::HashMap<Uuid, String> = user::Entity::find()
            .filter(
                user::Column::Id.is_in(
                    joined
                        .iter()
                        .map(|p| p.user_id)
                        .chain(approved.iter().map(|r| r.author_id)),
                ),
            )
            .all(&tx)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect();
        tx.commit().await?;
        let name = |id: Uuid| people.get(&id).cloned().unwrap_or_default();
        let mut rows = Vec::new();
        for p in &joined {
            rows.push(row(
                "Participant",
                &name(p.user_id),
                "",
                "",
                &p.joined_at.format(TIME).to_string(),
            ));
        }
        for t in &tasks {
            let who: Vec<String> = assignees
                .iter()
                .filter(|a| a.task_id == t.id)
                .map(|a| name(a.user_id))
                .collect();
            rows.push(row("Task", &t.title, t.status.name(), &who.join(", "), ""));
        }
        for r in &approved {
            let title = tasks
                .iter()
                .find(|t| t.id == r.task_id)
                .map(|t| t.title.as_str())
                .unwrap_or_default();
            let rating = r.rating.map(|n| format!("{n} of 5")).unwrap_or_default();
            let when = r
                .reviewed_at
                .map(|t| t.format(TIME).to_string())
                .unwrap_or_default();
            rows.push(row("Approved report", title, &rating, &name(r.author_id), &when));
        }
        if let Some(funds) = funds {
            for (label, minor) in [
                ("Funds raised", funds.raised_minor),
                ("Funds spent", funds.spent_minor),
                ("Funds remaining", funds.remaining_minor),
            ] {
                rows.push(row(label, &money::format(minor, &funds.currency), "", "", ""));
            }
        }
        let table = Table {
            headers: ["Kind", "What", "Status", "Who", "When"]
                .map(String::from)
                .to_vec(),
            rows,
        };
        Ok(table.export(&format!("initiative {}", seen.resource.slug), format)?)
    }
}

fn row(kind: &str, what: &str, status: &str, who: &str, when: &str) -> Vec<String> {
    [kind, what, status, who, when].map(String::from).to_vec()
}
