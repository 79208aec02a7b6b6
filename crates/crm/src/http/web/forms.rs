//! Posted forms: the CSRF check every POST goes through, the raw fields, and the state a
//! form is re-rendered with (the user's input and a message beside each bad field).

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crm_core::{Error, FieldError};

use super::session::WebUser;
use crate::http::AppState;
use crate::http::error::{AppError, request_lang};
use crate::i18n::Lang;

/// After a workflow step on a record (assign, handle, confirm, …): on to the record's page at
/// `path` with the flash `flash`, or the page again, drawn by `render`, with the step's
/// messages beside its fields.
pub async fn after_step<T, Fut>(
    lang: Lang,
    path: &str,
    flash: &str,
    form: &FormData,
    result: Result<T, Error>,
    render: impl FnOnce(FormState, StatusCode) -> Fut,
) -> Result<Response, AppError>
where
    Fut: std::future::Future<Output = Result<Response, AppError>>,
{
    match result {
        Ok(_) => Ok(super::layout::see_other(path, flash)),
        Err(e) => render(FormState::from_form(form).refused(lang, e)?, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

/// The fields of an `application/x-www-form-urlencoded` body, in order. Kept as pairs
/// rather than a struct so that checkbox groups (repeated names) and unexpected input
/// never fail to parse.
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of a field; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.opt(name).unwrap_or_default()
    }

    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated field (a group of checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty()).collect()
    }

    /// Every value of a field that repeats once per row (order lines), blanks included, so
    /// that the columns of a row stay together.
    pub fn each(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The rows of a table of inputs (lines of an order or a quote): the `fields` of each row,
    /// trimmed, in order; a row left blank is no row at all.
    pub fn rows<const N: usize>(&self, fields: [&str; N]) -> Vec<[String; N]> {
        let columns = fields.map(|f| self.each(f));
        let count = columns.iter().map(Vec::len).max().unwrap_or_default();
        (0..count)
            .map(|row| columns.each_ref().map(|c| c.get(row).map_or("", |v| v.trim()).to_string()))
            .filter(|cells| cells.iter().any(|c| !c.is_empty()))
            .collect()
    }

    /// A record chosen in a select: blank is none; anything but an id is a field error.
    pub fn id(&self, name: &str) -> Result<Option<uuid::Uuid>, FieldError> {
        match self.get(name).trim() {
            "" => Ok(None),
            text => uuid::Uuid::parse_str(text).map(Some).map_err(|_| FieldError::new(name, "invalid_id")),
        }
    }

    /// A whole number typed or chosen: blank is none.
    pub fn number(&self, name: &str) -> Result<Option<i64>, FieldError> {
        match self.get(name).trim() {
            "" => Ok(None),
            text => text.parse().map(Some).map_err(|_| FieldError::new(name, "not_a_number")),
        }
    }

    /// The hidden `version` field of an edit form; a mangled one can never match (stale).
    pub fn version(&self) -> Option<i64> {
        self.opt("version").filter(|v| !v.is_empty()).map(|v| v.parse().unwrap_or(-1))
    }
}

/// Compares secrets in time independent of where they first differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && !a.is_empty() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The page shown for a POST whose CSRF token is missing or wrong: nothing was changed.
pub fn csrf_refused(lang: Lang) -> Response {
    super::error_page(lang, StatusCode::FORBIDDEN, &lang.t("error-csrf"))
}

async fn read_form(req: Request, state: &AppState) -> Result<FormData, Response> {
    match Form::<Vec<(String, String)>>::from_request(req, state).await {
        Ok(Form(pairs)) => Ok(FormData(pairs)),
        Err(e) => Err(AppError::BadRequest(e.body_text()).into_response()),
    }
}

/// A form posted by a signed-in user whose CSRF token matched their session's.
pub struct Posted {
    pub user: WebUser,
    pub form: FormData,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let form = read_form(Request::from_parts(parts, body), state).await?;
        if !same_secret(form.get("csrf"), &user.csrf) {
            return Err(csrf_refused(user.lang));
        }
        Ok(Posted { user, form })
    }
}

/// A file as the browser sent it.
pub struct Upload {
    pub file_name: String,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// A form with a file (`multipart/form-data`) posted by a signed-in user whose CSRF token
/// matched. The token is the form's first field, so it is checked even when the file is
/// too large to read.
pub struct PostedFile {
    pub user: WebUser,
    pub form: FormData,
    /// `None` when no file was chosen; a field error when it could not be read whole.
    pub file: Option<Result<Upload, FieldError>>,
}

impl FromRequest<AppState> for PostedFile {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()).into_response())?;
        let mut form = FormData::default();
        let mut file = None;
        let unreadable = || FieldError::with_param("file", "too_large", format!("{} MiB", MAX_UPLOAD_BYTES >> 20));
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => {
                    file = Some(Err(unreadable()));
                    break;
                }
            };
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let content_type = field.content_type().map(str::to_string);
                file = match field.bytes().await {
                    // A file input left empty still sends a part without a name or bytes.
                    Ok(data) if data.is_empty() && file_name.is_empty() => None,
                    Ok(data) => Some(Ok(Upload { file_name, content_type, data: data.to_vec() })),
                    Err(_) => Some(Err(unreadable())),
                };
                if matches!(file, Some(Err(_))) {
                    break;
                }
            } else {
                match field.text().await {
                    Ok(value) => form.0.push((name, value)),
                    Err(_) => {
                        file = Some(Err(unreadable()));
                        break;
                    }
                }
            }
        }
        if !same_secret(form.get("csrf"), &user.csrf) {
            return Err(csrf_refused(user.lang));
        }
        Ok(PostedFile { user, form, file })
    }
}

