//! Request extractors and response wrappers shared by every API handler.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crm_core::access::Actor;
use crm_core::listing::{ListParams, ListRequest, Page};
use crm_core::{Error, FieldError};

use super::AppState;
use super::error::{AppError, REQUEST};
use crate::i18n::Lang;

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

/// Whether the client asked for CSV (`Accept: text/csv`).
pub struct WantsCsv(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for WantsCsv {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let accept = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        Ok(WantsCsv(accept.contains("text/csv")))
    }
}

/// A page of a list as JSON, or as CSV when asked for.
pub struct ListResponse<T>(pub Page<T>, pub WantsCsv);

impl<T: Serialize> IntoResponse for ListResponse<T> {
    fn into_response(self) -> Response {
        let ListResponse(page, WantsCsv(csv)) = self;
        if !csv {
            return axum::Json(page).into_response();
        }
        match to_csv(&page.items) {
            Ok(body) => {
                ([(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"))], body).into_response()
            }
            Err(e) => AppError::Domain(Error::Store(crm_core::store::StoreError::Other(e.into()))).into_response(),
        }
    }
}

/// Rows as CSV: one column per field of the first row; nested values as JSON text.
pub fn to_csv<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, String> {
    let values: Vec<serde_json::Value> =
        rows.iter().map(serde_json::to_value).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let headers: Vec<String> = match values.first() {
        Some(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&headers).map_err(|e| e.to_string())?;
    for v in &values {
        let record: Vec<String> = headers
            .iter()
            .map(|h| match v.get(h) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        out.write_record(&record).map_err(|e| e.to_string())?;
    }
    out.into_inner().map_err(|e| e.to_string())
}

/// A single record with its `ETag: "<version>"`.
pub struct Tagged<T>(pub T, pub i64);

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
