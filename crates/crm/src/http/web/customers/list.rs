//! The customer list (CUS-6): search, filters, sort, cursor pages and a count; saved
//! filters; a selection of rows assigned, tagged or exported at once.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::customers::actions as customers;
use crm_core::customers::{BulkInput, Customer, CustomerExportRow, CustomerStatus, SavedFilter, SavedFilterInput};
use crm_core::listing::{ListParams, ListRequest};

use super::{Pickers, code_choices, colleagues, divisions};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{ListFormat, ListResponse, parse_id};
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, PAGE_SIZE, Pager, href, see_other};
use crate::http::web::session::WebUser;
use crate::tabular::FileFormat;

/// The filters of the list, as query parameters and store filters alike.
const FILTERS: [&str; 7] = ["status", "level_id", "region_id", "industry_id", "owner_id", "tag", "division_id"];

/// The orders the list offers; the first is the default.
const SORTS: [&str; 5] = ["-created_at", "-updated_at", "name", "number", "-last_order_date"];

/// What the list shows: the search, the filters that are set, the order, the page.
struct Shown {
    q: String,
    sort: String,
    cursor: String,
    filters: Vec<(&'static str, String)>,
}

impl Shown {
    fn of(query: &FormData) -> Self {
        let sort = query.get("sort");
        Self {
            q: query.get("q").trim().to_string(),
            sort: if SORTS.contains(&sort) { sort.to_string() } else { SORTS[0].to_string() },
            cursor: query.get("cursor").to_string(),
            filters: FILTERS
                .iter()
                .map(|f| (*f, query.get(f).trim().to_string()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        }
    }

    fn filter(&self, name: &str) -> &str {
        self.filters.iter().find(|(f, _)| *f == name).map_or("", |(_, v)| v.as_str())
    }

    /// The parameters of this view without the page, for links and saved filters.
    fn params(&self) -> Vec<(&str, &str)> {
        let mut params = vec![("q", self.q.as_str())];
        params.extend(self.filters.iter().map(|(f, v)| (*f, v.as_str())));
        if self.sort != SORTS[0] {
            params.push(("sort", self.sort.as_str()));
        }
        params
    }

    /// The query string of this view without the page, e.g. `q=华为&status=active`.
    fn query(&self) -> String {
        href("", &self.params()).trim_start_matches('?').to_string()
    }

    fn request(&self) -> Result<ListRequest, AppError> {
        let params = ListParams {
            q: Some(self.q.clone()),
            cursor: Some(self.cursor.clone()),
            limit: Some(PAGE_SIZE.to_string()),
            sort: Some(self.sort.clone()),
            count: Some("true".into()),
        };
        let filters = self.filters.iter().map(|(f, v)| (f.to_string(), v.clone())).collect();
        Ok(ListRequest::parse(params, filters)?)
    }

    /// Whether any filter beyond status is set, to show the extra filters opened.
    fn more(&self) -> bool {
        self.filters.iter().any(|(f, _)| *f != "status")
    }
}

#[derive(Template)]
#[template(path = "customers/list.html")]
struct ListPage {
    l: Layout,
    shown: Shown,
    customers: Vec<Customer>,
    total: Option<i64>,
    pager: Pager,
    statuses: Vec<Choice>,
    sorts: Vec<Choice>,
    pickers: Pickers,
    owners: Vec<Choice>,
    divisions: Vec<Choice>,
    saved: Vec<SavedFilter>,
    /// The form that saves the current view under a name.
    save: FormState,
    /// The selection and the bulk action's fields.
    bulk: FormState,
    can_create: bool,
    can_assign: bool,
    can_tag: bool,
    can_export: bool,
}

impl ListPage {
    /// The current view as a file to download.
    fn export_href(&self, format: &str) -> String {
        let mut params = self.shown.params();
        params.push(("format", format));
        href("/customers/export", &params)
    }

    /// Whether a row stays checked when the page is shown again after a bulk action failed.
    fn selected(&self, id: &uuid::Uuid) -> bool {
        self.bulk.checked("ids", &id.to_string())
    }

    fn status_label(&self, status: &CustomerStatus) -> String {
        self.l.t_code("customer-status", status.code())
    }
}

async fn page(
    state: &AppState,
    web: &WebUser,
    query: &FormData,
    save: FormState,
    bulk: FormState,
) -> Result<ListPage, AppError> {
    let shown = Shown::of(query);
    let page = customers::list_customers(&state.db, &web.actor, &shown.request()?).await?;
    let saved = customers::list_saved_filters(&state.db, &web.actor, &layout::everything()).await?;
    let lang = web.lang;
    let pager = Pager::new("/customers", &shown.params(), &shown.cursor, page.next_cursor.as_deref());
    Ok(ListPage {
        l: Layout::new(web, "customers-title"),
        customers: page.items,
        total: page.total,
        pager,
        statuses: code_choices(lang, "customer-status", CustomerStatus::ALL.iter().map(|s| s.code())),
        sorts: SORTS
            .iter()
            .map(|s| {
                Choice::new(*s, lang.t(&format!("customers-sort-{}", s.trim_start_matches('-').replace('_', "-"))))
            })
            .collect(),
        pickers: Pickers::load(state, &web.actor).await?,
        owners: colleagues(state, &web.actor).await?.into_iter().map(|c| c.choice).collect(),
        divisions: divisions(state, web).await?,
        saved: saved.items,
        save,
        bulk,
        can_create: web.actor.can(Module::Customers, Action::Create),
        can_assign: web.actor.can(Module::Customers, Action::Assign),
        can_tag: web.actor.can(Module::Customers, Action::Edit),
        can_export: web.actor.can(Module::Customers, Action::Export),
        shown,
    })
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let page = page(&state, &web, &FormData(query), FormState::default(), FormState::default()).await?;
    layout::ok(&page)
}

/// The list a form on it was posted from: the form's action carries the list's query.
fn list_query(pairs: Vec<(String, String)>) -> FormData {
    FormData(pairs.into_iter().filter(|(k, _)| k != "cursor" && k != "flash").collect())
}

fn back_to(query: &FormData, flash: &str) -> Response {
    let shown = Shown::of(query);
    see_other(&href("/customers", &shown.params()), flash)
}

/// Assigns, tags or exports the checked customers.
pub async fn bulk(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let query = list_query(query);
    let ids: Result<Vec<uuid::Uuid>, _> = form.all("ids").iter().map(|id| uuid::Uuid::parse_str(id)).collect();
    let action = form.get("action");
    let result = match ids {
        Err(_) => Err(Error::invalid("ids", "invalid_id")),
        Ok(ids) if action == "export" => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            let req = ListRequest::parse(ListParams::default(), vec![("ids".into(), ids.join(","))])?;
            return send_file(&state, &web, req, FileFormat::Csv).await;
        }
        Ok(ids) => {
            let input = BulkInput {
                action: action.to_string(),
                ids,
                owner_id: form.id("owner_id").ok().flatten(),
                tag: Some(form.get("tag").to_string()),
                note: None,
            };
            customers::bulk(&state.db, &web.actor, input).await
        }
    };
    match result {
        Ok(_) => Ok(back_to(&query, if action == "assign" { "bulk_assigned" } else { "bulk_tagged" })),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&page(&state, &web, &query, FormState::default(), refused).await?)
        }
    }
}

