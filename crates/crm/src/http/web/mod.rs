//! The web UI: server-rendered pages (askama templates), forms that post and redirect.
//! Every handler calls the same use cases as the API and only renders their results.

mod access;
mod account;
mod assets;
mod base_data;
mod churn;
mod customers;
mod forms;
mod home;
mod layout;
mod notifications;
mod reports;
mod sales;
mod schedule;
mod service;
mod session;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crm_core::Error;

use self::access::{audit, divisions, roles, users};
use self::base_data::{dictionary, inventory, numbering, products};
use self::customers::{contacts, edit as customer, import, interactions, list as customer_list, orders, overview};
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
        .route("/customers", get(customer_list::list).post(customer::create))
        .route("/customers/new", get(customer::new))
        .route("/customers/bulk", post(customer_list::bulk))
        .route("/customers/export", get(customer_list::export))
        .route("/customers/filters", post(customer_list::save_filter))
        .route(
            "/customers/import",
            get(import::new).post(import::upload).layer(DefaultBodyLimit::max(import::MAX_FILE_BYTES + (1 << 20))),
        )
        .route("/customers/import/check", post(import::check).layer(DefaultBodyLimit::max(import::MAX_STEP_BYTES)))
        .route("/customers/filters/{id}/delete", post(customer_list::delete_filter))
        .route("/customers/{id}", get(overview::show).post(customer::update))
        .route("/customers/{id}/edit", get(customer::edit))
        .route("/customers/{id}/delete", post(customer::delete))
        .route("/customers/{id}/assign", post(overview::assign))
        .route("/customers/{id}/share", post(overview::share))
        .route("/customers/{id}/unshare", post(overview::unshare))
        .route("/customers/{id}/merge", get(overview::merge_form).post(overview::merge))
        .route(
            "/customers/{id}/attachments",
            post(overview::upload).layer(DefaultBodyLimit::max(forms::MAX_UPLOAD_BYTES)),
        )
        .route("/customers/{id}/contacts.vcf", get(overview::vcards))
        .route("/customers/{id}/contacts", post(contacts::create))
        .route("/customers/{id}/contacts/new", get(contacts::new))
        .route("/contacts/{id}", get(contacts::edit).post(contacts::update))
        .route("/contacts/{id}/delete", post(contacts::delete))
        .route("/contacts/{id}/vcard", get(contacts::vcard))
        .route("/customers/{id}/interactions", post(interactions::create))
        .route("/customers/{id}/interactions/new", get(interactions::new))
        .route("/interactions/{id}", get(interactions::edit).post(interactions::update))
        .route("/interactions/{id}/delete", post(interactions::delete))
        .route("/attachments/{id}", get(overview::download))
        .route("/customers/{id}/orders", post(orders::create))
        .route("/customers/{id}/orders/new", get(orders::new))
        .route("/orders/{id}", get(orders::edit).post(orders::update))
        .route("/orders/{id}/delete", post(orders::delete))
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
        .merge(sales::routes())
        .merge(service::routes())
        .merge(churn::routes())
        .merge(schedule::routes())
        .merge(notifications::routes())
        .merge(reports::routes())
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
