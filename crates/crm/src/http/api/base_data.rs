//! API of base data: dictionary entries, number sequences, products, inventory.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::Module;
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{
    DictionaryEntry, DictionaryEntryInput, DictionaryEntryPatchInput, InventoryInput, InventoryItem,
    InventoryPatchInput, NumberSequence, NumberSequencePatchInput, Product, ProductInput, ProductPatchInput,
};

use crm_core::listing::ListRequest;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{
    ApiActor, ApiJson, Created, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, parse_id,
};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dictionary_entries, create_dictionary_entry))
        .routes(routes!(show_dictionary_entry, update_dictionary_entry, delete_dictionary_entry))
        .routes(routes!(list_number_sequences))
        .routes(routes!(show_number_sequence, update_number_sequence))
        .routes(routes!(list_products, create_product))
        .routes(routes!(show_product, update_product, delete_product))
        .routes(routes!(list_inventory, create_inventory_item))
        .routes(routes!(show_inventory_item, update_inventory_item, delete_inventory_item))
}

// ---- dictionary ---------------------------------------------------------------------------

/// Filters: `kind`, `parent_id`, `top_level`, `code`, `label`, `enabled`, `editable`; sorts: `position`, `label`.
#[utoipa::path(get, path = "/dictionary-entries", tag = "dictionary",
    responses((status = 200, body = Vec<DictionaryEntry>)))]
pub async fn list_dictionary_entries(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<DictionaryEntry>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { base_data::list_dictionary_entries(db, actor, &r).await };
    ListResponse::of(actor, Module::Dictionary, "dictionary-entries", req, format, fetch).await
}

#[utoipa::path(post, path = "/dictionary-entries", tag = "dictionary", request_body = DictionaryEntryInput,
    responses((status = 201, body = DictionaryEntry), (status = 409), (status = 422)))]
pub async fn create_dictionary_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<DictionaryEntryInput>,
) -> Result<impl IntoResponse> {
    let e = base_data::create_dictionary_entry(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/dictionary-entries/{}", e.id), e))
}

#[utoipa::path(get, path = "/dictionary-entries/{id}", tag = "dictionary",
    responses((status = 200, body = DictionaryEntry), (status = 404)))]
pub async fn show_dictionary_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let e = base_data::get_dictionary_entry(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(e))
}

/// A locked (`editable: false`) entry only takes `position` and `enabled`; other changes are 409.
#[utoipa::path(patch, path = "/dictionary-entries/{id}", tag = "dictionary", request_body = DictionaryEntryPatchInput,
    responses((status = 200, body = DictionaryEntry), (status = 409), (status = 412), (status = 422)))]
pub async fn update_dictionary_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<DictionaryEntryPatchInput>,
) -> Result<impl IntoResponse> {
    let e = base_data::update_dictionary_entry(&state.db, &actor, parse_id(&id)?, version, input).await?;
    Ok(Tagged::of(e))
}

/// Entries in use or locked cannot be deleted (409); disable them instead.
#[utoipa::path(delete, path = "/dictionary-entries/{id}", tag = "dictionary",
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_dictionary_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    base_data::delete_dictionary_entry(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- number sequences ---------------------------------------------------------------------

#[utoipa::path(get, path = "/number-sequences", tag = "number-sequences",
    responses((status = 200, body = Vec<NumberSequence>)))]
pub async fn list_number_sequences(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<NumberSequence>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { base_data::list_number_sequences(db, actor, &r).await };
    ListResponse::of(actor, Module::Dictionary, "number-sequences", req, format, fetch).await
}

#[utoipa::path(get, path = "/number-sequences/{kind}", tag = "number-sequences",
    responses((status = 200, body = NumberSequence), (status = 404)))]
pub async fn show_number_sequence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(kind): Path<String>,
) -> Result<impl IntoResponse> {
    let s = base_data::get_number_sequence(&state.db, &actor, &kind).await?;
    Ok(Tagged::of(s))
}

