//! API of the reports (RPT-1..7): each answers `{"items": [...], "totals": {...}}`,
//! or with `format=csv|xlsx` a file of the same rows, which needs `reports.export`. Every
//! handler takes a `ReportRequest` and hands its use case's report to `answer`, so adding a
//! report is a use case and a three-line handler.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::{Action, Actor, Module};
use crm_core::reports::actions::{self as reports, Rfm};
use crm_core::reports::{
    AgeingRow, ChurnRow, CompositionRow, ContributionRow, OwnerPerformance, Report, ReportParams, RfmSegmentRow,
    ServiceRow,
};
use crm_core::sales::opportunities::{self as opportunities, ForecastRow, FunnelRow};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{ApiActor, ListFormat, ListResponse};
use crate::tabular::write::FileFormat;

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(customer_contribution))
        .routes(routes!(customer_composition))
        .routes(routes!(service_analysis))
        .routes(routes!(churn_analysis))
        .routes(routes!(rfm))
        .routes(routes!(sales_performance))
        .routes(routes!(receivables_ageing))
}

/// The reader of a report: the API's bearer of a token or the web's signed-in user.
pub trait Reader: FromRequestParts<AppState, Rejection: IntoResponse> + Send {
    fn actor(&self) -> &Actor;
}

impl Reader for ApiActor {
    fn actor(&self) -> &Actor {
        &self.0
    }
}

/// What every report request carries: the state, the reader, the report's parameters (a
/// query that does not parse is a 400) and the format asked for.
pub struct ReportRequest<U> {
    pub state: AppState,
    pub reader: U,
    pub params: ReportParams,
    pub format: ListFormat,
    /// Held until the answer is sent: reports wait their turn (`AppState::reports`).
    _turn: tokio::sync::OwnedSemaphorePermit,
}

impl<U: Reader> FromRequestParts<AppState> for ReportRequest<U> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, Response> {
        let reader = U::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Query(params) = Query::<ReportParams>::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()).into_response())?;
        let format = ListFormat::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        // The semaphore is never closed, so waiting ends with a permit.
        let _turn = state.reports.clone().acquire_owned().await.map_err(|e| AppError::internal(e).into_response())?;
        Ok(Self { state: state.clone(), reader, params, format, _turn })
    }
}

impl<U: Reader> ReportRequest<U> {
    pub fn actor(&self) -> &Actor {
        self.reader.actor()
    }

    /// The report as JSON, or its rows as a file named `name` for who may export (RPT-7).
    pub fn answer(&self, report: &impl Download, name: &'static str) -> Result<Response> {
        let file = match self.format {
            ListFormat::Json => return Ok(axum::Json(report).into_response()),
            ListFormat::Csv => FileFormat::Csv,
            ListFormat::Download(file) => file,
        };
        self.actor().require(Module::Reports, Action::Export)?;
        let records = report.lines().map_err(AppError::internal)?;
        Ok(ListResponse::File { records, format: file, name: report.file_name(name) }.into_response())
    }
}

/// A report that downloads as the lines of a spreadsheet.
pub trait Download: Serialize {
    fn lines(&self) -> serde_json::Result<Vec<Value>>;

    /// The file's name, from the report's `name`.
    fn file_name(&self, name: &'static str) -> &'static str {
        name
    }
}

/// A row as a line of a spreadsheet: amounts per currency (`[{"currency", "amount",
/// "weighted"}]`) become a column per currency (`pipeline_CNY`, `pipeline_weighted_CNY`), so
/// no column mixes currencies; other nested values stay JSON text.
fn line(row: Value) -> Value {
    let Value::Object(map) = row else { return row };
    let mut flat = Map::new();
    for (key, value) in map {
        match value {
            Value::Array(items) if items.iter().all(|i| i.get("currency").is_some()) && !items.is_empty() => {
                for item in items {
                    let currency = item["currency"].as_str().unwrap_or_default().to_string();
                    flat.insert(format!("{key}_{currency}"), item["amount"].clone());
                    if let Some(w) = item.get("weighted") {
                        flat.insert(format!("{key}_weighted_{currency}"), w.clone());
                    }
                }
            }
            other => {
                flat.insert(key, other);
            }
        }
    }
    Value::Object(flat)
}

impl<R: Serialize, T: Serialize> Download for Report<R, T> {
    fn lines(&self) -> serde_json::Result<Vec<Value>> {
        self.items.iter().map(|r| serde_json::to_value(r).map(line)).collect()
    }
}

/// The RFM report: its segments, or one segment's customers.
impl Download for Rfm {
    fn lines(&self) -> serde_json::Result<Vec<Value>> {
        match self {
            Rfm::Segments(r) => r.lines(),
            Rfm::Customers(r) => r.lines(),
        }
    }

