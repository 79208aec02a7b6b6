//! The one error type of the domain layer. Every action returns `Result<T, Error>`;
//! the binary maps each variant's `code()` to an HTTP status in one table.

use serde::Serialize;

use crate::store::StoreError;

/// A problem with one input field, shown next to that field in forms and listed in API errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// A stable code (`required`, `too_long`, `not_found`, …) that the UI translates.
    pub code: String,
    /// Parameters for the message, e.g. the maximum length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str) -> Self {
        Self { field: field.into(), code: code.to_string(), param: None }
    }

    pub fn with_param(field: impl Into<String>, code: &str, param: impl ToString) -> Self {
        Self { field: field.into(), code: code.to_string(), param: Some(param.to_string()) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("not authenticated")]
    Unauthenticated,
    #[error("account frozen")]
    Frozen,
    #[error("missing permission {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("stale version")]
    StaleVersion,
    /// A unique value is taken or a record is still referenced; `code` names which.
    #[error("conflict: {code}")]
    Conflict { code: String, field: Option<String> },
    /// The action is not allowed in the record's current state.
    #[error("not allowed in state {state}")]
    InvalidState { state: String },
    #[error("too many attempts")]
    RateLimited,
    /// A new record resembles visible ones (撞单, CUS-7); the caller may confirm and create it anyway.
    #[error("possible duplicates")]
    Duplicates(Vec<crate::customers::Duplicate>),
    /// A new or moved event overlaps others of the same attendees (TSK-2); the caller may
    /// confirm and save it anyway.
    #[error("overlapping events")]
    Overlaps(Vec<crate::schedule::Conflict>),
    #[error(transparent)]
    Store(StoreError),
}

impl Error {
    /// Stable snake_case code, part of the API contract (`type` of problem responses).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid_input",
            Error::Unauthenticated => "unauthenticated",
            Error::Frozen => "account_frozen",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound => "not_found",
            Error::StaleVersion => "stale_version",
            Error::Conflict { .. } => "conflict",
            Error::InvalidState { .. } => "invalid_state",
            Error::RateLimited => "rate_limited",
            Error::Duplicates(_) => "duplicate",
            Error::Overlaps(_) => "overlap",
            Error::Store(StoreError::NotFound) => "not_found",
            Error::Store(StoreError::Stale) => "stale_version",
            Error::Store(StoreError::Conflict { .. }) => "conflict",
            Error::Store(StoreError::Invalid(_)) => "invalid_input",
            Error::Store(StoreError::Other(_)) => "internal",
        }
    }

    pub fn invalid(field: &str, code: &str) -> Self {
        Error::Invalid(vec![FieldError::new(field, code)])
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Stale => Error::StaleVersion,
            StoreError::Conflict { constraint, field } => Error::Conflict { code: constraint, field },
            StoreError::Invalid(e) => Error::Invalid(vec![e]),
            other => Error::Store(other),
        }
    }
}

/// Collects field errors while parsing a form or JSON body, so all problems are reported at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }

    /// Keeps the parsed value, or records the error and returns `None`.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// Parses the value of a `Patch::Set` of an optional field; a blank value clears it.
    pub fn patch<T>(
        &mut self,
        patch: crate::patch::Patch<String>,
        parse: impl FnOnce(&str) -> Result<Option<T>, FieldError>,
    ) -> crate::patch::Patch<T> {
        use crate::patch::Patch;
        match patch {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(text) => match self.check(parse(&text)) {
                Some(Some(value)) => Patch::Set(value),
                Some(None) => Patch::Clear,
                None => Patch::Keep,
            },
        }
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() { Ok(()) } else { Err(Error::Invalid(self.errors)) }
    }
}

/// Trims a required text field and checks its length in characters.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    optional_text(field, v, max_chars).map(|o| o.unwrap_or_default())
}

/// A required date written `YYYY-MM-DD`.
pub fn required_date(field: &str, value: &str) -> Result<chrono::NaiveDate, FieldError> {
    optional_date(field, value)?.ok_or_else(|| FieldError::new(field, "required"))
}

/// An optional date written `YYYY-MM-DD`; blank becomes `None`.
pub fn optional_date(field: &str, value: &str) -> Result<Option<chrono::NaiveDate>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map(Some).map_err(|_| FieldError::new(field, "invalid_date"))
}

/// A required RFC 3339 time (`2026-03-01T14:30:00+08:00`), as the UTC instant it names.
pub fn required_time(field: &str, value: &str) -> Result<chrono::DateTime<chrono::Utc>, FieldError> {
    optional_time(field, value)?.ok_or_else(|| FieldError::new(field, "required"))
}

/// An optional RFC 3339 time; blank becomes `None`.
pub fn optional_time(field: &str, value: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .map_err(|_| FieldError::new(field, "invalid_datetime"))
}

/// Trims an optional text field; blank becomes `None`.
pub fn optional_text(field: &str, value: &str, max_chars: usize) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        Ok(None)
    } else if v.chars().count() > max_chars {
        Err(FieldError::with_param(field, "too_long", max_chars))
    } else {
        Ok(Some(v.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_rejects_blank_and_counts_chinese_characters_not_bytes() {
        assert_eq!(required_text("name", "  ", 5).unwrap_err().code, "required");
        assert_eq!(required_text("name", "客户关系管理", 6).unwrap(), "客户关系管理");
        assert_eq!(required_text("name", "客户关系管理系统", 6).unwrap_err().code, "too_long");
    }
}
