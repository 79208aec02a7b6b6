//! API of opportunities (SAL-1..5): the records, their workflow actions and development
//! plans, the pipeline's stages and board, and the funnel and forecast reports.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::Module;
use crm_core::listing::ListRequest;
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::sales::opportunities::{
    AssignInput, BoardColumn, CloseInput, ForecastRow, FunnelRow, Opportunity, OpportunityInput, OpportunityPatchInput,
    PipelineStage, PipelineStageInput, PipelineStagePatchInput, PlanItem, PlanItemInput, PlanItemPatchInput,
    StageInput,
};

use crate::http::AppState;
use crate::http::api::reports::ReportRequest;
use crate::http::error::AppError;
use crate::http::extract::{
    ApiActor, ApiJson, Created, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, parse_id,
};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stages, create_stage))
        .routes(routes!(show_stage, update_stage, delete_stage))
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
        .routes(routes!(assign))
        .routes(routes!(close))
        .routes(routes!(move_to_stage))
        .routes(routes!(list_plan_items, add_plan_item))
        .routes(routes!(update_plan_item))
        .routes(routes!(board))
        .routes(routes!(sales_funnel))
        .routes(routes!(forecast))
}

/// A short list that is never paged: `{"items": [...], "next_cursor": null}` like every list.
#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

fn items<T>(items: Vec<T>) -> axum::Json<Items<T>> {
    axum::Json(Items { items, next_cursor: None })
}

// ---- pipeline stages ----------------------------------------------------------------------

/// The stages in board order.
#[utoipa::path(get, path = "/pipeline-stages", tag = "pipeline", responses((status = 200, body = Vec<PipelineStage>)))]
pub async fn list_stages(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<impl IntoResponse> {
    Ok(items(opportunities::list_stages(&state.db, &actor).await?))
}

/// `{"name", "position", "probability"}`; administrators only.
#[utoipa::path(post, path = "/pipeline-stages", tag = "pipeline", request_body = PipelineStageInput,
    responses((status = 201, body = PipelineStage), (status = 409), (status = 422)))]
pub async fn create_stage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PipelineStageInput>,
) -> Result<impl IntoResponse> {
    let s = opportunities::create_stage(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/pipeline-stages/{}", s.id), s))
}

#[utoipa::path(get, path = "/pipeline-stages/{id}", tag = "pipeline",
    responses((status = 200, body = PipelineStage), (status = 404)))]
pub async fn show_stage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(opportunities::get_stage(&state.db, &actor, parse_id(&id)?).await?))
}

#[utoipa::path(patch, path = "/pipeline-stages/{id}", tag = "pipeline", request_body = PipelineStagePatchInput,
    responses((status = 200, body = PipelineStage), (status = 404), (status = 412), (status = 422)))]
