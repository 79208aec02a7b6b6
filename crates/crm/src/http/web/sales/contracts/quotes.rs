//! The quote editor (报价, SAL-7): lines of product, quantity, price, discount and tax whose
//! totals a small script shows while typing (`quotes.js`); the figures that count are the
//! ones the use case computes, shown once saved. Sending, the customer's answer, the
//! contract made from an accepted quote, the versions, and the printable page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::base_data::DEFAULT_CURRENCY;
use crm_core::customers::Customer;
use crm_core::customers::actions as customers;
use crm_core::listing::{ListParams, ListRequest, MAX_LIMIT};
use crm_core::money::{format_units, from_units};
use crm_core::patch::Patch;
use crm_core::sales::contracts::actions as sales;
use crm_core::sales::contracts::{
    FromQuoteInput, PriceLineInput, Quote, QuoteInput, QuotePatchInput, QuoteRevision, QuoteStatus, QuoteStep,
    check_editable,
};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::customers::code_choices;
use crate::http::web::customers::orders::{ProductChoice, products};
use crate::http::web::forms::{FormData, FormState, Posted, line_product};
use crate::http::web::layout::{self, Choice, Layout, Pager, list_request, see_other, time_zone};
use crate::http::web::session::WebUser;

/// Blank rows the editor offers for new lines, for browsers without the script.
const BLANK_LINES: usize = 2;

#[derive(Template)]
#[template(path = "sales/contracts/quotes.html")]
struct ListPage {
    l: Layout,
    quotes: Vec<Quote>,
    q: String,
    status: String,
    statuses: Vec<Choice>,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, status, cursor) = (query.get("q"), query.get("status"), query.get("cursor"));
    let filters = [("status", status), ("customer_id", query.get("customer_id"))];
    let page = sales::list_quotes(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    layout::ok(&ListPage {
        l: Layout::new(&web, "quotes-title"),
        pager: Pager::new("/quotes", &[("q", q), filters[0], filters[1]], cursor, page.next_cursor.as_deref()),
        quotes: page.items,
        q: q.to_string(),
        status: status.to_string(),
        statuses: code_choices(web.lang, "quote-status", QuoteStatus::ALL.iter().map(|s| s.code())),
        can_create: web.actor.can(Module::Sales, Action::Create),
    })
}

/// One line of the editor as typed, and its total as the use case computed it once saved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub product_id: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax_rate: String,
    pub total: Option<i64>,
}

impl LineRow {
    /// The decimal inputs of the row: (field, value, placeholder).
    fn number_cells(&self) -> [(&'static str, &str, &'static str); 4] {
        [
            ("quantity", &self.quantity, "1"),
            ("unit_price", &self.unit_price, ""),
            ("discount", &self.discount, "0"),
            ("tax_rate", &self.tax_rate, "0"),
        ]
    }
}

/// The lines as typed; a blank row is no line.
fn typed_lines(form: &FormData) -> Vec<LineRow> {
    form.rows(["product_id", "description", "quantity", "unit_price", "discount", "tax_rate"])
        .into_iter()
        .map(|[product_id, description, quantity, unit_price, discount, tax_rate]| LineRow {
            product_id,
            description,
            quantity,
            unit_price,
            discount,
            tax_rate,
            total: None,
        })
        .collect()
}

fn line_inputs(lines: &[LineRow]) -> Result<Vec<PriceLineInput>, Error> {
    let mut errors = Vec::new();
    let inputs = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let product_id = line_product(i, &line.product_id, &mut errors);
            PriceLineInput {
                product_id,
                description: Some(line.description.clone()),
                quantity: line.quantity.clone(),
                unit_price: line.unit_price.clone(),
                discount: line.discount.clone(),
                tax_rate: line.tax_rate.clone(),
            }
        })
        .collect();
    if errors.is_empty() { Ok(inputs) } else { Err(Error::Invalid(errors)) }
}

/// A rate or quantity as typed again: `13`, `2.5`.
fn plain(units: i64) -> String {
    from_units(units).normalize().to_string()
}

fn rows_of(quote: &Quote) -> Vec<LineRow> {
    quote
        .lines
        .iter()
        .map(|line| LineRow {
            product_id: line.product_id.map(|id| id.to_string()).unwrap_or_default(),
            description: line.description.clone().unwrap_or_default(),
            quantity: plain(line.quantity),
            unit_price: format_units(line.unit_price),
            discount: plain(line.discount),
            tax_rate: plain(line.tax_rate),
            total: Some(line.total),
        })
        .collect()
}

