//! What every page shares: the header with the language switch and user menu, the
//! navigation the user's role may use, flash messages, times in the user's time zone,
//! and the pager of lists.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crm_core::Error;
use crm_core::access::{Action, Actor, Module};
use crm_core::listing::{ListParams, ListRequest, MAX_LIMIT};
use crm_core::money;
use crm_core::store::StoreError;

use super::session::WebUser;
use crate::http::error::AppError;
use crate::i18n::Lang;

pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

/// Flash message carried by the `flash` query parameter of the page a form redirected to.
#[derive(Debug, Clone)]
pub struct Flash {
    pub text: String,
    pub ok: bool,
}

/// Flash codes that report a failure; every other known code reports a success.
const FAILURE_FLASHES: [&str; 3] = ["in_use", "builtin_role", "not_editable"];

/// The signed-in user as the header shows them.
#[derive(Debug, Clone)]
pub struct Signed {
    pub username: String,
    pub nav: Vec<NavItem>,
    pub unread: i64,
}

/// The frame of every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub lang: Lang,
    pub title: String,
    /// `None` on the pages before sign-in.
    pub signed: Option<Signed>,
    /// The CSRF token every form of the page carries.
    pub csrf: String,
    /// Path and query of this page, where the language switch returns to.
    pub here: String,
    pub flash: Option<Flash>,
    pub tz: Tz,
    /// Labels are first looked up as `field-<fields>-<name>`, so that one page can call a
    /// customer's `name` 客户名称 and a contact's 姓名.
    pub fields: Option<&'static str>,
}

/// The navigation: (path, label key, the module whose view right shows it).
const NAV: &[(&str, &str, Module)] = &[
    ("/customers", "nav-customers", Module::Customers),
    ("/opportunities", "nav-opportunities", Module::Sales),
    ("/pipeline", "nav-pipeline", Module::Sales),
    ("/quotes", "nav-quotes", Module::Sales),
    ("/contracts", "nav-contracts", Module::Sales),
    ("/payments", "nav-payments", Module::Sales),
    ("/service-requests", "nav-service", Module::Service),
    ("/knowledge-articles", "nav-knowledge", Module::Service),
    ("/churn-warnings", "nav-churn", Module::Churn),
    ("/tasks", "nav-tasks", Module::Schedule),
    ("/calendar", "nav-calendar", Module::Schedule),
    ("/reports", "nav-reports", Module::Reports),
    ("/dictionary", "nav-dictionary", Module::Dictionary),
    ("/numbering", "nav-numbering", Module::Dictionary),
    ("/pipeline-stages", "nav-pipeline-stages", Module::Dictionary),
    ("/service-sla", "nav-service-sla", Module::Dictionary),
    ("/products", "nav-products", Module::Products),
    ("/inventory", "nav-inventory", Module::Inventory),
    ("/users", "nav-users", Module::Users),
    ("/roles", "nav-roles", Module::Roles),
    ("/divisions", "nav-divisions", Module::Divisions),
    ("/audit", "nav-audit", Module::Audit),
];

fn nav(lang: Lang, actor: &Actor, path: &str) -> Vec<NavItem> {
    let home = NavItem { href: "/", label: lang.t("nav-home"), active: path == "/" };
    let modules = NAV.iter().filter(|(_, _, m)| actor.can(*m, Action::View)).map(|(href, key, _)| NavItem {
        href,
        label: lang.t(key),
        active: path == *href || path.starts_with(&format!("{href}/")),
    });
    std::iter::once(home).chain(modules).collect()
}

/// The translation of `key`, or `fallback` when there is none (e.g. a field added later).
pub fn t_or(lang: Lang, key: &str, fallback: &str) -> String {
    let text = lang.t(key);
    if text == key { fallback.to_string() } else { text }
}

pub fn time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(DEFAULT_TIME_ZONE)
}

/// The format of `<input type="datetime-local">`.
pub const LOCAL_TIME: &str = "%Y-%m-%dT%H:%M";

/// A time typed in the user's time zone as RFC 3339. Anything else is passed on unchanged
/// for the use case to refuse with its own message.
pub fn typed_time(tz: Tz, text: &str) -> String {
    let text = text.trim();
    let local = NaiveDateTime::parse_from_str(text, LOCAL_TIME)
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"));
    match local.ok().and_then(|t| tz.from_local_datetime(&t).earliest()) {
        Some(at) => at.to_rfc3339(),
        None => text.to_string(),
    }
}

impl Layout {
    /// The frame of a signed-in user's page; `title_key` names the page in the translations.
    pub fn new(user: &WebUser, title_key: &str) -> Self {
        let lang = user.lang;
        let flash = user.flash.as_deref().and_then(|code| {
            let key = format!("flash-{}", code.replace('_', "-"));
            let text = lang.t(&key);
            (text != key).then(|| Flash { text, ok: !FAILURE_FLASHES.contains(&code) })
        });
        Self {
            lang,
            title: lang.t(title_key),
            signed: Some(Signed {
                username: user.actor.username.clone(),
                nav: nav(lang, &user.actor, &user.path),
                unread: user.unread,
            }),
            csrf: user.csrf.clone(),
            here: user.here.clone(),
            flash,
            tz: time_zone(&user.actor.time_zone),
            fields: None,
        }
    }

