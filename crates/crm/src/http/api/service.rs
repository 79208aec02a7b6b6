//! API of customer service (SVC-1..3, SVC-5): service requests, their workflow actions
//! (`assign`, `handle`, `feedback`), the service level targets per service type, and the
//! knowledge base (SVC-4).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::Module;
use crm_core::listing::ListRequest;
use crm_core::service::actions as service;
use crm_core::service::{
    Article, ArticleInput, ArticleLinkInput, ArticlePatchInput, AssignInput, FeedbackInput, HandleInput,
    ServiceRequest, ServiceRequestInput, ServiceRequestPatchInput, Sla, SlaInput,
};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{
    ApiActor, ApiJson, Created, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, parse_id,
};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, delete))
        .routes(routes!(assign))
        .routes(routes!(handle))
        .routes(routes!(feedback))
        .routes(routes!(list_request_articles, link_article))
        .routes(routes!(unlink_article))
        .routes(routes!(list_sla))
        .routes(routes!(set_sla))
        .routes(routes!(list_articles, create_article))
        .routes(routes!(show_article, update_article, delete_article))
}

/// Filters: `status`, `type_id`, `customer_id`, `handler_id`, `created_by`, `division_id`,
/// `overdue=true` (flagged by `sla-check`, not archived), `from`/`to` (dates of creation);
/// sorts: `created_at` (default, newest first), `updated_at`, `number`, `resolve_by`.
#[utoipa::path(get, path = "/service-requests", tag = "service", responses((status = 200, body = Vec<ServiceRequest>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<ServiceRequest>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { service::list(db, actor, &r).await };
    ListResponse::of(actor, Module::Service, "service-requests", req, format, fetch).await
}

/// `{"customer_id", "type_id", "summary", "request"}`: starts `created`, numbered from the
/// `service_request` sequence, in the customer's division.
#[utoipa::path(post, path = "/service-requests", tag = "service", request_body = ServiceRequestInput,
    responses((status = 201, body = ServiceRequest), (status = 403), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ServiceRequestInput>,
) -> Result<impl IntoResponse> {
    let r = service::create(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/service-requests/{}", r.id), r))
}

#[utoipa::path(get, path = "/service-requests/{id}", tag = "service",
    responses((status = 200, body = ServiceRequest), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(service::get(&state.db, &actor, parse_id(&id)?).await?))
}

