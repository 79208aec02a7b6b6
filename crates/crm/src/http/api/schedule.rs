//! API of tasks and the calendar (TSK-1, TSK-2, TSK-4): tasks with their `complete` and
//! `assign` actions, events with the overlap warning, and the caller's calendar feed address.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::Module;
use crm_core::listing::ListRequest;
use crm_core::schedule::actions as schedule;
use crm_core::schedule::{Event, EventInput, EventPatchInput, Task, TaskAssignInput, TaskInput, TaskPatchInput};

use crate::http::AppState;
use crate::http::api::customers::flag;
use crate::http::error::AppError;
use crate::http::extract::{
    ApiActor, ApiJson, Created, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, parse_id,
};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(show_task, update_task, delete_task))
        .routes(routes!(complete_task))
        .routes(routes!(assign_task))
        .routes(routes!(list_events, create_event))
        .routes(routes!(show_event, update_event, delete_event))
        .routes(routes!(reset_feed))
}

/// Views: `view=mine` (owner is the caller), `team` (everything the caller's scope shows: a
/// director's divisions), `overdue` (open, due before now). Filters: `owner_id`, `status`,
/// `priority`, `customer_id`, `opportunity_id`, `service_request_id`, `division_id`,
/// `created_by`, `overdue=true`, `due_before`/`due_after` (RFC 3339). Sorts: `due_at` (default,
/// tasks without one last), `priority` (`-priority`: urgent first), `created_at`, `updated_at`.
#[utoipa::path(get, path = "/tasks", tag = "schedule", responses((status = 200, body = Vec<Task>)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Task>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { schedule::list_tasks(db, actor, &r).await };
    ListResponse::of(actor, Module::Schedule, "tasks", req, format, fetch).await
}

/// `{"title", "owner_id", "due_at", "priority", "status", "customer_id", "opportunity_id",
/// "service_request_id", "notes", "division_id"}`. The owner defaults to the caller; anyone
/// else needs `schedule.assign` (a director: members of their divisions; 403 without the
/// right, 422 for an owner outside the task's division). The task is in the division of its
/// linked record, else `division_id`, else the owner's first division the caller works in.
#[utoipa::path(post, path = "/tasks", tag = "schedule", request_body = TaskInput,
    responses((status = 201, body = Task), (status = 403), (status = 422)))]
pub async fn create_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<TaskInput>,
) -> Result<impl IntoResponse> {
    let t = schedule::create_task(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/tasks/{}", t.id), t))
}

#[utoipa::path(get, path = "/tasks/{id}", tag = "schedule", responses((status = 200, body = Task), (status = 404)))]
pub async fn show_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(schedule::get_task(&state.db, &actor, parse_id(&id)?).await?))
}

/// Everything but the owner, which changes through `/assign`. `status: "done"` records
/// `completed_at`; `"open"` reopens.
#[utoipa::path(patch, path = "/tasks/{id}", tag = "schedule", request_body = TaskPatchInput,
    responses((status = 200, body = Task), (status = 403), (status = 404), (status = 412), (status = 422)))]
pub async fn update_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<TaskPatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(schedule::update_task(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// Needs `schedule.delete`, or `schedule.edit` for a task the caller created.
#[utoipa::path(delete, path = "/tasks/{id}", tag = "schedule",
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    schedule::delete_task(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks an open task done (409 when it is not open).
#[utoipa::path(post, path = "/tasks/{id}/complete", tag = "schedule",
    responses((status = 200, body = Task), (status = 404), (status = 409), (status = 412)))]
pub async fn complete_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(schedule::complete_task(&state.db, &actor, parse_id(&id)?, version).await?))
}

/// `{"owner_id"}` (TSK-4): to someone else needs `schedule.assign`; the owner must be an
/// active member of the task's division.
#[utoipa::path(post, path = "/tasks/{id}/assign", tag = "schedule", request_body = TaskAssignInput,
    responses((status = 200, body = Task), (status = 403), (status = 404), (status = 412), (status = 422)))]
