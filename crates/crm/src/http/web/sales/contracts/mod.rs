//! Pages of quotes (the editor with live totals, versions, the printable page), contracts
//! (terms, lines, workflow, orders, payment plan and receipts) and receivables (SAL-7..10).

mod contract;
mod payments;
mod quotes;

use axum::Router;
use axum::routing::{get, post};

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quotes", get(quotes::list).post(quotes::create))
        .route("/quotes/new", get(quotes::new))
        .route("/quotes/{id}", get(quotes::show).post(quotes::update))
        .route("/quotes/{id}/print", get(quotes::print))
        .route("/quotes/{id}/send", post(quotes::send))
        .route("/quotes/{id}/accept", post(quotes::accept))
        .route("/quotes/{id}/reject", post(quotes::reject))
        .route("/quotes/{id}/contract", post(quotes::contract))
        .route("/contracts", get(contract::list))
        .route("/contracts/{id}", get(contract::show))
        .route("/contracts/{id}/activate", post(contract::activate))
        .route("/contracts/{id}/terminate", post(contract::terminate))
        .route("/contracts/{id}/renew", post(contract::renew))
        .route("/contracts/{id}/orders", post(contract::order))
        .route("/contracts/{id}/payment-plan", post(contract::add_plan_item))
        .route("/contracts/{id}/payments", post(contract::record_payment))
        .route("/payments", get(payments::list))
}
