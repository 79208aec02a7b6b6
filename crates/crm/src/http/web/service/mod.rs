//! Service request pages (客户服务, SVC-1..3): the list with its views (mine, the unassigned
//! queue, overdue, archived) and filters, the form, and the record with exactly the workflow
//! steps the user may take in its state and its linked articles; the service level targets;
//! the knowledge base.

mod knowledge;
mod requests;
mod sla;

use axum::Router;
use axum::routing::{get, post};

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/service-requests", get(requests::list).post(requests::create))
        .route("/service-requests/new", get(requests::new))
        .route("/service-requests/{id}", get(requests::show).post(requests::update))
        .route("/service-requests/{id}/edit", get(requests::edit))
        .route("/service-requests/{id}/delete", post(requests::delete))
        .route("/service-requests/{id}/assign", post(requests::assign))
        .route("/service-requests/{id}/handle", post(requests::handle))
        .route("/service-requests/{id}/feedback", post(requests::feedback))
        .route("/service-requests/{id}/articles", post(requests::link_article))
        .route("/service-requests/{id}/articles/unlink", post(requests::unlink_article))
        .route("/service-sla", get(sla::list))
        .route("/service-sla/{type_id}", post(sla::update))
        .route("/knowledge-articles", get(knowledge::list).post(knowledge::create))
        .route("/knowledge-articles/new", get(knowledge::new))
        .route("/knowledge-articles/{id}", get(knowledge::show).post(knowledge::update))
        .route("/knowledge-articles/{id}/edit", get(knowledge::edit))
        .route("/knowledge-articles/{id}/delete", post(knowledge::delete))
}