fn values_of(q: &Quote) -> FormState {
    FormState::new(vec![
        ("title".into(), q.title.clone()),
        ("summary".into(), q.summary.clone().unwrap_or_default()),
        ("currency".into(), q.currency.clone()),
        ("valid_until".into(), q.valid_until.map(|d| d.to_string()).unwrap_or_default()),
        ("version".into(), q.version.to_string()),
    ])
}

#[derive(Template)]
#[template(path = "sales/contracts/quote.html")]
struct EditorPage {
    l: Layout,
    quote: Option<Quote>,
    customers: Vec<Choice>,
    record_path: String,
    form: FormState,
    lines: Vec<LineRow>,
    products: Vec<ProductChoice>,
    versions: Vec<QuoteRevision>,
    contract_form: FormState,
    can_edit: bool,
    can_approve: bool,
    can_contract: bool,
}

impl EditorPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        quote: Option<Quote>,
        form: FormState,
        mut lines: Vec<LineRow>,
        contract_form: FormState,
    ) -> Result<Self, AppError> {
        let (title, right) =
            if quote.is_some() { ("quotes-edit", Action::Edit) } else { ("quotes-new", Action::Create) };
        let editable = quote.as_ref().is_none_or(|q| check_editable(q).is_ok());
        let mut products = products(state, web).await?;
        for line in &lines {
            if !line.product_id.is_empty() && !products.iter().any(|p| p.value == line.product_id) {
                let label =
                    if line.description.is_empty() { line.product_id.clone() } else { line.description.clone() };
                products.push(ProductChoice { value: line.product_id.clone(), label, price: String::new() });
            }
        }
        if editable {
            lines.extend(std::iter::repeat_n(LineRow::default(), BLANK_LINES));
        }
        let (versions, customers) = match &quote {
            Some(q) => (sales::quote_revisions(&state.db, &web.actor, q.id).await?, Vec::new()),
            None => (Vec::new(), customer_choices(state, web).await?),
        };
        Ok(Self {
            l: Layout::new(web, title).with_fields("quote"),
            record_path: quote.as_ref().map_or_else(|| "/quotes".to_string(), |q| format!("/quotes/{}", q.id)),
            can_edit: editable && web.actor.can(Module::Sales, right),
            can_approve: web.actor.can(Module::Sales, Action::Approve),
            can_contract: web.actor.can(Module::Sales, Action::Create),
            quote,
            customers,
            form,
            lines,
            products,
            versions,
            contract_form,
        })
    }

    fn line_label(&self, index: &usize, field: &str) -> String {
        self.l.label(&format!("lines[{index}].{field}"))
    }

    fn line_error(&self, index: &usize, field: &str) -> Option<String> {
        self.form.error(&format!("lines[{index}].{field}"))
    }

    fn status_is(&self, code: &str) -> bool {
        self.quote.as_ref().is_some_and(|q| q.status.code() == code)
    }

    /// The rows of sums below the lines: (script hook, label field, saved amount).
    fn totals(&self) -> [(&'static str, &'static str, Option<i64>); 4] {
        let q = self.quote.as_ref();
        [
            ("subtotal", "subtotal", q.map(|q| q.subtotal)),
            ("discount", "discount_amount", q.map(|q| q.discount)),
            ("tax", "tax", q.map(|q| q.tax)),
            ("total", "total", q.map(|q| q.total)),
        ]
    }
}

/// The customers the user may quote for, by name.
async fn customer_choices(state: &AppState, web: &WebUser) -> Result<Vec<Choice>, AppError> {
    let params = ListParams { limit: Some(MAX_LIMIT.to_string()), sort: Some("name".into()), ..Default::default() };
    let page = customers::list_customers(&state.db, &web.actor, &ListRequest::parse(params, Vec::new())?).await?;
    Ok(page.items.into_iter().map(|c: Customer| Choice::new(c.id.to_string(), c.name)).collect())
}

pub async fn new(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let customer_id = FormData(query).get("customer_id").to_string();
    let form = FormState::new(vec![("currency".into(), DEFAULT_CURRENCY.into()), ("customer_id".into(), customer_id)]);
    let page = EditorPage::new(&state, &web, None, form, vec![LineRow::default()], FormState::default());
    layout::ok(&page.await?)
}

