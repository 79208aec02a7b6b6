//! Report pages (RPT-1..7): each report's filters, its chart — an SVG drawn here on the
//! server, so it needs no script, prints, and scales to a phone — its table and its
//! downloads. Every report fills one `ReportPage`; adding a report is a handler in `pages`
//! and a route below.

mod chart;
mod pages;

use axum::Router;
use axum::routing::get;

use crate::http::AppState;
use crate::http::api::reports::Reader;
use crate::http::web::session::WebUser;

pub use chart::Chart;

impl Reader for WebUser {
    fn actor(&self) -> &crm_core::access::Actor {
        &self.actor
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(pages::index))
        .route("/reports/customer-contribution", get(pages::contribution))
        .route("/reports/customer-composition", get(pages::composition))
        .route("/reports/service-analysis", get(pages::service))
        .route("/reports/churn-analysis", get(pages::churn))
        .route("/reports/rfm", get(pages::rfm))
        .route("/reports/sales-funnel", get(pages::funnel))
        .route("/reports/forecast", get(pages::forecast))
        .route("/reports/sales-performance", get(pages::performance))
        .route("/reports/receivables-ageing", get(pages::ageing))
}
