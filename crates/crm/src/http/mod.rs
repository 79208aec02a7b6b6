//! The HTTP server: `/api/v1/...` speaks JSON (shared/API.md), everything else is the web UI.
//! `router()` names every route.

pub mod api;
pub mod error;
pub mod extract;
mod metrics;
pub mod web;

use std::cell::Cell;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::actions::AccessSettings;
use crm_store::Db;

use self::api::access;
use self::error::{REQUEST, RequestContext};
pub use self::metrics::Metrics;
use crate::config::Config;
use crate::i18n::Lang;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub access: Arc<AccessSettings>,
    pub metrics: Arc<Metrics>,
    /// Reports being computed at once: each holds a database connection for up to about a
    /// second, so they may take half the pool at most and everyday reads keep the rest.
    pub reports: Arc<tokio::sync::Semaphore>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "crm — 客户关系管理系统 API", description = "See shared/API.md for conventions."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The API routes with their OpenAPI description, built from the handlers' annotations.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(access::login))
        .routes(routes!(access::logout))
        .routes(routes!(access::list_divisions, access::create_division))
        .routes(routes!(access::show_division, access::update_division, access::delete_division))
        .routes(routes!(access::list_roles, access::create_role))
        .routes(routes!(access::show_role, access::update_role, access::delete_role))
        .routes(routes!(access::list_users, access::create_user))
        .routes(routes!(access::inactive_users))
        .routes(routes!(access::show_user, access::update_user))
        .routes(routes!(access::revoke_sessions))
        .routes(routes!(access::list_audit))
        .merge(api::base_data::routes())
        .merge(api::customers::routes())
        .merge(api::sales::routes())
        .merge(api::service::routes())
        .merge(api::churn::routes())
        .merge(api::schedule::routes())
        .merge(api::notifications::routes())
        .merge(api::reports::routes())
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let api = api
        .route("/openapi.json", get(move || async move { Json(openapi.as_ref().clone()) }))
        .fallback(|| async { error::AppError::Domain(crm_core::Error::NotFound) });
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .merge(web::routes())
        .layer(middleware::from_fn_with_state(state.clone(), context))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let path = req.extensions().get::<MatchedPath>().map_or(req.uri().path(), |p| p.as_str());
            tracing::info_span!("request", method = %req.method(), path = %path)
        }))
        .layer(middleware::from_fn(run_to_completion))
        .with_state(state)
}

/// Runs each request in a task of its own, which a client that goes away cannot cancel. A
/// handler dropped half-way through a write transaction leaves sqlx to roll it back later, and
/// until then SQLite's single writer refused every other write (`InvalidSavePointStatement`).
async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Sets the request's language and kind for error rendering, and counts it for `/metrics`.
async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let cookie_lang = web::lang_cookie(req.headers());
    let lang = cookie_lang.unwrap_or_else(|| Lang::negotiate(accept));
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let response = REQUEST.scope(RequestContext { lang: Cell::new(lang), api }, next.run(req)).await;
    let route = route.unwrap_or_else(|| "unmatched".into());
    state.metrics.record(method.as_str(), &route, response.status().as_u16(), started.elapsed());
    response
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => "ok".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