/// The largest body a form with a file may have: the largest attachment and room for the
/// other fields.
pub const MAX_UPLOAD_BYTES: usize = crm_core::customers::MAX_ATTACHMENT_BYTES + (1 << 20);

/// A form posted before signing in (sign-in, first-run setup), checked against the
/// `crm_form` cookie set with the page: a double-submit token, since there is no session yet.
pub struct PublicPosted(pub FormData);

impl FromRequest<AppState> for PublicPosted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let cookie = super::cookie(req.headers(), super::session::FORM_COOKIE).map(str::to_string);
        let form = read_form(req, state).await?;
        match cookie {
            Some(token) if same_secret(form.get("csrf"), &token) => Ok(PublicPosted(form)),
            _ => Err(csrf_refused(request_lang())),
        }
    }
}

/// A form as shown again: the values to fill in, messages beside fields, and a message
/// about the whole form (e.g. someone else saved the record first).
#[derive(Debug, Default)]
pub struct FormState {
    values: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    pub notice: Option<String>,
}

impl FormState {
    pub fn new(values: Vec<(String, String)>) -> Self {
        Self { values, ..Default::default() }
    }

    pub fn from_form(form: &FormData) -> Self {
        // Secrets are never echoed back into the page.
        let values = form.0.iter().filter(|(k, _)| !k.contains("password") && k != "csrf").cloned().collect();
        Self::new(values)
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Whether a checkbox or radio button with this value is selected.
    pub fn checked(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == name && v == value)
    }

    /// The messages for one field, joined.
    pub fn error(&self, name: &str) -> Option<String> {
        let messages: Vec<&str> = self.errors.iter().filter(|(f, _)| f == name).map(|(_, m)| m.as_str()).collect();
        (!messages.is_empty()).then(|| messages.join("；"))
    }

    pub fn errors(&self) -> &[(String, String)] {
        &self.errors
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.notice.is_some()
    }

    pub fn add_error(&mut self, lang: Lang, field: &str, code: &str) {
        self.errors.push((field.to_string(), lang.field_message(&crm_core::FieldError::new(field, code))));
    }

    /// Takes a refusal of a use case: bad input, a taken value or a stale version become
    /// messages on the form; anything else (forbidden, not found, internal) is passed on.
    pub fn refused(mut self, lang: Lang, error: Error) -> Result<Self, AppError> {
        match error {
            Error::Invalid(fields) => {
                for e in &fields {
                    self.errors.push((e.field.clone(), lang.field_message(e)));
                }
            }
            Error::Conflict { field: Some(field), .. } => {
                let message = lang.t("error-taken");
                self.errors.push((field, message));
            }
            Error::Conflict { field: None, .. } => self.notice = Some(lang.t("problem-conflict")),
            Error::StaleVersion => self.notice = Some(lang.t("problem-stale-version")),
            other => return Err(other.into()),
        }
        Ok(self)
    }
}

/// The product of line `index` of a table of inputs: blank is none; anything but an id is an
/// error on that line, collected in `errors`.
pub fn line_product(index: usize, text: &str, errors: &mut Vec<FieldError>) -> Option<uuid::Uuid> {
    match text {
        "" => None,
        id => uuid::Uuid::parse_str(id)
            .map_err(|_| errors.push(FieldError::new(format!("lines[{index}].product_id"), "invalid_id")))
            .ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_only_when_equal_and_not_empty() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", ""));
    }

    #[test]
    fn checkbox_groups_keep_every_value_and_passwords_are_not_echoed() {
        let form = FormData(vec![
            ("roles".into(), "admin".into()),
            ("roles".into(), "manager".into()),
            ("password".into(), "secret-secret".into()),
            ("username".into(), "zhang".into()),
        ]);
        assert_eq!(form.all("roles"), ["admin", "manager"]);
        let state = FormState::from_form(&form);
        assert!(state.checked("roles", "manager"));
        assert_eq!(state.value("username"), "zhang");
        assert_eq!(state.value("password"), "");
    }

    #[test]
    fn a_taken_value_is_shown_beside_its_field() {
        let state = FormState::default()
            .refused(Lang::En, Error::Conflict { code: "users_username".into(), field: Some("username".into()) })
            .unwrap();
        assert_eq!(state.error("username").as_deref(), Some("already taken"));
        assert!(FormState::default().refused(Lang::En, Error::NotFound).is_err());
    }
}