fn optional(form: &FormData, name: &str) -> Option<String> {
    Some(form.get(name).trim().to_string())
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let lines = typed_lines(&form);
    let customer_id = form.id("customer_id");
    let result = match (line_inputs(&lines), customer_id) {
        (Ok(inputs), Ok(customer_id)) => {
            let input = QuoteInput {
                customer_id,
                title: form.get("title").to_string(),
                summary: optional(&form, "summary"),
                currency: Some(form.get("currency").trim().to_string()).filter(|c| !c.is_empty()),
                valid_until: optional(&form, "valid_until"),
                lines: inputs,
            };
            sales::create_quote(&state.db, &web.actor, input).await
        }
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(q) => Ok(see_other(&format!("/quotes/{}", q.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let page = EditorPage::new(&state, &web, None, refused, lines, FormState::default());
            layout::invalid(&page.await?)
        }
    }
}

pub async fn show(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let quote = sales::get_quote(&state.db, &web.actor, parse_id(&id)?).await?;
    let (form, lines) = (values_of(&quote), rows_of(&quote));
    let today = Utc::now().with_timezone(&time_zone(&web.actor.time_zone)).date_naive();
    let contract_form = FormState::new(vec![("starts_on".into(), today.to_string())]);
    layout::ok(&EditorPage::new(&state, &web, Some(quote), form, lines, contract_form).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let quote = sales::get_quote(&state.db, &web.actor, parse_id(&id)?).await?;
    let lines = typed_lines(&form);
    let result = match line_inputs(&lines) {
        Ok(inputs) => {
            let patch = QuotePatchInput {
                title: Some(form.get("title").to_string()),
                summary: Patch::Set(form.get("summary").to_string()),
                currency: Some(form.get("currency").to_string()),
                valid_until: Patch::Set(form.get("valid_until").to_string()),
                lines: Some(inputs),
            };
            sales::update_quote(&state.db, &web.actor, quote.id, form.version(), patch).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => Ok(see_other(&format!("/quotes/{}", saved.id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let page = EditorPage::new(&state, &web, Some(quote), refused, lines, FormState::default());
            layout::invalid(&page.await?)
        }
    }
}

async fn step(state: &AppState, web: &WebUser, id: &str, step: QuoteStep) -> Result<Response, AppError> {
    let q = sales::step_quote(&state.db, &web.actor, parse_id(id)?, None, step).await?;
    Ok(see_other(&format!("/quotes/{}", q.id), "saved"))
}

pub async fn send(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    step(&state, &web, &id, QuoteStep::Send).await
}

pub async fn accept(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    step(&state, &web, &id, QuoteStep::Accept).await
}

pub async fn reject(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    step(&state, &web, &id, QuoteStep::Reject).await
}

pub async fn contract(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let quote = sales::get_quote(&state.db, &web.actor, parse_id(&id)?).await?;
    let input = FromQuoteInput {
        title: None,
        signed_on: optional(&form, "signed_on"),
        starts_on: form.get("starts_on").to_string(),
        ends_on: form.get("ends_on").to_string(),
        reminder_days: None,
        notes: None,
    };
    match sales::contract_from_quote(&state.db, &web.actor, quote.id, input).await {
        Ok(c) => Ok(see_other(&format!("/contracts/{}", c.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let (values, lines) = (values_of(&quote), rows_of(&quote));
            layout::invalid(&EditorPage::new(&state, &web, Some(quote), values, lines, refused).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "sales/contracts/quote_print.html")]
struct PrintPage {
    l: Layout,
    quote: Quote,
    printed_on: String,
}

/// The quote as the customer receives it, to print or save as PDF from the browser.
pub async fn print(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let quote = sales::get_quote(&state.db, &web.actor, parse_id(&id)?).await?;
    let printed_on = Utc::now().with_timezone(&time_zone(&web.actor.time_zone)).date_naive().to_string();
    layout::ok(&PrintPage { l: Layout::new(&web, "quotes-print").with_fields("quote"), quote, printed_on })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_columns_of_a_row_stay_together_and_blank_rows_are_dropped() {
        let form = FormData(
            [
                ("product_id", ""),
                ("description", "安装"),
                ("quantity", "3"),
                ("unit_price", "0.10"),
                ("discount", "5"),
                ("tax_rate", "13"),
                ("product_id", ""),
                ("description", ""),
                ("quantity", ""),
                ("unit_price", ""),
                ("discount", ""),
                ("tax_rate", ""),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        let lines = typed_lines(&form);
        assert_eq!(lines.len(), 1);
        assert_eq!((lines[0].discount.as_str(), lines[0].tax_rate.as_str()), ("5", "13"));
    }
}
