//! Pages of the sales module: opportunities, plans and the pipeline board; quotes,
//! contracts and payments.

mod contracts;
mod opportunities;

use axum::Router;

use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(opportunities::routes()).merge(contracts::routes())
}
