//! API of the sales module: opportunities and the pipeline; quotes, contracts, payments.

mod contracts;
mod opportunities;

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(opportunities::routes()).merge(contracts::routes())
}
