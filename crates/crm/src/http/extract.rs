//! Request extractors and response wrappers shared by every API handler.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use std::future::Future;

use indicatif::ProgressBar;

use crm_core::access::{Actor, Module};
use crm_core::listing::{ListParams, ListRequest, Page};
use crm_core::store::Versioned;
use crm_core::{Error, FieldError};

use super::AppState;
use super::error::{AppError, REQUEST};
use crate::i18n::Lang;
use crate::tabular::export::all_pages;
use crate::tabular::{FileFormat, Sheet};

/// A JSON body: malformed JSON is a 400, well-formed JSON of the wrong shape a 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| AppError::BadRequest(e.body_text()))?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner().to_string();
            let (field, code) = match inner.strip_prefix("unknown field `") {
                Some(rest) => (rest.split('`').next().unwrap_or_default().to_string(), "unknown_field"),
                None => (if field == "." { "body".into() } else { field }, "invalid_type"),
            };
            AppError::Domain(Error::Invalid(vec![FieldError::with_param(field, code, inner)]))
        })
    }
}

/// The signed-in caller of an API request (`Authorization: Bearer TOKEN`).
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(&parts.headers).ok_or(AppError::Domain(Error::Unauthenticated))?;
        let (actor, _) = crm_core::access::actions::authenticate(&state.db, token).await.map_err(|e| match e {
            Error::Frozen => Error::Unauthenticated,
            other => other,
        })?;
        if let Some(lang) = Lang::from_code(&actor.locale) {
            // An explicit Accept-Language wins over the account's setting.
            if !parts.headers.contains_key(header::ACCEPT_LANGUAGE) {
                let _ = REQUEST.try_with(|c| c.lang.set(lang));
            }
        }
        Ok(ApiActor(actor))
    }
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// `If-Match: "3"` → `Some(3)`; absent → `None`. Anything else can never match (412).
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        let text = value.to_str().unwrap_or_default().trim().trim_start_matches("W/").trim_matches('"');
        Ok(IfMatch(Some(text.parse().unwrap_or(-1))))
    }
}

/// List parameters: `limit`, `cursor`, `sort`, `q`, `count`, and every other parameter as a filter.
pub struct ListQuery(pub ListRequest);

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let mut params = ListParams::default();
        let mut filters = Vec::new();
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => params.limit = Some(v),
                "cursor" => params.cursor = Some(v),
                "sort" => params.sort = Some(v),
                "q" => params.q = Some(v),
                "count" => params.count = Some(v),
                "format" => {}
                _ => filters.push((k, v)),
            }
        }
        Ok(ListQuery(ListRequest::parse(params, filters)?))
    }
}

/// How a list is answered: a page as JSON, a page as CSV (`Accept: text/csv`), or a file of
/// every page to download (`format=csv|xlsx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Json,
    Csv,
    Download(FileFormat),
}

impl<S: Send + Sync> FromRequestParts<S> for ListFormat {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        if let Some((_, format)) = pairs.iter().rev().find(|(k, _)| k == "format") {
            return match format.as_str() {
                "" | "json" => Ok(ListFormat::Json),
                other => FileFormat::parse(other).map(ListFormat::Download).ok_or_else(|| {
                    AppError::Domain(Error::Invalid(vec![FieldError::with_param(
                        "format",
                        "invalid_choice",
                        "json,csv,xlsx",
                    )]))
                }),
            };
        }
        let accept = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        Ok(if accept.contains("text/csv") { ListFormat::Csv } else { ListFormat::Json })
    }
}

/// A list answer: one page, or every record as a file to download.
pub enum ListResponse<T> {
    Page(Page<T>, ListFormat),
    File { records: Vec<T>, format: FileFormat, name: &'static str },
}

impl<T: Serialize> ListResponse<T> {
    /// Answers a list request with the list's use case `fetch`. A download reads every page
    /// from the request's cursor on and needs the `export` right on `module` (CUS-9).
    pub async fn of<F, Fut>(
        actor: &Actor,
        module: Module,
        name: &'static str,
        req: ListRequest,
        format: ListFormat,
        mut fetch: F,
    ) -> Result<Self, AppError>
    where
        F: FnMut(ListRequest) -> Fut,
        Fut: Future<Output = Result<Page<T>, Error>>,
    {
        match format {
            ListFormat::Download(file) => {
                let records = all_pages(actor, module, req, fetch, &ProgressBar::hidden()).await?;
                Ok(ListResponse::File { records, format: file, name })
            }
            other => Ok(ListResponse::Page(fetch(req).await?, other)),
        }
    }
}

impl<T: Serialize> IntoResponse for ListResponse<T> {
    fn into_response(self) -> Response {
        let (body, content_type, disposition) = match self {
            ListResponse::Page(page, ListFormat::Json) => return axum::Json(page).into_response(),
            ListResponse::Page(page, _) => {
                (Sheet::of(&page.items).and_then(|s| s.to_csv(false)), "text/csv; charset=utf-8", None)
            }
            ListResponse::File { records, format, name } => (
                Sheet::of(&records).and_then(|s| s.to_file(format, name)),
                format.content_type(),
                Some(format!("attachment; filename=\"{name}.{}\"", format.extension())),
            ),
        };
        let body = match body {
            Ok(body) => body,
            Err(e) => return AppError::internal(e).into_response(),
        };
        let mut response = ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response();
        if let Some(value) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
            response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}

/// A single record with its `ETag: "<version>"`.
pub struct Tagged<T>(pub T, pub i64);

impl<T: Versioned> Tagged<T> {
    pub fn of(record: T) -> Self {
        let version = record.version();
        Tagged(record, version)
    }
}

impl<T: Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        let mut r = axum::Json(self.0).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", self.1)) {
            r.headers_mut().insert(header::ETAG, v);
        }
        r
    }
}

/// `201 Created` with `Location` and `ETag`.
pub struct Created<T>(pub String, pub T, pub i64);

impl<T: Versioned> Created<T> {
    pub fn at(location: String, record: T) -> Self {
        let version = record.version();
        Created(location, record, version)
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut r = Tagged(self.1, self.2).into_response();
        *r.status_mut() = StatusCode::CREATED;
        if let Ok(v) = HeaderValue::from_str(&self.0) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    }
}

/// Parses a path id; a malformed one is simply not found.
pub fn parse_id(text: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(text).map_err(|_| AppError::Domain(Error::NotFound))
}