pub async fn update_stage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<PipelineStagePatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(opportunities::update_stage(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// A stage with opportunities, and the won and lost stages, cannot be deleted (409).
#[utoipa::path(delete, path = "/pipeline-stages/{id}", tag = "pipeline",
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_stage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    opportunities::delete_stage(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- opportunities ------------------------------------------------------------------------

/// Filters: `status`, `stage_id`, `assignee_id`, `owner_id`, `created_by`, `division_id`,
/// `customer_id`, `source_id`, `currency`, `stale=true`; sorts: `created_at` (default, newest
/// first), `updated_at`, `number`, `customer_name`, `amount`, `probability`, `expected_close_date`.
#[utoipa::path(get, path = "/opportunities", tag = "opportunities", responses((status = 200, body = Vec<Opportunity>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Opportunity>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { opportunities::list(db, actor, &r).await };
    ListResponse::of(actor, Module::Sales, "opportunities", req, format, fetch).await
}

/// Starts unassigned in the given stage (by default the first), numbered from the
/// `opportunity` sequence.
#[utoipa::path(post, path = "/opportunities", tag = "opportunities", request_body = OpportunityInput,
    responses((status = 201, body = Opportunity), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<OpportunityInput>,
) -> Result<impl IntoResponse> {
    let o = opportunities::create(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/opportunities/{}", o.id), o))
}

#[utoipa::path(get, path = "/opportunities/{id}", tag = "opportunities",
    responses((status = 200, body = Opportunity), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(opportunities::get(&state.db, &actor, parse_id(&id)?).await?))
}

/// Only while open; by the creator until assigned, then by the assignee, and by directors.
#[utoipa::path(patch, path = "/opportunities/{id}", tag = "opportunities", request_body = OpportunityPatchInput,
    responses((status = 200, body = Opportunity), (status = 403), (status = 404), (status = 409), (status = 412),
        (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<OpportunityPatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(opportunities::update(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

#[utoipa::path(delete, path = "/opportunities/{id}", tag = "opportunities", responses((status = 204), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    opportunities::delete(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{"assignee_id"}`: needs `sales.assign`; the assignee must be an active user of the division.
#[utoipa::path(post, path = "/opportunities/{id}/assign", tag = "opportunities", request_body = AssignInput,
    responses((status = 200, body = Opportunity), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn assign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(opportunities::assign(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// `{"outcome": "won"}` creates the customer (or converts the prospect) with the contact and
/// links it; `{"outcome": "lost", "reason_id"}` records why. Only assigned opportunities close.
#[utoipa::path(post, path = "/opportunities/{id}/close", tag = "opportunities", request_body = CloseInput,
    responses((status = 200, body = Opportunity), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn close(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<CloseInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(opportunities::close(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// `{"stage_id"}`; into the won or lost stage it closes by the rules of `close` (`reason_id`).
#[utoipa::path(post, path = "/opportunities/{id}/stage", tag = "opportunities", request_body = StageInput,
    responses((status = 200, body = Opportunity), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn move_to_stage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<StageInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(opportunities::move_to_stage(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

#[utoipa::path(get, path = "/opportunities/{id}/plan-items", tag = "opportunities",
    responses((status = 200, body = Vec<PlanItem>), (status = 404)))]
pub async fn list_plan_items(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(items(opportunities::plan_items(&state.db, &actor, parse_id(&id)?).await?))
}

/// `{"planned_on", "content"}`: a step of the development plan of an assigned opportunity.
#[utoipa::path(post, path = "/opportunities/{id}/plan-items", tag = "opportunities", request_body = PlanItemInput,
    responses((status = 201, body = PlanItem), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn add_plan_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PlanItemInput>,
) -> Result<impl IntoResponse> {
    let id = parse_id(&id)?;
    let item = opportunities::add_plan_item(&state.db, &actor, id, input).await?;
    Ok(Created::at(format!("/api/v1/opportunities/{id}/plan-items/{}", item.id), item))
}

/// `{"result"}` records what came of the step; `planned_on` and `content` may change too.
#[utoipa::path(patch, path = "/opportunities/{id}/plan-items/{item_id}", tag = "opportunities",
    request_body = PlanItemPatchInput,
    responses((status = 200, body = PlanItem), (status = 404), (status = 409), (status = 412), (status = 422)))]
pub async fn update_plan_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, item_id)): Path<(String, String)>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<PlanItemPatchInput>,
) -> Result<impl IntoResponse> {
    let (id, item_id) = (parse_id(&id)?, parse_id(&item_id)?);
    Ok(Tagged::of(opportunities::update_plan_item(&state.db, &actor, id, item_id, version, input).await?))
}

// ---- board and reports --------------------------------------------------------------------

/// The board: every stage with its count and amounts per currency and its most recently active
/// cards. Filters `from`, `to` (expected close), `division_id`, `owner_id`.
#[utoipa::path(get, path = "/pipeline", tag = "pipeline", responses((status = 200, body = Vec<BoardColumn>)))]
pub async fn board(r: ReportRequest<ApiActor>) -> Result<impl IntoResponse> {
    let (filter, _) = r.params.parse()?;
    Ok(items(opportunities::board(&r.state.db, r.actor(), &filter).await?))
}

/// Count and amount per stage, amounts per currency. Filters `from`, `to` (expected close),
/// `division_id`, `owner_id`; `format=csv|xlsx` downloads it.
#[utoipa::path(get, path = "/reports/sales-funnel", tag = "reports", responses((status = 200, body = Vec<FunnelRow>)))]
pub async fn sales_funnel(r: ReportRequest<ApiActor>) -> Result<Response> {
    let (filter, _) = r.params.parse()?;
    r.answer(&opportunities::funnel(&r.state.db, r.actor(), &filter).await?, "sales-funnel")
}

/// Open opportunities `by=month` (of expected close, default) or `by=owner`, with amount and
/// weighted amount (amount × probability) per currency. Filters and downloads as the funnel's.
#[utoipa::path(get, path = "/reports/forecast", tag = "reports", responses((status = 200, body = Vec<ForecastRow>)))]
pub async fn forecast(r: ReportRequest<ApiActor>) -> Result<Response> {
    let (filter, by) = r.params.parse()?;
    r.answer(&opportunities::forecast(&r.state.db, r.actor(), &filter, by).await?, "forecast")
}
