//! The home page's dashboard (RPT-8): which figures a reader gets follows from their rights
//! and data scope — their own book (an account manager), their divisions by owner (a
//! director), the company by division (an executive) — and, for who administers the system,
//! its health.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{ContributionCurrency, OwnerPerformance, ServiceRow};
use crate::churn::ChurnWarning;
use crate::jobs::JobRecord;
use crate::sales::opportunities::{Amount, FunnelRow, Opportunity, Report, ReportTotals};
use crate::schedule::Task;

/// Whose figures the dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DashboardKind {
    /// Own scope: my pipeline, my orders, my requests.
    Own,
    /// Division scope: the team's figures, by owner.
    Team,
    /// Every division: the company, by division.
    Company,
}

/// One division's figures for the executive's dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DivisionFigures {
    pub division_id: Uuid,
    pub division: String,
    pub orders: i64,
    /// This month's order totals per currency.
    pub order_totals: Vec<Amount>,
    pub open_opportunities: i64,
    pub pipeline: Vec<Amount>,
    pub open_service_requests: i64,
}

/// What open work is counted by: the owner (of the task; of the warning's customer) or the
/// division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkBy {
    Owner,
    Division,
}

/// Open tasks and open churn warnings (neither lost nor closed) of one owner or division.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WorkCounts {
    /// None for the warnings of customers without an owner.
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub open_tasks: i64,
    /// Open and past their due time.
    pub overdue_tasks: i64,
    pub open_warnings: i64,
}

impl WorkCounts {
    fn add(&mut self, other: &WorkCounts) {
        self.open_tasks += other.open_tasks;
        self.overdue_tasks += other.overdue_tasks;
        self.open_warnings += other.open_warnings;
    }
}

/// The counts of tasks and of warnings as one row per owner or division, by name (the
/// unnamed last), and their sum.
pub fn merge_work(tasks: Vec<WorkCounts>, warnings: Vec<WorkCounts>) -> (Vec<WorkCounts>, WorkCounts) {
    let mut rows: Vec<WorkCounts> = Vec::new();
    let mut total = WorkCounts::default();
    for count in tasks.into_iter().chain(warnings) {
        total.add(&count);
        match rows.iter_mut().find(|r| r.id == count.id) {
            Some(row) => row.add(&count),
            None => rows.push(count),
        }
    }
    rows.sort_by(|a, b| (a.name.is_none(), &a.name).cmp(&(b.name.is_none(), &b.name)));
    (rows, total)
}

/// The open tasks of the dashboard's reader (their own, or their team's, or the company's).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskFigures {
    pub open: i64,
    pub overdue: i64,
    /// The next due, soonest first (not on the company's dashboard).
    pub next: Vec<Task>,
}

/// The open churn warnings of the dashboard's reader.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WarningFigures {
    pub open: i64,
    /// The latest raised (not on the company's dashboard).
    pub latest: Vec<ChurnWarning>,
}

/// A scheduled job's last run, for the administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobHealth {
    pub name: String,
    pub runs: i64,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl From<JobRecord> for JobHealth {
    fn from(j: JobRecord) -> Self {
        Self { name: j.name, runs: j.runs, last_finished_at: j.last_finished_at, last_error: j.last_error }
    }
}

/// The system's health: jobs, the size of the database and how many records it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SystemHealth {
    pub jobs: Vec<JobHealth>,
    /// Bytes; none where the database cannot tell.
    pub database_bytes: Option<i64>,
    /// (table, rows) of the main business tables.
    pub counts: Vec<(String, i64)>,
}

/// What the home page shows; each part is there when the reader may see it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dashboard {
    pub kind: Option<DashboardKind>,
    pub pipeline: Option<Report<FunnelRow>>,
    /// This month's orders per currency.
    pub month_orders: Option<Vec<ContributionCurrency>>,
    /// Open service requests by status.
    pub open_service: Option<Vec<ServiceRow>>,
    pub stale: Option<Vec<Opportunity>>,
    /// The team's pipeline and results by owner (directors).
    pub by_owner: Option<(Vec<OwnerPerformance>, OwnerPerformance)>,
    /// The company by division (executives).
    pub by_division: Option<Vec<DivisionFigures>>,
    pub tasks: Option<TaskFigures>,
    pub warnings: Option<WarningFigures>,
    /// Open tasks and warnings by owner (directors) or by division (executives).
    pub work: Option<Vec<WorkCounts>>,
    pub health: Option<SystemHealth>,
}

/// The totals of a funnel as the pipeline tile shows them.
pub fn open_pipeline(report: &Report<FunnelRow>) -> ReportTotals {
    let mut totals = ReportTotals::default();
    for row in report.items.iter().filter(|r| r.outcome.is_none()) {
        totals.count += row.count;
        for a in &row.amounts {
            crate::sales::opportunities::add_amount(&mut totals.amounts, &a.currency, a.amount, None);
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_and_warnings_of_the_same_owner_make_one_row_and_the_unowned_come_last() {
        let (wang, li) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let count = |id, name: Option<&str>, t, o, w| WorkCounts {
            id,
            name: name.map(Into::into),
            open_tasks: t,
            overdue_tasks: o,
            open_warnings: w,
        };
        let (rows, total) = merge_work(
            vec![count(Some(wang), Some("wangwei"), 3, 1, 0)],
            vec![
                count(None, None, 0, 0, 4),
                count(Some(li), Some("liming"), 0, 0, 1),
                count(Some(wang), Some("wangwei"), 0, 0, 2),
            ],
        );
        assert_eq!(
            rows,
            [
                count(Some(li), Some("liming"), 0, 0, 1),
                count(Some(wang), Some("wangwei"), 3, 1, 2),
                count(None, None, 0, 0, 4)
            ]
        );
        assert_eq!(total, count(None, None, 3, 1, 7));
    }
}
