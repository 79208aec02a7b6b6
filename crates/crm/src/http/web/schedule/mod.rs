//! Task and calendar pages (事件日程, TSK-1, TSK-2, TSK-4): the task list with its views and
//! filters, the task form with completing and assigning; the calendar by day, week and month
//! for oneself or the team, the event form with its overlap warning, and the feed address.

mod calendar;
mod tasks;

use axum::Router;
use axum::routing::{get, post};

use crm_core::Error;
use crm_core::access::Actor;
use crm_core::customers::actions as customers;
use crm_core::listing::ListRequest;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::web::layout::Choice;

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

/// How many customers a form offers to choose from; a customer's page links with its id.
const CUSTOMER_CHOICES: u32 = 500;

/// Customers a task or an appointment can be about; none for who may not read customers.
async fn customer_choices(state: &AppState, actor: &Actor) -> Result<Vec<Choice>, AppError> {
    match customers::list_customers(&state.db, actor, &ListRequest::first("name", CUSTOMER_CHOICES)).await {
        Ok(page) => Ok(page.items.into_iter().map(|c| Choice::new(c.id.to_string(), c.name)).collect()),
        Err(Error::Forbidden(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}
