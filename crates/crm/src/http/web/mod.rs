//! The web UI: server-rendered pages (askama templates), forms that post and redirect.

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::http::AppState;
use crate::i18n::Lang;

pub const LANG_COOKIE: &str = "crm_lang";

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The language chosen with the language switch, if any.
pub fn lang_cookie(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .and_then(|(_, v)| Lang::from_code(v))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    status: u16,
    message: &'a str,
}

pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let page = ErrorPage { lang, status: status.as_u16(), message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}
