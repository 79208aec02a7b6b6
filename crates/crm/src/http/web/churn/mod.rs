//! Churn warning pages (客户流失管理, CHN-1..3): the list with its views and status filter, and
//! the warning with its measures and exactly the steps the user may take in its state.

mod warnings;

use axum::Router;
use axum::routing::{get, post};

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/churn-warnings", get(warnings::list))
        .route("/churn-warnings/{id}", get(warnings::show))
        .route("/churn-warnings/{id}/measures", post(warnings::add_measure))
        .route("/churn-warnings/{id}/confirm", post(warnings::confirm))
}