/// `type_id`, `summary`, `request`; by who took it or a director, until archived (then 409).
#[utoipa::path(patch, path = "/service-requests/{id}", tag = "service", request_body = ServiceRequestPatchInput,
    responses((status = 200, body = ServiceRequest), (status = 403), (status = 404), (status = 409), (status = 412),
        (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ServiceRequestPatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(service::update(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// Needs `service.delete`; an archived request stays (409).
#[utoipa::path(delete, path = "/service-requests/{id}", tag = "service",
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{"handler_id"}`: needs `service.assign`; the handler must be an active user of the
/// request's division. A new or assigned request only.
#[utoipa::path(post, path = "/service-requests/{id}/assign", tag = "service", request_body = AssignInput,
    responses((status = 200, body = ServiceRequest), (status = 403), (status = 404), (status = 409), (status = 412),
        (status = 422)))]
pub async fn assign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(service::assign(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// `{"handling"}`: by the handler (or a director) of an assigned request.
#[utoipa::path(post, path = "/service-requests/{id}/handle", tag = "service", request_body = HandleInput,
    responses((status = 200, body = ServiceRequest), (status = 403), (status = 404), (status = 409), (status = 412),
        (status = 422)))]
pub async fn handle(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<HandleInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(service::handle(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// `{"result", "satisfaction"}` (1–5) on a handled request, by who took it or a director: 3
/// or more archives it and updates the customer's satisfaction; less sends it back to its
/// handler (status `assigned`, `rounds` + 1).
#[utoipa::path(post, path = "/service-requests/{id}/feedback", tag = "service", request_body = FeedbackInput,
    responses((status = 200, body = ServiceRequest), (status = 403), (status = 404), (status = 409), (status = 412),
        (status = 422)))]
pub async fn feedback(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<FeedbackInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(service::feedback(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// The knowledge base articles linked from the request.
#[utoipa::path(get, path = "/service-requests/{id}/articles", tag = "service",
    responses((status = 200, body = Vec<Article>), (status = 404)))]
pub async fn list_request_articles(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let items = service::request_articles(&state.db, &actor, parse_id(&id)?).await?;
    Ok(axum::Json(Items { items, next_cursor: None }))
}

/// `{"article_id"}`: by who took the request, its handler or a director, until archived.
#[utoipa::path(post, path = "/service-requests/{id}/articles", tag = "service", request_body = ArticleLinkInput,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn link_article(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ArticleLinkInput>,
) -> Result<StatusCode> {
    service::link_article(&state.db, &actor, parse_id(&id)?, input, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/service-requests/{id}/articles/{article_id}", tag = "service",
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
pub async fn unlink_article(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, article_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let input = ArticleLinkInput { article_id: Some(parse_id(&article_id)?) };
    service::link_article(&state.db, &actor, parse_id(&id)?, input, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

/// Every service type with its response and resolution targets in minutes (the defaults where
/// `configured` is false).
#[utoipa::path(get, path = "/service-sla", tag = "service", responses((status = 200, body = Vec<Sla>)))]
pub async fn list_sla(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<impl IntoResponse> {
    Ok(axum::Json(Items { items: service::list_sla(&state.db, &actor).await?, next_cursor: None }))
}

/// `{"response_minutes", "resolution_minutes"}` for a service type; administrators only. They
/// apply to requests taken from then on.
#[utoipa::path(put, path = "/service-sla/{type_id}", tag = "service", request_body = SlaInput,
    responses((status = 200, body = Sla), (status = 403), (status = 404), (status = 422)))]
pub async fn set_sla(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(type_id): Path<String>,
    ApiJson(input): ApiJson<SlaInput>,
) -> Result<impl IntoResponse> {
    Ok(axum::Json(service::set_sla(&state.db, &actor, parse_id(&type_id)?, input).await?))
}

// ---- knowledge base -----------------------------------------------------------------------

/// Filters: `category`, `tag`; sorts: `created_at` (default, newest first), `updated_at`,
/// `title`. `q` finds the articles holding every word of it, Chinese (two characters and
/// more) or English, title matches first, then newest: one page of at most `limit`.
#[utoipa::path(get, path = "/knowledge-articles", tag = "service", responses((status = 200, body = Vec<Article>)))]
pub async fn list_articles(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Article>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { service::list_articles(db, actor, &r).await };
    ListResponse::of(actor, Module::Service, "knowledge-articles", req, format, fetch).await
}

/// `{"title", "category", "tags", "body"}`; the body is Markdown.
#[utoipa::path(post, path = "/knowledge-articles", tag = "service", request_body = ArticleInput,
    responses((status = 201, body = Article), (status = 403), (status = 422)))]
pub async fn create_article(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ArticleInput>,
) -> Result<impl IntoResponse> {
    let a = service::create_article(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/knowledge-articles/{}", a.id), a))
}

#[utoipa::path(get, path = "/knowledge-articles/{id}", tag = "service",
    responses((status = 200, body = Article), (status = 404)))]
pub async fn show_article(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(service::get_article(&state.db, &actor, parse_id(&id)?).await?))
}

#[utoipa::path(patch, path = "/knowledge-articles/{id}", tag = "service", request_body = ArticlePatchInput,
    responses((status = 200, body = Article), (status = 403), (status = 404), (status = 412), (status = 422)))]
pub async fn update_article(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ArticlePatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(service::update_article(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

#[utoipa::path(delete, path = "/knowledge-articles/{id}", tag = "service",
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete_article(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::delete_article(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
