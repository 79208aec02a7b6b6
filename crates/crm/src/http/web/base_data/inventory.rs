//! Stock pages (库存, SAL-6): quantities of products by warehouse and location, in the
//! divisions the user may see.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use crm_core::Error;
use crm_core::access::actions as access;
use crm_core::access::{Action, Module};
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{InventoryInput, InventoryItem, InventoryPatchInput, Product};
use crm_core::money::format_units;
use crm_core::patch::Patch;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, deleted, everything, list_request, see_other};
use crate::http::web::session::WebUser;

/// The divisions the user may see, by id and name; ids alone for a user who may not list them.
async fn divisions(state: &AppState, web: &WebUser) -> Result<Vec<Choice>, AppError> {
    match access::list_divisions(&state.db, &web.actor, &everything()).await {
        Ok(page) => Ok(page.items.into_iter().map(|d| Choice::new(d.id.to_string(), d.name)).collect()),
        Err(Error::Forbidden(_)) => {
            Ok(web.actor.division_ids.iter().map(|id| Choice::new(id.to_string(), id.to_string())).collect())
        }
        Err(e) => Err(e.into()),
    }
}

fn name_of(choices: &[Choice], id: &uuid::Uuid) -> String {
    let id = id.to_string();
    choices.iter().find(|c| c.value == id).map_or(id, |c| c.label.clone())
}

pub struct Row {
    pub item: InventoryItem,
    pub division: String,
}

#[derive(Template)]
#[template(path = "base_data/inventory.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    q: String,
    /// The product whose stock is listed, if the list is narrowed to one.
    product: Option<Product>,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, cursor) = (query.get("q"), query.get("cursor"));
    let product = match uuid::Uuid::parse_str(query.get("product_id")) {
        Ok(id) => Some(base_data::get_product(&state.db, &web.actor, id).await?),
        Err(_) => None,
    };
    let product_id = product.as_ref().map(|p| p.id.to_string()).unwrap_or_default();
    let filters = [("product_id", product_id.as_str())];
    let page = base_data::list_inventory(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    let names = divisions(&state, &web).await?;
    let rows = page.items.into_iter().map(|item| Row { division: name_of(&names, &item.division_id), item }).collect();
    layout::ok(&ListPage {
        l: Layout::new(&web, "inventory-title"),
        rows,
        q: q.to_string(),
        pager: Pager::new("/inventory", &[("q", q), ("product_id", &product_id)], cursor, page.next_cursor.as_deref()),
        product,
        can_create: web.actor.can(Module::Inventory, Action::Create),
    })
}

#[derive(Template)]
#[template(path = "base_data/inventory_form.html")]
struct FormPage {
    l: Layout,
    item: Option<InventoryItem>,
    /// The division of the item being edited, by name.
    division: String,
    record_path: String,
    products: Vec<Choice>,
    divisions: Vec<Choice>,
    form: FormState,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    async fn build(
        state: &AppState,
        web: &WebUser,
        item: Option<InventoryItem>,
        form: FormState,
    ) -> Result<Self, AppError> {
        let divisions = divisions(state, web).await?;
        // Products are chosen only when stock is added; an edit keeps its product.
        let products = if item.is_none() {
            let page = base_data::list_products(&state.db, &web.actor, &everything()).await?;
            page.items
                .into_iter()
                .filter(|p| p.enabled)
                .map(|p| {
                    let label = match &p.model {
                        Some(model) => format!("{} · {model}", p.name),
                        None => p.name.clone(),
                    };
                    Choice::new(p.id.to_string(), label)
                })
                .collect()
        } else {
            Vec::new()
        };
        let (title, right) =
            if item.is_some() { ("inventory-edit", Action::Edit) } else { ("inventory-new", Action::Create) };
        Ok(Self {
            l: Layout::new(web, title),
            division: item.as_ref().map(|i| name_of(&divisions, &i.division_id)).unwrap_or_default(),
            record_path: item.as_ref().map_or_else(|| "/inventory".to_string(), |i| format!("/inventory/{}", i.id)),
            products,
            divisions,
            can_edit: web.actor.can(Module::Inventory, right),
            can_delete: item.is_some() && web.actor.can(Module::Inventory, Action::Delete),
            item,
            form,
        })
    }
}

fn values_of(i: &InventoryItem) -> FormState {
    FormState::new(vec![
        ("warehouse".into(), i.warehouse.clone()),
        ("location".into(), i.location.clone().unwrap_or_default()),
        ("quantity".into(), format_units(i.quantity)),
        ("notes".into(), i.notes.clone().unwrap_or_default()),
        ("version".into(), i.version.to_string()),
    ])
}

/// An id chosen in a select; a mangled one is a message beside the field.
fn chosen_id(form: &FormData, field: &str) -> Result<Option<uuid::Uuid>, Error> {
    match form.get(field) {
        "" => Ok(None),
        text => uuid::Uuid::parse_str(text).map(Some).map_err(|_| Error::invalid(field, "invalid_id")),
    }
}

pub async fn new(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let division = match web.actor.division_ids.as_slice() {
        [only] => only.to_string(),
        _ => String::new(),
    };
    let form =
        FormState::new(vec![("product_id".into(), query.get("product_id").into()), ("division_id".into(), division)]);
    layout::ok(&FormPage::build(&state, &web, None, form).await?)
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let ids = chosen_id(&form, "product_id").and_then(|p| Ok((p, chosen_id(&form, "division_id")?)));
    let result = match ids {
        Ok((product_id, division_id)) => {
            let input = InventoryInput {
                product_id,
                division_id,
                warehouse: form.get("warehouse").to_string(),
                location: Some(form.get("location").to_string()),
                quantity: Some(form.get("quantity").to_string()),
                notes: Some(form.get("notes").to_string()),
            };
            base_data::create_inventory_item(&state.db, &web.actor, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/inventory", "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::build(&state, &web, None, refused).await?)
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let item = base_data::get_inventory_item(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = values_of(&item);
    layout::ok(&FormPage::build(&state, &web, Some(item), form).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let quantity = form.get("quantity").trim();
    let input = InventoryPatchInput {
        warehouse: Some(form.get("warehouse").to_string()),
        location: Patch::Set(form.get("location").to_string()),
        quantity: Some(if quantity.is_empty() { "0".to_string() } else { quantity.to_string() }),
        notes: Patch::Set(form.get("notes").to_string()),
    };
    match base_data::update_inventory_item(&state.db, &web.actor, id, form.version(), input).await {
        Ok(_) => Ok(see_other("/inventory", "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let item = base_data::get_inventory_item(&state.db, &web.actor, id).await?;
            layout::invalid(&FormPage::build(&state, &web, Some(item), refused).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    deleted(
        base_data::delete_inventory_item(&state.db, &web.actor, id).await,
        "/inventory",
        &format!("/inventory/{id}"),
    )
}