/// Changes a numbering rule; it applies from the next number taken.
#[utoipa::path(patch, path = "/number-sequences/{kind}", tag = "number-sequences",
    request_body = NumberSequencePatchInput,
    responses((status = 200, body = NumberSequence), (status = 404), (status = 412), (status = 422)))]
pub async fn update_number_sequence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(kind): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<NumberSequencePatchInput>,
) -> Result<impl IntoResponse> {
    let s = base_data::update_number_sequence(&state.db, &actor, &kind, version, input).await?;
    Ok(Tagged::of(s))
}

// ---- products -----------------------------------------------------------------------------

/// Filters: `name`, `model`, `unit`, `batch`, `currency`, `enabled`; sorts: `name`, `model`, `price`, `created_at`.
#[utoipa::path(get, path = "/products", tag = "products", responses((status = 200, body = Vec<Product>)))]
pub async fn list_products(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Product>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { base_data::list_products(db, actor, &r).await };
    ListResponse::of(actor, Module::Products, "products", req, format, fetch).await
}

#[utoipa::path(post, path = "/products", tag = "products", request_body = ProductInput,
    responses((status = 201, body = Product), (status = 409), (status = 422)))]
pub async fn create_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<impl IntoResponse> {
    let p = base_data::create_product(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/products/{}", p.id), p))
}

#[utoipa::path(get, path = "/products/{id}", tag = "products", responses((status = 200, body = Product), (status = 404)))]
pub async fn show_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let p = base_data::get_product(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(p))
}

#[utoipa::path(patch, path = "/products/{id}", tag = "products", request_body = ProductPatchInput,
    responses((status = 200, body = Product), (status = 409), (status = 412), (status = 422)))]
pub async fn update_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ProductPatchInput>,
) -> Result<impl IntoResponse> {
    let p = base_data::update_product(&state.db, &actor, parse_id(&id)?, version, input).await?;
    Ok(Tagged::of(p))
}

/// A product with stock or orders cannot be deleted (409); disable it instead.
#[utoipa::path(delete, path = "/products/{id}", tag = "products", responses((status = 204), (status = 409)))]
pub async fn delete_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    base_data::delete_product(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- inventory ----------------------------------------------------------------------------

/// Stock of the caller's divisions. Filters: `product_id`, `division_id`, `warehouse`, `location`;
/// sorts: `warehouse`, `location`, `product_name`, `quantity`, `created_at`.
#[utoipa::path(get, path = "/inventory", tag = "inventory", responses((status = 200, body = Vec<InventoryItem>)))]
pub async fn list_inventory(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<InventoryItem>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { base_data::list_inventory(db, actor, &r).await };
    ListResponse::of(actor, Module::Inventory, "inventory", req, format, fetch).await
}

#[utoipa::path(post, path = "/inventory", tag = "inventory", request_body = InventoryInput,
    responses((status = 201, body = InventoryItem), (status = 409), (status = 422)))]
pub async fn create_inventory_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<InventoryInput>,
) -> Result<impl IntoResponse> {
    let i = base_data::create_inventory_item(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/inventory/{}", i.id), i))
}

#[utoipa::path(get, path = "/inventory/{id}", tag = "inventory",
    responses((status = 200, body = InventoryItem), (status = 404)))]
pub async fn show_inventory_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let i = base_data::get_inventory_item(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(i))
}

#[utoipa::path(patch, path = "/inventory/{id}", tag = "inventory", request_body = InventoryPatchInput,
    responses((status = 200, body = InventoryItem), (status = 404), (status = 409), (status = 412), (status = 422)))]
pub async fn update_inventory_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<InventoryPatchInput>,
) -> Result<impl IntoResponse> {
    let i = base_data::update_inventory_item(&state.db, &actor, parse_id(&id)?, version, input).await?;
    Ok(Tagged::of(i))
}

#[utoipa::path(delete, path = "/inventory/{id}", tag = "inventory", responses((status = 204), (status = 404)))]
pub async fn delete_inventory_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    base_data::delete_inventory_item(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
