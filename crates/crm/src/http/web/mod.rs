//! The web UI: server-rendered pages (askama templates), forms that post and redirect.
//! Every handler calls the same use cases as the API and only renders their results.

mod access;
mod account;
mod assets;
mod base_data;
mod forms;
mod home;
mod layout;
mod session;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crm_core::Error;

use self::access::{audit, divisions, roles, users};
use self::base_data::{dictionary, inventory, numbering, products};
use self::layout::{Choice, Layout};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::Lang;

pub const LANG_COOKIE: &str = "crm_lang";

/// Time zones offered in forms; any name of the tz database is accepted.
pub const TIME_ZONES: [&str; 12] = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "UTC",
];

/// The interface languages, each named in itself.
pub fn locales() -> Vec<Choice> {
    vec![Choice::new("zh-CN", "中文（简体）"), Choice::new("en", "English")]
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/setup", get(session::setup_page).post(session::setup))
        .route("/lang/{code}", get(session::switch_language))
        .route("/account", get(account::show).post(account::update))
        .route("/account/password", post(account::change_password))
        .route("/users", get(users::list).post(users::create))
        .route("/users/new", get(users::new))
        .route("/users/{id}", get(users::edit).post(users::update))
        .route("/users/{id}/freeze", post(users::set_frozen))
        .route("/users/{id}/password", post(users::reset_password))
        .route("/users/{id}/sessions", post(users::revoke_sessions))
        .route("/roles", get(roles::list).post(roles::create))
        .route("/roles/new", get(roles::new))
        .route("/roles/{id}", get(roles::edit).post(roles::update))
        .route("/roles/{id}/delete", post(roles::delete))
        .route("/divisions", get(divisions::list).post(divisions::create))
        .route("/divisions/new", get(divisions::new))
        .route("/divisions/{id}", get(divisions::edit).post(divisions::update))
        .route("/divisions/{id}/delete", post(divisions::delete))
        .route("/audit", get(audit::list))
        .route("/dictionary", get(dictionary::list).post(dictionary::create))
        .route("/dictionary/new", get(dictionary::new))
        .route("/dictionary/{id}", get(dictionary::edit).post(dictionary::update))
        .route("/dictionary/{id}/enabled", post(dictionary::set_enabled))
        .route("/dictionary/{id}/delete", post(dictionary::delete))
        .route("/numbering", get(numbering::list))
        .route("/numbering/{kind}", post(numbering::update))
        .route("/products", get(products::list).post(products::create))
        .route("/products/new", get(products::new))
        .route("/products/{id}", get(products::edit).post(products::update))
        .route("/products/{id}/delete", post(products::delete))
        .route("/inventory", get(inventory::list).post(inventory::create))
        .route("/inventory/new", get(inventory::new))
        .route("/inventory/{id}", get(inventory::edit).post(inventory::update))
        .route("/inventory/{id}/delete", post(inventory::delete))
        .route("/assets/{name}", get(assets::serve))
        .fallback(|| async { AppError::Domain(Error::NotFound) })
}

/// The value of a cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language chosen with the language switch, if any.
pub fn lang_cookie(headers: &HeaderMap) -> Option<Lang> {
    cookie(headers, LANG_COOKIE).and_then(Lang::from_code)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
}

pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let page = ErrorPage { l: Layout::public(lang, message.to_string(), String::new(), "/"), status: status.as_u16() };
    match page.render() {
        Ok(html) => (status, layout::PAGE_HEADERS, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}
