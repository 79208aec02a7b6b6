//! Signing in and out of the web UI (ACL-4, ACL-7), the first-run setup page, the
//! language switch, and the `WebUser` extractor every signed-in page starts from.

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crm_core::Error;
use crm_core::access::actions::{self as access};
use crm_core::access::{Actor, SessionKind, UserInput, new_token};

use super::forms::{FormData, FormState, Posted, PublicPosted};
use super::layout::{self, Layout, query_value};
use super::{LANG_COOKIE, cookie};
use crate::http::AppState;
use crate::http::api::access::client_key;
use crate::http::error::{AppError, request_lang};
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "crm_session";
/// Double-submit CSRF token of the forms shown before sign-in.
pub const FORM_COOKIE: &str = "crm_form";

/// The signed-in user of a web request, with the CSRF token their forms must carry.
/// Without a valid session the request goes to the sign-in page.
pub struct WebUser {
    pub actor: Actor,
    pub csrf: String,
    pub lang: Lang,
    token: String,
    /// Path of the request, for the navigation.
    pub path: String,
    /// Path and query, to come back to after switching the language.
    pub here: String,
    pub flash: Option<String>,
    /// Unread notices, for the header.
    pub unread: i64,
}

fn local_path(next: &str) -> Option<&str> {
    // Only paths of this site: `//host` and `/\host` would leave it.
    (next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\")).then_some(next)
}

fn to_sign_in(parts: &Parts) -> Response {
    let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    if parts.method == axum::http::Method::GET && here != "/" {
        Redirect::to(&format!("/login?next={}", query_value(here))).into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string) else {
            return Err(to_sign_in(parts));
        };
        let (actor, csrf) = match access::authenticate(&state.db, &token).await {
            Ok((actor, Some(csrf))) => (actor, csrf),
            // An API token in the cookie has no CSRF token: not a web session.
            Ok((_, None)) | Err(Error::Unauthenticated | Error::Frozen) => return Err(to_sign_in(parts)),
            Err(e) => return Err(AppError::from(e).into_response()),
        };
        let unread = crm_core::notifications::actions::unread_count(&state.db, &actor)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let flash = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("flash=")).map(str::to_string));
        Ok(WebUser {
            actor,
            csrf,
            lang: request_lang(),
            token,
            path: parts.uri.path().to_string(),
            here: parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string(),
            flash,
            unread,
        })
    }
}

fn secure_cookies(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://")
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64, http_only: bool) -> HeaderValue {
    let secure = if secure_cookies(state) { "; Secure" } else { "" };
    let http_only = if http_only { "; HttpOnly" } else { "" };
    let text = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax{http_only}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("crm_invalid=; Max-Age=0"))
}

fn with_cookies(mut response: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

/// The token of the forms shown before sign-in: the browser's, or a new one to set.
fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, FORM_COOKIE) {
        Some(token) if token.len() >= 32 => (token.to_string(), None),
        _ => {
            let token = new_token();
            let set = set_cookie(state, FORM_COOKIE, &token, 24 * 3600, true);
            (token, Some(set))
        }
    }
}

// ---- sign-in ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "session/login.html")]
struct LoginPage {
    l: Layout,
    form: FormState,
    next: String,
    /// Why the last attempt failed, for the whole form.
    problem: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    flash: String,
}

pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && access::authenticate(&state.db, token).await.is_ok()
    {
        return Ok(Redirect::to(local_path(&query.next).unwrap_or("/")).into_response());
    }
    let lang = request_lang();
    let (csrf, set) = form_token(&state, &headers);
    let notice = match query.flash.as_str() {
        "signed_out" | "setup_done" | "password_changed" => {
            Some(lang.t(&format!("flash-{}", query.flash.replace('_', "-"))))
        }
        _ => None,
    };
    let page = LoginPage {
        l: Layout::public(lang, lang.t("login-title"), csrf, "/login"),
        form: FormState::default(),
        next: local_path(&query.next).unwrap_or_default().to_string(),
        problem: None,
        notice,
    };
    Ok(with_cookies(layout::ok(&page)?, set.into_iter().collect()))
}

pub async fn login(
    State(state): State<AppState>,
    connect: ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    PublicPosted(form): PublicPosted,
) -> Result<Response, AppError> {
    let lang = request_lang();
    let mut state_of_form = FormState::from_form(&form);
    for field in ["username", "password"] {
        if form.get(field).trim().is_empty() {
            state_of_form.add_error(lang, field, "required");
        }
    }
    let next = local_path(form.get("next")).unwrap_or("/").to_string();
    let attempt = if state_of_form.has_errors() {
        Err((StatusCode::UNPROCESSABLE_ENTITY, None))
    } else {
        let client = client_key(&connect);
        match access::login(
            &state.db,
            &state.access,
            form.get("username"),
            form.get("password"),
            &client,
            SessionKind::Web,
        )
        .await
        {
            Ok(login) => Ok(login),
            Err(Error::Unauthenticated) => Err((StatusCode::UNAUTHORIZED, Some("problem-wrong-credentials"))),
            Err(Error::Frozen) => Err((StatusCode::FORBIDDEN, Some("problem-account-frozen"))),
            Err(Error::RateLimited) => Err((StatusCode::TOO_MANY_REQUESTS, Some("problem-rate-limited"))),
            Err(other) => return Err(other.into()),
        }
    };
    match attempt {
        Ok(login) => {
            let mut cookies = vec![
                set_cookie(&state, SESSION_COOKIE, &login.token, state.access.session_hours * 3600, true),
                set_cookie(&state, FORM_COOKIE, "", 0, true),
            ];
            // A language chosen in the account follows the user to a new browser; the
            // default one does not override what the browser asks for.
            if lang_cookie_absent(&headers) && login.user.locale != Lang::default().code() {
                cookies.push(set_cookie(&state, LANG_COOKIE, &login.user.locale, 365 * 24 * 3600, false));
            }
            Ok(with_cookies(Redirect::to(&next).into_response(), cookies))
        }
        Err((status, problem)) => {
            let (csrf, set) = form_token(&state, &headers);
            let page = LoginPage {
                l: Layout::public(lang, lang.t("login-title"), csrf, "/login"),
                form: state_of_form,
                next: form.get("next").to_string(),
                problem: problem.map(|key| lang.t(key)),
                notice: None,
            };
            Ok(with_cookies(layout::render(status, &page)?, set.into_iter().collect()))
        }
    }
}

