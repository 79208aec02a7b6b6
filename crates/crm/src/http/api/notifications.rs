//! API of the notification centre (CFG-3): the caller's own notices, and marking them read.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::listing::Page;
use crm_core::notifications::Notification;
use crm_core::notifications::actions as notifications;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{ApiActor, ListQuery, parse_id};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
}

/// A notice with the path of the page of its record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    #[serde(flatten)]
    pub notice: Notification,
    pub link: String,
}

/// The caller's notices, newest first. Filters: `unread` (`true`/`false`), `kind`.
#[utoipa::path(get, path = "/notifications", tag = "notifications", responses((status = 200, body = Vec<NoticeView>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
) -> Result<Json<Page<NoticeView>>> {
    let page = notifications::list(&state.db, &actor, &req).await?;
    Ok(Json(page.map(|notice| NoticeView { link: notice.link(), notice })))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// How many of the caller's notices are unread: the number the header shows.
#[utoipa::path(get, path = "/notifications/unread-count", tag = "notifications", responses((status = 200, body = UnreadCount)))]
pub async fn unread_count(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<UnreadCount>> {
    Ok(Json(UnreadCount { unread: notifications::unread_count(&state.db, &actor).await? }))
}

#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications", responses((status = 204), (status = 404)))]
pub async fn mark_read(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    notifications::mark_read(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub marked: u64,
}

#[utoipa::path(post, path = "/notifications/read-all", tag = "notifications", responses((status = 200, body = Marked)))]
pub async fn mark_all_read(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Marked>> {
    Ok(Json(Marked { marked: notifications::mark_all_read(&state.db, &actor).await? }))
}