/// Customers of the list as a file, with the columns of every export: the checked ones
/// (`ids`), or every page of the current filters. Needs the export right (CUS-9).
async fn send_file(
    state: &AppState,
    web: &WebUser,
    req: ListRequest,
    format: FileFormat,
) -> Result<Response, AppError> {
    let (db, actor) = (&state.db, &web.actor);
    let fetch = |r: ListRequest| async move {
        customers::list_customers(db, actor, &r).await.map(|page| page.map(CustomerExportRow::from))
    };
    let download = ListFormat::Download(format);
    Ok(ListResponse::of(actor, Module::Customers, "customers", req, download, fetch).await?.into_response())
}

/// Every customer of the current filters as a CSV or Excel file.
pub async fn export(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let format = FileFormat::parse(query.get("format")).unwrap_or(FileFormat::Csv);
    let mut req = Shown::of(&query).request()?;
    req.cursor = None;
    send_file(&state, &web, req, format).await
}

/// Saves the current view of the list under a name.
pub async fn save_filter(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let query = list_query(query);
    let input = SavedFilterInput { name: form.get("name").to_string(), query: Shown::of(&query).query() };
    match customers::create_saved_filter(&state.db, &web.actor, input).await {
        Ok(_) => Ok(back_to(&query, "filter_saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let page = page(&state, &web, &query, refused, FormState::default()).await?;
            layout::render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn delete_filter(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    customers::delete_saved_filter(&state.db, &web.actor, parse_id(&id)?).await?;
    Ok(see_other("/customers", "deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_view_keeps_its_filters_and_drops_unknown_sorts_and_parameters() {
        let shown = Shown::of(&query(&[("q", " 华为 "), ("status", "active"), ("sort", "drop table"), ("x", "1")]));
        assert_eq!(shown.sort, "-created_at");
        assert_eq!(shown.query(), "q=%E5%8D%8E%E4%B8%BA&status=active");
        assert!(!shown.more());
        let shown = Shown::of(&query(&[("tag", "VIP"), ("sort", "name")]));
        assert_eq!(shown.query(), "tag=VIP&sort=name");
        assert!(shown.more());
    }

    #[test]
    fn the_list_a_form_came_from_is_read_back_without_its_page() {
        let back = list_query(vec![("q".into(), "华".into()), ("cursor".into(), "abc".into())]);
        assert_eq!(back.get("q"), "华");
        assert_eq!(back.get("cursor"), "");
    }
}