fn lang_cookie_absent(headers: &HeaderMap) -> bool {
    cookie(headers, LANG_COOKIE).is_none()
}

pub async fn logout(State(state): State<AppState>, posted: Posted) -> Result<Response, AppError> {
    access::logout(&state.db, &posted.user.token).await?;
    let clear = set_cookie(&state, SESSION_COOKIE, "", 0, true);
    Ok(with_cookies(Redirect::to("/login?flash=signed_out").into_response(), vec![clear]))
}

// ---- first run ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "session/setup.html")]
struct SetupPage {
    l: Layout,
    form: FormState,
    token: String,
    time_zones: &'static [&'static str],
}

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

fn setup_link_refused(lang: Lang) -> Response {
    super::error_page(lang, StatusCode::NOT_FOUND, &lang.t("setup-link-invalid"))
}

/// The page of the one-time link `crm serve` prints while there are no users.
pub async fn setup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SetupQuery>,
) -> Result<Response, AppError> {
    let lang = request_lang();
    if !access::setup_token_valid(&state.db, &query.token).await? {
        return Ok(setup_link_refused(lang));
    }
    let (csrf, set) = form_token(&state, &headers);
    let page = SetupPage {
        l: Layout::public(lang, lang.t("setup-title"), csrf, "/setup"),
        form: FormState::new(vec![("time_zone".into(), layout::DEFAULT_TIME_ZONE.name().into())]),
        token: query.token,
        time_zones: &super::TIME_ZONES,
    };
    Ok(with_cookies(layout::ok(&page)?, set.into_iter().collect()))
}

pub async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    PublicPosted(form): PublicPosted,
) -> Result<Response, AppError> {
    let lang = request_lang();
    let token = form.get("token").to_string();
    if !access::setup_token_valid(&state.db, &token).await? {
        return Ok(setup_link_refused(lang));
    }
    let refused = match passwords_match(lang, &form) {
        Err(refused) => refused,
        Ok(()) => {
            let input = UserInput {
                username: form.get("username").to_string(),
                password: form.get("password").to_string(),
                display_name: Some(form.get("display_name").to_string()),
                email: Some(form.get("email").to_string()),
                locale: Some(lang.code().to_string()),
                time_zone: Some(form.get("time_zone").trim().to_string()).filter(|t| !t.is_empty()),
                ..Default::default()
            };
            let created = access::create_first_admin(&state.db, &token, input).await.map(|_| ());
            match created {
                Ok(()) => return Ok(Redirect::to("/login?flash=setup_done").into_response()),
                // Someone else used the link in the meantime.
                Err(Error::Unauthenticated) => return Ok(setup_link_refused(lang)),
                Err(e) => FormState::from_form(&form).refused(lang, e)?,
            }
        }
    };
    let (csrf, set) = form_token(&state, &headers);
    let l = Layout::public(lang, lang.t("setup-title"), csrf, "/setup");
    let page = SetupPage { l, form: refused, token, time_zones: &super::TIME_ZONES };
    Ok(with_cookies(layout::invalid(&page)?, set.into_iter().collect()))
}

/// Checks the repeated new password of a form (`password`, `password_again`).
pub fn passwords_match(lang: Lang, form: &FormData) -> Result<(), FormState> {
    if form.get("password") == form.get("password_again") {
        return Ok(());
    }
    let mut state = FormState::from_form(form);
    state.add_error(lang, "password_again", "password_mismatch");
    Err(state)
}

// ---- language switch ----------------------------------------------------------------------

#[derive(Deserialize)]
pub struct SwitchQuery {
    #[serde(default)]
    next: String,
}

/// Sets the language cookie and returns to the page. A GET, so that it works as a plain
/// link on every page including the sign-in page; it changes no data, only a preference.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<SwitchQuery>,
) -> Response {
    let back = local_path(&query.next).unwrap_or("/");
    let Some(lang) = Lang::from_code(&code) else { return Redirect::to(back).into_response() };
    let set = set_cookie(&state, LANG_COOKIE, lang.code(), 365 * 24 * 3600, false);
    with_cookies(Redirect::to(back).into_response(), vec![set])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_followed_after_sign_in() {
        assert_eq!(local_path("/users?q=a"), Some("/users?q=a"));
        assert_eq!(local_path("//evil.example"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("https://evil.example"), None);
    }
}