    fn file_name(&self, name: &'static str) -> &'static str {
        match self {
            Rfm::Segments(_) => name,
            Rfm::Customers(_) => "rfm-customers",
        }
    }
}

/// The funnel and the forecast keep their amounts in a column per currency (`amount_CNY`,
/// `weighted_CNY`), as the pipeline's reports always have.
impl Download for opportunities::Report<FunnelRow> {
    fn lines(&self) -> serde_json::Result<Vec<Value>> {
        Ok(self.lines(|r| &r.amounts))
    }
}

impl Download for opportunities::Report<ForecastRow> {
    fn lines(&self) -> serde_json::Result<Vec<Value>> {
        Ok(self.lines(|r| &r.amounts))
    }
}

/// Customers ranked by their order totals per currency in the period (`from`, `to`: order
/// dates, inclusive), with `share`, `cumulative_share` and `abc_class` (A while the customers
/// before hold < 80 %, B < 95 %, else C). `limit` rows per currency (default 100); the totals
/// cover every customer. Filters `division_id`, `owner_id` (the customer's).
#[utoipa::path(get, path = "/reports/customer-contribution", tag = "reports",
    responses((status = 200, body = Vec<ContributionRow>)))]
pub async fn customer_contribution(r: ReportRequest<ApiActor>) -> Result<Response> {
    let report = reports::contribution(&r.state.db, r.actor(), &r.params).await?;
    r.answer(&report, "customer-contribution")
}

/// Customers counted `by=level|credit|satisfaction|region|industry`; by region the provinces,
/// or with `region_id` that province's cities. `from`, `to`: created in the period.
#[utoipa::path(get, path = "/reports/customer-composition", tag = "reports",
    responses((status = 200, body = Vec<CompositionRow>)))]
pub async fn customer_composition(r: ReportRequest<ApiActor>) -> Result<Response> {
    let report = reports::composition(&r.state.db, r.actor(), &r.params).await?;
    r.answer(&report, "customer-composition")
}

/// Service requests created in the period `by=type|status`, with average response and
/// handling minutes and average satisfaction.
#[utoipa::path(get, path = "/reports/service-analysis", tag = "reports",
    responses((status = 200, body = Vec<ServiceRow>)))]
pub async fn service_analysis(r: ReportRequest<ApiActor>) -> Result<Response> {
    let report = reports::service_analysis(&r.state.db, r.actor(), &r.params).await?;
    r.answer(&report, "service-analysis")
}

/// Customers whose loss was confirmed in the period (`from`, `to`: days of the reader's time
/// zone), latest first (`limit`), with owner, last order date, reason and, if a new order has
/// since won them back, `reactivated_at`. Totals: `lost`, per reason (`reasons`) and the churn
/// rate of each month the period touches (`months`, at most the last 36; without `from` the
/// 12 up to `to`): losses confirmed in the month ÷ customers active at its start — who had a
/// not cancelled order dated before the month and were not lost then.
#[utoipa::path(get, path = "/reports/churn-analysis", tag = "reports", responses((status = 200, body = Vec<ChurnRow>)))]
pub async fn churn_analysis(r: ReportRequest<ApiActor>) -> Result<Response> {
    let report = reports::churn_analysis(&r.state.db, r.actor(), &r.params, Utc::now()).await?;
    r.answer(&report, "churn-analysis")
}

/// RFM segments of the customers with orders in `currency` (default CNY) in the period; with
/// `segment` the customers of that segment, largest first (`limit`).
#[utoipa::path(get, path = "/reports/rfm", tag = "reports", responses((status = 200, body = Vec<RfmSegmentRow>)))]
pub async fn rfm(r: ReportRequest<ApiActor>) -> Result<Response> {
    let report = reports::rfm(&r.state.db, r.actor(), &r.params, Utc::now()).await?;
    r.answer(&report, "rfm")
}

/// Per owner: open opportunities with amounts and weighted amounts, opportunities won and lost
/// in the period (closing time), win rate and conversion rate.
#[utoipa::path(get, path = "/reports/sales-performance", tag = "reports",
    responses((status = 200, body = Vec<OwnerPerformance>)))]
pub async fn sales_performance(r: ReportRequest<ApiActor>) -> Result<Response> {
    let report = reports::sales_performance(&r.state.db, r.actor(), &r.params).await?;
    r.answer(&report, "sales-performance")
}

/// What is open of active contracts' payment plans per customer and currency, by days overdue
/// today: `not_due`, `days_0_30`, `days_31_60`, `days_61_90`, `days_over_90`.
#[utoipa::path(get, path = "/reports/receivables-ageing", tag = "reports",
    responses((status = 200, body = Vec<AgeingRow>)))]
pub async fn receivables_ageing(r: ReportRequest<ApiActor>) -> Result<Response> {
    let report = reports::receivables_ageing(&r.state.db, r.actor(), &r.params, Utc::now()).await?;
    r.answer(&report, "receivables-ageing")
}
