//! Product pages (产品, SAL-6): the price list, create, edit, delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use crm_core::access::{Action, Module};
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{DEFAULT_CURRENCY, Product, ProductInput, ProductPatchInput};
use crm_core::money::format_units;
use crm_core::patch::Patch;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Layout, Pager, deleted, list_request, see_other};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "base_data/products.html")]
struct ListPage {
    l: Layout,
    products: Vec<Product>,
    q: String,
    status: String,
    pager: Pager,
    can_create: bool,
    can_see_stock: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, status, cursor) = (query.get("q"), query.get("status"), query.get("cursor"));
    let enabled = match status {
        "enabled" => "true",
        "disabled" => "false",
        _ => "",
    };
    let page =
        base_data::list_products(&state.db, &web.actor, &list_request(q, cursor, &[("enabled", enabled)])?).await?;
    layout::ok(&ListPage {
        l: Layout::new(&web, "products-title"),
        pager: Pager::new("/products", &[("q", q), ("status", status)], cursor, page.next_cursor.as_deref()),
        products: page.items,
        q: q.to_string(),
        status: status.to_string(),
        can_create: web.actor.can(Module::Products, Action::Create),
        can_see_stock: web.actor.can(Module::Inventory, Action::View),
    })
}

#[derive(Template)]
#[template(path = "base_data/product_form.html")]
struct FormPage {
    l: Layout,
    product: Option<Product>,
    record_path: String,
    form: FormState,
    can_edit: bool,
    can_delete: bool,
    can_see_stock: bool,
}

impl FormPage {
    fn new(web: &WebUser, product: Option<Product>, form: FormState) -> Self {
        let (title, right) =
            if product.is_some() { ("products-edit", Action::Edit) } else { ("products-new", Action::Create) };
        Self {
            l: Layout::new(web, title),
            record_path: product.as_ref().map_or_else(|| "/products".to_string(), |p| format!("/products/{}", p.id)),
            can_edit: web.actor.can(Module::Products, right),
            can_delete: product.is_some() && web.actor.can(Module::Products, Action::Delete),
            can_see_stock: web.actor.can(Module::Inventory, Action::View),
            product,
            form,
        }
    }
}

fn values_of(p: &Product) -> FormState {
    let mut values = vec![
        ("name".to_string(), p.name.clone()),
        ("model".to_string(), p.model.clone().unwrap_or_default()),
        ("unit".to_string(), p.unit.clone().unwrap_or_default()),
        ("price".to_string(), format_units(p.price)),
        ("cost".to_string(), p.cost.map(format_units).unwrap_or_default()),
        ("currency".to_string(), p.currency.clone()),
        ("batch".to_string(), p.batch.clone().unwrap_or_default()),
        ("version".to_string(), p.version.to_string()),
    ];
    if p.enabled {
        values.push(("enabled".to_string(), "true".to_string()));
    }
    FormState::new(values)
}

pub async fn new(web: WebUser) -> Result<Response, AppError> {
    let form = FormState::new(vec![("currency".into(), DEFAULT_CURRENCY.into()), ("enabled".into(), "true".into())]);
    layout::ok(&FormPage::new(&web, None, form))
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let input = ProductInput {
        name: form.get("name").to_string(),
        model: Some(form.get("model").to_string()),
        unit: Some(form.get("unit").to_string()),
        price: Some(form.get("price").to_string()),
        cost: Some(form.get("cost").to_string()),
        // Blank is the default currency, as in the API.
        currency: Some(form.get("currency").trim().to_string()).filter(|c| !c.is_empty()),
        batch: Some(form.get("batch").to_string()),
        enabled: Some(form.opt("enabled").is_some()),
    };
    match base_data::create_product(&state.db, &web.actor, input).await {
        Ok(_) => Ok(see_other("/products", "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&web, None, refused))
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let product = base_data::get_product(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = values_of(&product);
    layout::ok(&FormPage::new(&web, Some(product), form))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let price = form.get("price").trim();
    let input = ProductPatchInput {
        name: Some(form.get("name").to_string()),
        model: Patch::Set(form.get("model").to_string()),
        unit: Patch::Set(form.get("unit").to_string()),
        // A blank price is free, as when creating.
        price: Some(if price.is_empty() { "0".to_string() } else { price.to_string() }),
        cost: Patch::Set(form.get("cost").to_string()),
        currency: Some(form.get("currency").to_string()),
        batch: Patch::Set(form.get("batch").to_string()),
        enabled: Some(form.opt("enabled").is_some()),
    };
    match base_data::update_product(&state.db, &web.actor, id, form.version(), input).await {
        Ok(_) => Ok(see_other("/products", "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let product = base_data::get_product(&state.db, &web.actor, id).await?;
            layout::invalid(&FormPage::new(&web, Some(product), refused))
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    deleted(base_data::delete_product(&state.db, &web.actor, id).await, "/products", &format!("/products/{id}"))
}
