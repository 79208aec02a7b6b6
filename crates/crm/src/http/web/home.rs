//! The home page: where each part of the product the user may use is, the dashboard of the
//! user's role (RPT-8) with their open tasks and churn warnings, and the users who have stopped signing in (ACL-6) for those who
//! manage users.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crm_core::access::actions as access;
use crm_core::access::{Action, Module, User};
use crm_core::reports::actions as reports;
use crm_core::reports::{Dashboard, DashboardKind, open_pipeline};
use crm_core::sales::opportunities::ReportTotals;

use super::layout::{self, Layout, NavItem};
use super::session::WebUser;
use crate::http::AppState;
use crate::http::error::AppError;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    links: Vec<NavItem>,
    inactive: Option<Vec<User>>,
    inactive_days: i64,
    dashboard: Dashboard,
    pipeline: Option<ReportTotals>,
}

impl HomePage {
    /// The title of a part of the dashboard for whose figures they are: `dashboard-{part}-own`,
    /// `-team` or `-company`.
    fn heading(&self, part: &str) -> String {
        let whose = match self.dashboard.kind {
            Some(DashboardKind::Team) => "team",
            Some(DashboardKind::Company) => "company",
            _ => "own",
        };
        self.l.t(&format!("dashboard-{part}-{whose}"))
    }

    /// Whether the figures are the reader's own.
    fn own(&self) -> bool {
        self.dashboard.kind == Some(DashboardKind::Own)
    }

    /// Bytes as MB with one decimal.
    fn megabytes(&self, bytes: &i64) -> String {
        format!("{}.{} MB", bytes / 1_048_576, bytes % 1_048_576 * 10 / 1_048_576)
    }
}

pub async fn show(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    let l = Layout::new(&web, "home-title");
    let links = l.signed.as_ref().map(|s| s.nav.iter().skip(1).cloned().collect()).unwrap_or_default();
    let inactive = if web.actor.can(Module::Users, Action::View) {
        Some(access::inactive_users(&state.db, &web.actor, &state.access).await?)
    } else {
        None
    };
    let dashboard = reports::dashboard(&state.db, &web.actor, chrono::Utc::now()).await?;
    let pipeline = dashboard.pipeline.as_ref().map(open_pipeline);
    layout::ok(&HomePage { l, links, inactive, inactive_days: state.access.inactive_after_days, dashboard, pipeline })
}
