//! The home page's dashboard (RPT-8): which figures a reader gets follows from their rights
//! and data scope — their own book (an account manager), their divisions by owner (a
//! director), the company by division (an executive) — and, for who administers the system,
//! its health.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{ContributionCurrency, OwnerPerformance, ServiceRow};
use crate::jobs::JobRecord;
use crate::sales::opportunities::{Amount, FunnelRow, Opportunity, Report, ReportTotals};

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
