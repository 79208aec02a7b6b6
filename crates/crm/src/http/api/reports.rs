//! API of the reports (RPT-1..3, 5, 6): each answers `{"items": [...], "totals": {...}}`,
//! or with `format=csv|xlsx` a file of the same rows, which needs `reports.export`. The
//! funnel and forecast live with the pipeline (api::sales).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::{Action, Actor, Module};
use crm_core::reports::actions::{self as reports, Rfm};
use crm_core::reports::{
    AgeingRow, CompositionRow, ContributionRow, OwnerPerformance, Report, ReportParams, RfmSegmentRow, ServiceRow,
};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{ApiActor, ListFormat, ListResponse};
use crate::tabular::write::FileFormat;

type Result<T> = std::result::Result<T, AppError>;

pub type Params = std::result::Result<Query<ReportParams>, axum::extract::rejection::QueryRejection>;

pub fn report_params(params: Params) -> Result<ReportParams> {
    params.map(|Query(p)| p).map_err(|e| AppError::BadRequest(e.body_text()))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(customer_contribution))
        .routes(routes!(customer_composition))
        .routes(routes!(service_analysis))
        .routes(routes!(rfm))
        .routes(routes!(sales_performance))
        .routes(routes!(receivables_ageing))
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

/// The report as JSON, or its rows as a file for who may export (RPT-7).
pub fn respond<R: Serialize, T: Serialize>(
    actor: &Actor,
    report: &Report<R, T>,
    format: ListFormat,
    name: &'static str,
) -> Result<Response> {
    let file = match format {
        ListFormat::Json => return Ok(axum::Json(report).into_response()),
        ListFormat::Csv => FileFormat::Csv,
        ListFormat::Download(file) => file,
    };
    actor.require(Module::Reports, Action::Export)?;
    let records =
        report.items.iter().map(|r| serde_json::to_value(r).map(line)).collect::<std::result::Result<Vec<_>, _>>();
    let records =
        records.map_err(|e| AppError::Domain(crm_core::Error::Store(crm_core::store::StoreError::Other(e.into()))))?;
    Ok(ListResponse::File { records, format: file, name }.into_response())
}

/// The RFM report: its segments, or one segment's customers.
pub fn respond_rfm(actor: &Actor, report: &Rfm, format: ListFormat) -> Result<Response> {
    match report {
        Rfm::Segments(r) => respond(actor, r, format, "rfm"),
        Rfm::Customers(r) => respond(actor, r, format, "rfm-customers"),
    }
}

/// Customers ranked by their order totals per currency in the period (`from`, `to`: order
/// dates, inclusive), with `share`, `cumulative_share` and `abc_class` (A while the customers
/// before hold < 80 %, B < 95 %, else C). `limit` rows per currency (default 100); the totals
/// cover every customer. Filters `division_id`, `owner_id` (the customer's).
#[utoipa::path(get, path = "/reports/customer-contribution", tag = "reports",
    responses((status = 200, body = Vec<ContributionRow>)))]
pub async fn customer_contribution(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    params: Params,
    format: ListFormat,
) -> Result<Response> {
    let report = reports::contribution(&state.db, &actor, &report_params(params)?).await?;
    respond(&actor, &report, format, "customer-contribution")
}

/// Customers counted `by=level|credit|satisfaction|region|industry`; by region the provinces,
/// or with `region_id` that province's cities. `from`, `to`: created in the period.
#[utoipa::path(get, path = "/reports/customer-composition", tag = "reports",
    responses((status = 200, body = Vec<CompositionRow>)))]
pub async fn customer_composition(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    params: Params,
    format: ListFormat,
) -> Result<Response> {
    let report = reports::composition(&state.db, &actor, &report_params(params)?).await?;
    respond(&actor, &report, format, "customer-composition")
}

/// Service requests created in the period `by=type|status`, with average response and
/// handling minutes and average satisfaction.
#[utoipa::path(get, path = "/reports/service-analysis", tag = "reports",
    responses((status = 200, body = Vec<ServiceRow>)))]
pub async fn service_analysis(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    params: Params,
    format: ListFormat,
) -> Result<Response> {
    let report = reports::service_analysis(&state.db, &actor, &report_params(params)?).await?;
    respond(&actor, &report, format, "service-analysis")
}

/// RFM segments of the customers with orders in `currency` (default CNY) in the period; with
/// `segment` the customers of that segment, largest first (`limit`).
#[utoipa::path(get, path = "/reports/rfm", tag = "reports", responses((status = 200, body = Vec<RfmSegmentRow>)))]
pub async fn rfm(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    params: Params,
    format: ListFormat,
) -> Result<Response> {
    let report = reports::rfm(&state.db, &actor, &report_params(params)?, Utc::now()).await?;
    respond_rfm(&actor, &report, format)
}

/// Per owner: open opportunities with amounts and weighted amounts, opportunities won and lost
/// in the period (closing time), win rate and conversion rate.
#[utoipa::path(get, path = "/reports/sales-performance", tag = "reports",
    responses((status = 200, body = Vec<OwnerPerformance>)))]
pub async fn sales_performance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    params: Params,
    format: ListFormat,
) -> Result<Response> {
    let report = reports::sales_performance(&state.db, &actor, &report_params(params)?).await?;
    respond(&actor, &report, format, "sales-performance")
}

/// What is open of active contracts' payment plans per customer and currency, by days overdue
/// today: `not_due`, `days_0_30`, `days_31_60`, `days_61_90`, `days_over_90`.
#[utoipa::path(get, path = "/reports/receivables-ageing", tag = "reports",
    responses((status = 200, body = Vec<AgeingRow>)))]
pub async fn receivables_ageing(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    params: Params,
    format: ListFormat,
) -> Result<Response> {
    let report = reports::receivables_ageing(&state.db, &actor, &report_params(params)?, Utc::now()).await?;
    respond(&actor, &report, format, "receivables-ageing")
}
