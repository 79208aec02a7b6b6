//! The order form (历史订单, CUS-4): lines of product, quantity and unit price. The page may
//! show a running total while typing; the amounts and the total that count are the ones the
//! use case computes, shown once the order is saved.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::base_data::DEFAULT_CURRENCY;
use crm_core::base_data::actions as base_data;
use crm_core::customers::actions as customers;
use crm_core::customers::{Customer, Order, OrderInput, OrderLineInput, OrderPatchInput, OrderStatus};
use crm_core::listing::{ListParams, ListRequest, MAX_LIMIT};
use crm_core::money::format_units;
use crm_core::patch::Patch;

use super::code_choices;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted, line_product};
use crate::http::web::layout::{self, Choice, Layout, deleted, see_other, time_zone};
use crate::http::web::session::WebUser;

/// Blank rows the form offers for new lines, for browsers without the script that adds rows.
const BLANK_LINES: usize = 2;

/// A product to choose on a line, with its list price for the script to fill in.
pub struct ProductChoice {
    pub value: String,
    pub label: String,
    pub price: String,
}

/// One line of the form as typed, and its amount as the use case computed it once saved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub product_id: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: Option<i64>,
}

#[derive(Template)]
#[template(path = "customers/order_form.html")]
struct FormPage {
    l: Layout,
    customer: Customer,
    order: Option<Order>,
    record_path: String,
    form: FormState,
    lines: Vec<LineRow>,
    products: Vec<ProductChoice>,
    statuses: Vec<Choice>,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        customer: Customer,
        order: Option<Order>,
        form: FormState,
        mut lines: Vec<LineRow>,
    ) -> Result<Self, AppError> {
        let (title, right) =
            if order.is_some() { ("orders-edit", Action::Edit) } else { ("orders-new", Action::Create) };
        let mut products = products(state, web).await?;
        // A product no longer on sale stays on the lines that have it.
        for line in &lines {
            if !line.product_id.is_empty() && !products.iter().any(|p| p.value == line.product_id) {
                let label =
                    if line.description.is_empty() { line.product_id.clone() } else { line.description.clone() };
                products.push(ProductChoice { value: line.product_id.clone(), label, price: String::new() });
            }
        }
        lines.extend(std::iter::repeat_n(LineRow::default(), BLANK_LINES));
        Ok(Self {
            l: Layout::new(web, title).with_fields("order"),
            record_path: order
                .as_ref()
                .map_or_else(|| format!("/customers/{}/orders", customer.id), |o| format!("/orders/{}", o.id)),
            statuses: code_choices(web.lang, "order-status", OrderStatus::ALL.iter().map(|s| s.code())),
            can_edit: web.actor.can(Module::Sales, right),
            can_delete: order.is_some() && web.actor.can(Module::Sales, Action::Delete),
            products,
            customer,
            order,
            form,
            lines,
        })
    }

    /// The name of one field of one line, for those who cannot see the table's head.
    fn line_label(&self, index: &usize, field: &str) -> String {
        self.l.label(&format!("lines[{index}].{field}"))
    }

    /// The message for one field of one line, e.g. its quantity.
    fn line_error(&self, index: &usize, field: &str) -> Option<String> {
        self.form.error(&format!("lines[{index}].{field}"))
    }

    fn total(&self) -> Option<String> {
        self.order.as_ref().map(|o| self.l.amount(&o.total, &o.currency))
    }
}

