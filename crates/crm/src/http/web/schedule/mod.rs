//! Task and calendar pages (事件日程, TSK-1, TSK-2, TSK-4): the task list with its views and
//! filters, the task form with completing and assigning; the calendar by day, week and month
//! for oneself or the team, the event form with its overlap warning, and the feed address.

mod calendar;
mod tasks;

use axum::Router;
use axum::routing::{get, post};

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks::list).post(tasks::create))
        .route("/tasks/new", get(tasks::new))
        .route("/tasks/{id}", get(tasks::edit).post(tasks::update))
        .route("/tasks/{id}/complete", post(tasks::complete))
        .route("/tasks/{id}/assign", post(tasks::assign))
        .route("/tasks/{id}/delete", post(tasks::delete))
        .route("/calendar", get(calendar::show))
        .route("/calendar/feed", post(calendar::reset_feed))
        .route("/calendar/{file}", get(calendar::feed))
        .route("/events", post(calendar::create))
        .route("/events/new", get(calendar::new))
        .route("/events/{id}", get(calendar::edit).post(calendar::update))
        .route("/events/{id}/delete", post(calendar::delete))
}