    /// The same frame with labels of one kind of record (see `fields`).
    pub fn with_fields(self, fields: &'static str) -> Self {
        Self { fields: Some(fields), ..self }
    }

    /// The frame of a page shown before sign-in.
    pub fn public(lang: Lang, title: String, csrf: String, here: &str) -> Self {
        Self {
            lang,
            title,
            signed: None,
            csrf,
            here: here.to_string(),
            flash: None,
            tz: DEFAULT_TIME_ZONE,
            fields: None,
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The name of a code, from `<prefix>-<code>`.
    pub fn t_code(&self, prefix: &str, code: &str) -> String {
        self.lang.t(&format!("{prefix}-{}", code.replace('_', "-")))
    }

    /// A message with one argument.
    pub fn t_with(&self, key: &str, name: &str, value: impl ToString) -> String {
        self.lang.t_args(key, &[(name, value.to_string())])
    }

    pub fn username(&self) -> &str {
        self.signed.as_ref().map_or("", |s| s.username.as_str())
    }

    /// A field's label, from `field-<name>`; a field of a row of a list (`lines[2].quantity`)
    /// is named with its row number.
    pub fn label(&self, field: &str) -> String {
        if let Some((_, rest)) = field.split_once('[')
            && let Some((index, name)) = rest.split_once("].")
            && let Ok(index) = index.parse::<usize>()
        {
            return format!("{} {}", self.t_with("row-number", "n", index + 1), self.label(name));
        }
        let name = field.replace('_', "-");
        if let Some(fields) = self.fields {
            let key = format!("field-{fields}-{name}");
            let text = self.lang.t(&key);
            if text != key {
                return text;
            }
        }
        self.lang.t(&format!("field-{name}"))
    }

    /// A time in the user's time zone, to the minute.
    pub fn time(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string()
    }

    /// A time as `<input type="datetime-local">` shows it, in the user's time zone.
    pub fn local_input(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.tz).format(LOCAL_TIME).to_string()
    }

    pub fn time_opt(&self, at: &Option<DateTime<Utc>>) -> String {
        at.as_ref().map_or_else(|| "—".to_string(), |t| self.time(t))
    }

    /// Link to the same page in another language.
    pub fn switch_href(&self, code: &str) -> String {
        format!("/lang/{code}?next={}", query_value(&self.here))
    }

    /// An amount of money with its currency, digits grouped: `12,800.00 CNY`.
    pub fn amount(&self, units: &i64, currency: &str) -> String {
        format!("{} {currency}", self.money(units))
    }

    /// An amount of money whose unit is said elsewhere: `12,800.00`.
    pub fn money(&self, units: &i64) -> String {
        group_thousands(&money::format_units(*units))
    }

    /// A quantity without trailing zeros: `120`, `2.5`.
    pub fn quantity(&self, units: &i64) -> String {
        group_thousands(&money::from_units(*units).normalize().to_string())
    }

    pub fn asset(&self, name: &str) -> String {
        super::assets::url(name)
    }
}

/// `1234567.5` → `1,234,567.5`.
fn group_thousands(number: &str) -> String {
    let (sign, rest) = number.strip_prefix('-').map_or(("", number), |r| ("-", r));
    let (whole, fraction) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Percent-encodes a query parameter value.
pub fn query_value(text: &str) -> String {
    askama::filters::urlencode_strict(text).map(|v| v.to_string()).unwrap_or_default()
}

/// A link to a list page with the given query parameters (empty ones left out).
pub fn href(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> =
        params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", query_value(v))).collect();
    if query.is_empty() { path.to_string() } else { format!("{path}?{}", query.join("&")) }
}

/// Links between the pages of a list: back to the first page, on to the next.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub first: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `params` are the list's filters; `cursor` the one this page was read from.
    pub fn new(path: &str, params: &[(&str, &str)], cursor: &str, next_cursor: Option<&str>) -> Self {
        let first = (!cursor.is_empty()).then(|| href(path, params));
        let next = next_cursor.map(|c| {
            let mut with_cursor = params.to_vec();
            with_cursor.push(("cursor", c));
            href(path, &with_cursor)
        });
        Self { first, next }
    }
}

/// The request for one page of a list: a search text, the cursor from the previous page's
/// link, and the filters that are set.
pub fn list_request(q: &str, cursor: &str, filters: &[(&str, &str)]) -> Result<ListRequest, AppError> {
    let params = ListParams {
        q: Some(q.to_string()),
        cursor: Some(cursor.to_string()),
        limit: Some(PAGE_SIZE.to_string()),
        ..Default::default()
    };
    let filters = filters.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Ok(ListRequest::parse(params, filters)?)
}

/// Every row of a short list (roles, divisions) for choices in a form.
pub fn everything() -> ListRequest {
    ListRequest { limit: MAX_LIMIT, cursor: None, sort: None, q: None, filters: Vec::new(), count: false }
}

pub const PAGE_SIZE: u32 = 50;

/// One option of a select or a group of checkboxes.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self { value: value.into(), label: label.into() }
    }
}