/// Products on sale, for the lines' selects; none for a user who may not read products,
/// who then describes each line in words.
pub(crate) async fn products(state: &AppState, web: &WebUser) -> Result<Vec<ProductChoice>, AppError> {
    let params = ListParams { limit: Some(MAX_LIMIT.to_string()), sort: Some("name".into()), ..Default::default() };
    let req = ListRequest::parse(params, vec![("enabled".into(), "true".into())])?;
    match base_data::list_products(&state.db, &web.actor, &req).await {
        Ok(page) => Ok(page
            .items
            .into_iter()
            .map(|p| ProductChoice {
                value: p.id.to_string(),
                label: match &p.model {
                    Some(model) => format!("{} {model}", p.name),
                    None => p.name.clone(),
                },
                price: format_units(p.price),
            })
            .collect()),
        Err(Error::Forbidden(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// The lines as typed; a blank row is no line.
fn typed_lines(form: &FormData) -> Vec<LineRow> {
    form.rows(["product_id", "description", "quantity", "unit_price"])
        .into_iter()
        .map(|[product_id, description, quantity, unit_price]| LineRow {
            product_id,
            description,
            quantity,
            unit_price,
            amount: None,
        })
        .collect()
}

fn line_inputs(lines: &[LineRow]) -> Result<Vec<OrderLineInput>, Error> {
    let mut errors = Vec::new();
    let inputs = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let product_id = line_product(i, &line.product_id, &mut errors);
            OrderLineInput {
                product_id,
                description: Some(line.description.clone()),
                quantity: line.quantity.clone(),
                unit_price: line.unit_price.clone(),
            }
        })
        .collect();
    if errors.is_empty() { Ok(inputs) } else { Err(Error::Invalid(errors)) }
}

fn rows_of(order: &Order) -> Vec<LineRow> {
    order
        .lines
        .iter()
        .map(|line| LineRow {
            product_id: line.product_id.map(|id| id.to_string()).unwrap_or_default(),
            description: line.description.clone().unwrap_or_default(),
            quantity: crm_core::money::from_units(line.quantity).normalize().to_string(),
            unit_price: format_units(line.unit_price),
            amount: Some(line.amount),
        })
        .collect()
}

fn values_of(o: &Order) -> FormState {
    FormState::new(vec![
        ("order_date".to_string(), o.order_date.to_string()),
        ("currency".to_string(), o.currency.clone()),
        ("status".to_string(), o.status.code().to_string()),
        ("notes".to_string(), o.notes.clone().unwrap_or_default()),
        ("version".to_string(), o.version.to_string()),
    ])
}

fn back_to(customer_id: uuid::Uuid) -> String {
    format!("/customers/{customer_id}#orders")
}

pub async fn new(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(&id)?).await?;
    let today = Utc::now().with_timezone(&time_zone(&web.actor.time_zone)).date_naive();
    let form = FormState::new(vec![
        ("order_date".into(), today.to_string()),
        ("currency".into(), DEFAULT_CURRENCY.into()),
        ("status".into(), OrderStatus::Pending.code().into()),
    ]);
    layout::ok(&FormPage::new(&state, &web, customer, None, form, vec![LineRow::default()]).await?)
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(&id)?).await?;
    let lines = typed_lines(&form);
    let result = match line_inputs(&lines) {
        Ok(inputs) => {
            let input = OrderInput {
                customer_id: Some(customer.id),
                contract_id: None,
                order_date: form.get("order_date").to_string(),
                currency: Some(form.get("currency").trim().to_string()).filter(|c| !c.is_empty()),
                status: Some(form.get("status").to_string()),
                lines: inputs,
                notes: Some(form.get("notes").to_string()),
            };
            customers::create_order(&state.db, &web.actor, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&back_to(customer.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, customer, None, refused, lines).await?)
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let order = customers::get_order(&state.db, &web.actor, parse_id(&id)?).await?;
    let customer = customers::get_customer(&state.db, &web.actor, order.customer_id).await?;
    let (form, lines) = (values_of(&order), rows_of(&order));
    layout::ok(&FormPage::new(&state, &web, customer, Some(order), form, lines).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let order = customers::get_order(&state.db, &web.actor, parse_id(&id)?).await?;
    let lines = typed_lines(&form);
    let result = match line_inputs(&lines) {
        Ok(inputs) => {
            let patch = OrderPatchInput {
                order_date: Some(form.get("order_date").to_string()),
                currency: Some(form.get("currency").to_string()),
                status: Some(form.get("status").to_string()),
                lines: Some(inputs),
                notes: Patch::Set(form.get("notes").to_string()),
            };
            customers::update_order(&state.db, &web.actor, order.id, form.version(), patch).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => Ok(see_other(&back_to(saved.customer_id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let customer = customers::get_customer(&state.db, &web.actor, order.customer_id).await?;
            layout::invalid(&FormPage::new(&state, &web, customer, Some(order), refused, lines).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let order = customers::get_order(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = customers::delete_order(&state.db, &web.actor, order.id).await;
    deleted(result, &back_to(order.customer_id), &format!("/orders/{}", order.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn the_columns_of_a_row_stay_together_and_blank_rows_are_dropped() {
        let lines = typed_lines(&form(&[
            ("product_id", ""),
            ("description", "安装服务"),
            ("quantity", "3"),
            ("unit_price", "0.10"),
            ("product_id", ""),
            ("description", ""),
            ("quantity", ""),
            ("unit_price", ""),
            ("product_id", "x"),
            ("description", ""),
            ("quantity", ""),
            ("unit_price", "5"),
        ]));
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].description.as_str(), lines[0].quantity.as_str()), ("安装服务", "3"));
        let Err(Error::Invalid(errors)) = line_inputs(&lines) else { panic!("invalid") };
        assert_eq!(errors[0].field, "lines[1].product_id");
    }
}
