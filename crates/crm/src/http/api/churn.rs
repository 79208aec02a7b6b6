//! API of churn warnings (CHN-1..3): the warnings the `churn-detection` job raises, and their
//! workflow actions `measures` (暂缓流失) and `confirm` (确认流失).

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::Module;
use crm_core::churn::actions as churn;
use crm_core::churn::{ChurnWarning, ConfirmInput, MeasureInput};
use crm_core::listing::ListRequest;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{ApiActor, ApiJson, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, parse_id};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(add_measure))
        .routes(routes!(confirm))
}

/// The warnings of the customers the caller sees. Filters: `status` (`warning`, `delaying`,
/// `lost`), `closed` (`false`: open; `true`: closed by a new order), `customer_id`, `owner_id`,
/// `division_id`, `reason_id`; sorts: `created_at` (default, newest first), `updated_at`,
/// `last_order_date`, `customer_name`; `q` searches the customer's name.
#[utoipa::path(get, path = "/churn-warnings", tag = "churn", responses((status = 200, body = Vec<ChurnWarning>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<ChurnWarning>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { churn::list(db, actor, &r).await };
    ListResponse::of(actor, Module::Churn, "churn-warnings", req, format, fetch).await
}

#[utoipa::path(get, path = "/churn-warnings/{id}", tag = "churn",
    responses((status = 200, body = ChurnWarning), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(churn::get(&state.db, &actor, parse_id(&id)?).await?))
}

/// `{"date", "text"}`: a measure taken to keep the customer (CHN-2); the warning becomes
/// `delaying`. Needs `churn.edit`; an open warning not yet lost (else 409 naming its state).
#[utoipa::path(post, path = "/churn-warnings/{id}/measures", tag = "churn", request_body = MeasureInput,
    responses((status = 200, body = ChurnWarning), (status = 403), (status = 404), (status = 409), (status = 412),
        (status = 422)))]
pub async fn add_measure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<MeasureInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(churn::add_measure(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// `{"reason_id"}` (a dictionary entry of kind `churn_reason`): confirms the loss (CHN-3); the
/// warning and its customer become `lost`. Needs `churn.edit`; an open warning not yet lost.
#[utoipa::path(post, path = "/churn-warnings/{id}/confirm", tag = "churn", request_body = ConfirmInput,
    responses((status = 200, body = ChurnWarning), (status = 403), (status = 404), (status = 409), (status = 412),
        (status = 422)))]
pub async fn confirm(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(churn::confirm(&state.db, &actor, parse_id(&id)?, version, input).await?))
}