/// Options of a select under a heading (`<optgroup>`), e.g. the cities of a province.
#[derive(Debug, Clone)]
pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

/// Headers of every page: pages depend on who asks, so none is cached; only this site's
/// own files run, and no other site may frame a page (its forms could be clicked unseen).
pub const PAGE_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::CACHE_CONTROL, "no-store"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    ),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
];

/// Renders a page with the given status.
pub fn render(status: StatusCode, page: &impl Template) -> Result<Response, AppError> {
    let html = page.render().map_err(|e| AppError::Domain(Error::Store(StoreError::Other(Box::new(e)))))?;
    Ok((status, PAGE_HEADERS, Html(html)).into_response())
}

pub fn ok(page: &impl Template) -> Result<Response, AppError> {
    render(StatusCode::OK, page)
}

/// A form re-rendered with messages: 422, so scripts and tests can tell it from success.
pub fn invalid(page: &impl Template) -> Result<Response, AppError> {
    render(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// Redirect after a successful POST, with a flash code for the next page; a `#section` of
/// the path stays at the end.
pub fn see_other(path: &str, flash: &str) -> Response {
    let (path, fragment) = path.split_once('#').map_or((path, String::new()), |(p, f)| (p, format!("#{f}")));
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}flash={flash}{fragment}")).into_response()
}

/// After a delete: back to the list, or to the record with the reason it stays (still in
/// use, or shipped with the product).
pub fn deleted(result: Result<(), Error>, list: &str, record: &str) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(see_other(list, "deleted")),
        Err(Error::Conflict { code, .. }) => {
            let flash = match code.as_str() {
                "builtin_role" => "builtin_role",
                "entry_not_editable" => "not_editable",
                _ => "in_use",
            };
            Ok(see_other(record, flash))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_users_zone_and_unknown_zones_fall_back_to_shanghai() {
        let at: DateTime<Utc> = "2024-01-31T20:30:00Z".parse().unwrap();
        let mut l = Layout::public(Lang::En, String::new(), String::new(), "/");
        assert_eq!(l.time(&at), "2024-02-01 04:30");
        l.tz = time_zone("Europe/London");
        assert_eq!(l.time(&at), "2024-01-31 20:30");
        assert_eq!(time_zone("Mars/Olympus"), DEFAULT_TIME_ZONE);
    }

    #[test]
    fn a_time_typed_in_shanghai_is_stored_as_the_same_instant() {
        let at = typed_time(chrono_tz::Asia::Shanghai, "2026-03-01T14:30");
        assert_eq!(at, "2026-03-01T14:30:00+08:00");
        assert_eq!(typed_time(chrono_tz::Europe::London, "2026-07-01T09:00"), "2026-07-01T09:00:00+01:00");
        assert_eq!(typed_time(chrono_tz::Asia::Shanghai, "yesterday"), "yesterday");
    }

    #[test]
    fn amounts_are_grouped_and_quantities_lose_trailing_zeros() {
        let l = Layout::public(Lang::En, String::new(), String::new(), "/");
        assert_eq!(l.amount(&128_000_000, "CNY"), "12,800.00 CNY");
        assert_eq!(l.amount(&-10_000_000_000, "USD"), "-1,000,000.00 USD");
        assert_eq!(l.quantity(&1_200_000), "120");
        assert_eq!(l.quantity(&25_000), "2.5");
    }

    #[test]
    fn the_flash_goes_before_the_section_of_a_redirect() {
        let r = see_other("/customers/1#contacts", "saved");
        assert_eq!(r.headers()[header::LOCATION], "/customers/1?flash=saved#contacts");
        let r = see_other("/customers?q=a", "saved");
        assert_eq!(r.headers()[header::LOCATION], "/customers?q=a&flash=saved");
    }

    #[test]
    fn fields_of_rows_are_named_with_their_row_number() {
        let l = Layout::public(Lang::En, String::new(), String::new(), "/");
        assert_eq!(l.label("lines[1].quantity"), format!("{} {}", l.t_with("row-number", "n", 2), l.label("quantity")));
    }

    #[test]
    fn pager_links_keep_the_filters_and_encode_them() {
        let p = Pager::new("/users", &[("q", "张 三&x"), ("frozen", "")], "", Some("abc"));
        assert_eq!(p.first, None);
        assert_eq!(p.next.as_deref(), Some("/users?q=%E5%BC%A0%20%E4%B8%89%26x&cursor=abc"));
        let p = Pager::new("/users", &[], "abc", None);
        assert_eq!(p.first.as_deref(), Some("/users"));
    }
}
