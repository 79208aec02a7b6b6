//! The one error type of the HTTP layer. `/api/...` renders RFC 9457 problem+json; web pages
//! render an HTML page (or go to the sign-in page). Internal errors are logged, never shown.

use std::cell::Cell;

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crm_core::{Error, FieldError};

use crate::i18n::Lang;

/// What the error renderer needs to know about the request it answers.
#[derive(Debug)]
pub struct RequestContext {
    pub lang: Cell<Lang>,
    pub api: bool,
}

tokio::task_local! {
    /// Set by the `context` middleware for the duration of each request.
    pub static REQUEST: RequestContext;
}

pub fn request_lang() -> Lang {
    REQUEST.try_with(|c| c.lang.get()).unwrap_or_default()
}

fn request_is_api() -> bool {
    REQUEST.try_with(|c| c.api).unwrap_or(true)
}

#[derive(Debug)]
pub enum AppError {
    Domain(Error),
    /// Malformed request body (400).
    BadRequest(String),
    /// Wrong user name or password at sign-in (401 with its own message).
    WrongCredentials,
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Domain(e)
    }
}

impl From<crm_core::store::StoreError> for AppError {
    fn from(e: crm_core::store::StoreError) -> Self {
        AppError::Domain(e.into())
    }
}

impl AppError {
    /// A failure of the server itself (500), with its cause kept for the log only.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Domain(Error::Store(crm_core::store::StoreError::Other(cause.into())))
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Domain(e) => e.code(),
            AppError::BadRequest(_) => "bad_request",
            AppError::WrongCredentials => "wrong_credentials",
        }
    }

    /// The one table from error code to HTTP status.
    pub fn status(&self) -> StatusCode {
        match self.code() {
            "invalid_input" => StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request" => StatusCode::BAD_REQUEST,
            "unauthenticated" | "wrong_credentials" => StatusCode::UNAUTHORIZED,
            "forbidden" | "account_frozen" => StatusCode::FORBIDDEN,
            "not_found" => StatusCode::NOT_FOUND,
            "stale_version" => StatusCode::PRECONDITION_FAILED,
            "conflict" | "invalid_state" | "duplicate" | "overlap" => StatusCode::CONFLICT,
            "rate_limited" => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Serialize)]
struct ProblemField {
    field: String,
    code: String,
    message: String,
}

#[derive(Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ProblemField>,
    /// The visible records a new one resembles (CUS-7).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    duplicates: Vec<crm_core::customers::Duplicate>,
    /// The events of the same attendees that a new or moved one overlaps (TSK-2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conflicts: Vec<crm_core::schedule::Conflict>,
}

fn field_errors(lang: Lang, errors: &[FieldError]) -> Vec<ProblemField> {
    errors
        .iter()
        .map(|e| ProblemField { field: e.field.clone(), code: e.code.clone(), message: lang.field_message(e) })
        .collect()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        let lang = request_lang();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = ?self, "internal error");
        }
        if !request_is_api() {
            if status == StatusCode::UNAUTHORIZED {
                return Redirect::to("/login").into_response();
            }
            return crate::http::web::error_page(lang, status, &lang.t(&format!("problem-{}", code.replace('_', "-"))));
        }
        let title = lang.t(&format!("problem-{}", code.replace('_', "-")));
        let (detail, errors) = match &self {
            AppError::Domain(Error::Invalid(errs)) => (None, field_errors(lang, errs)),
            AppError::Domain(Error::Conflict { code, field }) => {
                let errors = field
                    .iter()
                    .map(|f| ProblemField { field: f.clone(), code: "taken".into(), message: lang.t("error-taken") })
                    .collect();
                (Some(code.clone()), errors)
            }
            AppError::Domain(Error::InvalidState { state }) => (Some(format!("state: {state}")), Vec::new()),
            AppError::Domain(Error::Forbidden(permission)) => (Some(format!("requires {permission}")), Vec::new()),
            AppError::BadRequest(message) => (Some(message.clone()), Vec::new()),
            _ => (None, Vec::new()),
        };
        let duplicates = match &self {
            AppError::Domain(Error::Duplicates(found)) => found.clone(),
            _ => Vec::new(),
        };
        let conflicts = match &self {
            AppError::Domain(Error::Overlaps(found)) => found.clone(),
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: format!("/problems/{code}"),
            title,
            status: status.as_u16(),
            code,
            detail,
            errors,
            duplicates,
            conflicts,
        };
        let mut response = (status, Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_domain_error_has_its_status() {
        let status = |e: Error| AppError::from(e).status();
        assert_eq!(status(Error::invalid("name", "required")), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status(Error::StaleVersion), StatusCode::PRECONDITION_FAILED);
        assert_eq!(status(Error::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(status(Error::RateLimited), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(status(Error::InvalidState { state: "archived".into() }), StatusCode::CONFLICT);
        assert_eq!(status(Error::Forbidden("x".into())), StatusCode::FORBIDDEN);
        assert_eq!(status(Error::Duplicates(Vec::new())), StatusCode::CONFLICT);
        assert_eq!(status(Error::Overlaps(Vec::new())), StatusCode::CONFLICT);
    }

    #[tokio::test]
    async fn internal_errors_show_no_internals() {
        let e = AppError::from(crm_core::store::StoreError::Other("disk on fire at /var/secret".into()));
        let response = e.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 10_000).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("\"code\":\"internal\""), "{text}");
    }
}