pub async fn assign_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<TaskAssignInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(schedule::assign_task(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// The events that overlap `from`–`to` (required; RFC 3339 or `YYYY-MM-DD`; at most 366 days).
/// Filters: `attendee_id` (a person's calendar), `division_id` (a team's), `customer_id`,
/// `kind`, `created_by`. Sorts: `starts_at` (default), `created_at`.
#[utoipa::path(get, path = "/events", tag = "schedule", responses((status = 200, body = Vec<Event>), (status = 422)))]
pub async fn list_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Event>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { schedule::list_events(db, actor, &r).await };
    ListResponse::of(actor, Module::Schedule, "events", req, format, fetch).await
}

/// `{"title", "starts_at", "ends_at", "attendee_ids", "customer_id", "kind", "location",
/// "notes", "division_id"}`. Attendees default to the caller. An event that overlaps another of
/// any of its attendees answers 409 with `conflicts` (`event_id`, `title`, `starts_at`,
/// `ends_at`, `attendee_id`, `attendee`); `?confirm_conflict=true` creates it anyway. Touching
/// ends do not overlap.
#[utoipa::path(post, path = "/events", tag = "schedule", request_body = EventInput,
    params(("confirm_conflict" = Option<bool>, Query, description = "create even if it overlaps")),
    responses((status = 201, body = Event), (status = 409), (status = 422)))]
pub async fn create_event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(query): RawQuery,
    ApiJson(input): ApiJson<EventInput>,
) -> Result<impl IntoResponse> {
    let confirm = flag(query.as_deref(), "confirm_conflict");
    let e = schedule::create_event(&state.db, &actor, input, confirm).await?;
    Ok(Created::at(format!("/api/v1/events/{}", e.id), e))
}

#[utoipa::path(get, path = "/events/{id}", tag = "schedule", responses((status = 200, body = Event), (status = 404)))]
pub async fn show_event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(schedule::get_event(&state.db, &actor, parse_id(&id)?).await?))
}

/// Moving an event (times or attendees) into an overlap answers 409 like creating one;
/// `?confirm_conflict=true` saves it anyway.
#[utoipa::path(patch, path = "/events/{id}", tag = "schedule", request_body = EventPatchInput,
    params(("confirm_conflict" = Option<bool>, Query, description = "save even if it overlaps")),
    responses((status = 200, body = Event), (status = 404), (status = 409), (status = 412), (status = 422)))]
pub async fn update_event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    RawQuery(query): RawQuery,
    ApiJson(input): ApiJson<EventPatchInput>,
) -> Result<impl IntoResponse> {
    let confirm = flag(query.as_deref(), "confirm_conflict");
    Ok(Tagged::of(schedule::update_event(&state.db, &actor, parse_id(&id)?, version, input, confirm).await?))
}

/// Needs `schedule.delete`, or `schedule.edit` for an event the caller organised.
#[utoipa::path(delete, path = "/events/{id}", tag = "schedule",
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete_event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    schedule::delete_event(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's new secret calendar address, shown this once.
#[derive(Serialize, ToSchema)]
pub struct FeedAddress {
    /// `/calendar/{token}.ics`, relative to the server.
    path: String,
}

/// Gives the caller a new iCalendar feed address (RFC 5545) of the events they attend, for
/// calendar apps to subscribe to; the previous address stops working.
#[utoipa::path(post, path = "/calendar-feeds", tag = "schedule", responses((status = 201, body = FeedAddress)))]
pub async fn reset_feed(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<impl IntoResponse> {
    let token = schedule::reset_feed(&state.db, &actor).await?;
    Ok((StatusCode::CREATED, axum::Json(FeedAddress { path: feed_path(&token) })))
}

pub fn feed_path(token: &str) -> String {
    format!("/calendar/{token}.ics")
}
