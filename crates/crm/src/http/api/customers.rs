//! API of the customers module: customers, contacts (with vCards), interactions, attachments,
//! orders, search and phone lookup, saved filters.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::Module;
use crm_core::customers::actions::{self as customers, AttachTo};
use crm_core::customers::{
    Assignment, AssignmentInput, Attachment, BulkInput, BulkResult, Contact, ContactInput, ContactPatchInput, Customer,
    CustomerExportRow, CustomerInput, CustomerPatchInput, Interaction, InteractionInput, InteractionPatchInput,
    MAX_ATTACHMENT_BYTES, MergeInput, Order, OrderInput, OrderPatchInput, OrgNode, Overview, PhoneLookup, SavedFilter,
    SavedFilterInput, SearchResults, Share, ShareInput,
};
use crm_core::listing::ListRequest;
use crm_core::{Error, FieldError};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{
    ApiActor, ApiJson, Created, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, parse_id,
};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    // Uploads carry files up to the attachment limit, which the core checks with a field error.
    let uploads = OpenApiRouter::new()
        .routes(routes!(list_customer_attachments, upload_customer_attachment))
        .routes(routes!(list_interaction_attachments, upload_interaction_attachment))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(bulk))
        .routes(routes!(show_customer, update_customer, delete_customer))
        .routes(routes!(merge_customer))
        .routes(routes!(assign_customer))
        .routes(routes!(list_assignments))
        .routes(routes!(list_shares, share_customer))
        .routes(routes!(unshare_customer))
        .routes(routes!(customer_contacts))
        .routes(routes!(customer_vcards))
        .routes(routes!(org_chart))
        .routes(routes!(overview))
        .routes(routes!(customer_audit))
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(show_contact, update_contact, delete_contact))
        .routes(routes!(list_interactions, create_interaction))
        .routes(routes!(show_interaction, update_interaction, delete_interaction))
        .routes(routes!(list_attachments))
        .routes(routes!(show_attachment, delete_attachment))
        .routes(routes!(download_attachment))
        .routes(routes!(list_orders, create_order))
        .routes(routes!(show_order, update_order, delete_order))
        .routes(routes!(search))
        .routes(routes!(lookup_phone))
        .routes(routes!(list_saved_filters, create_saved_filter))
        .routes(routes!(delete_saved_filter))
        .merge(uploads)
}

/// Whether a query parameter is set to `true` (or `1`).
pub(crate) fn flag(query: Option<&str>, name: &str) -> bool {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .any(|(k, v)| k == name && matches!(v, "true" | "1"))
}

fn wants_vcard(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/vcard"))
}

fn vcard_response(text: String, file_name: Option<&str>) -> Response {
    let mut response =
        ([(header::CONTENT_TYPE, HeaderValue::from_static("text/vcard; charset=utf-8"))], text).into_response();
    if let Some(name) = file_name.and_then(|n| HeaderValue::from_str(&content_disposition(n)).ok()) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, name);
    }
    response
}

/// `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266, RFC 5987).
fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

// ---- customers ----------------------------------------------------------------------------

/// Filters: any field (`status`, `owner_id`, `division_id`, `level_id`, `region_id` — a province
/// includes its cities —, `industry_id`, `size`, `lifecycle_stage`, `satisfaction`, `credit`,
/// `phone`, `tax_number`, …), `tag`, `ids` (comma-separated); `q` searches name, number, phone and
/// the contacts' names, phones and e-mails; sorts: `name`, `number`, `created_at`, `updated_at`,
/// `last_order_date`. `Accept: text/csv` answers the page as CSV; `format=csv|xlsx` downloads every
/// page (needs `customers.export`).
#[utoipa::path(get, path = "/customers", tag = "customers", responses((status = 200, body = Vec<Customer>)))]
pub async fn list_customers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<Response> {
    let (db, actor) = (&state.db, &actor);
    if format == ListFormat::Json {
        let fetch = |r: ListRequest| async move { customers::list_customers(db, actor, &r).await };
        return Ok(ListResponse::of(actor, Module::Customers, "customers", req, format, fetch).await?.into_response());
    }
    // Files get one flat row per customer: labels instead of linked records, tags joined.
    let fetch = |r: ListRequest| async move {
        customers::list_customers(db, actor, &r).await.map(|page| page.map(CustomerExportRow::from))
    };
    Ok(ListResponse::of(actor, Module::Customers, "customers", req, format, fetch).await?.into_response())
}

/// A customer whose name, phone, tax number or licence number matches a visible one is refused
/// with 409 and `duplicates`; `?confirm_duplicate=true` creates it anyway.
#[utoipa::path(post, path = "/customers", tag = "customers", request_body = CustomerInput,
    params(("confirm_duplicate" = Option<bool>, Query, description = "create even if duplicates exist")),
    responses((status = 201, body = Customer), (status = 409), (status = 422)))]
pub async fn create_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(query): RawQuery,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<impl IntoResponse> {
    let confirm = flag(query.as_deref(), "confirm_duplicate");
    let c = customers::create_customer(&state.db, &actor, input, confirm).await?;
    Ok(Created::at(format!("/api/v1/customers/{}", c.id), c))
}

#[utoipa::path(get, path = "/customers/{id}", tag = "customers",
    responses((status = 200, body = Customer), (status = 404)))]
pub async fn show_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let c = customers::get_customer(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(c))
}

/// Owner and division change through `/assign`, not here.
#[utoipa::path(patch, path = "/customers/{id}", tag = "customers", request_body = CustomerPatchInput,
    responses((status = 200, body = Customer), (status = 404), (status = 412), (status = 422)))]
pub async fn update_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<CustomerPatchInput>,
) -> Result<impl IntoResponse> {
    let c = customers::update_customer(&state.db, &actor, parse_id(&id)?, version, input).await?;
    Ok(Tagged::of(c))
}

/// A customer with orders (or other modules' records) cannot be deleted (409); merge it instead.
#[utoipa::path(delete, path = "/customers/{id}", tag = "customers",
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    customers::delete_customer(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{"action": "assign", "ids", "owner_id", "note"}` or `{"action": "add_tag" | "remove_tag", "ids", "tag"}`;
/// all or nothing: an id outside the caller's scope is a 422 on `ids`.
#[utoipa::path(post, path = "/customers/bulk", tag = "customers", request_body = BulkInput,
    responses((status = 200, body = BulkResult), (status = 403), (status = 422)))]
pub async fn bulk(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<BulkInput>,
) -> Result<axum::Json<BulkResult>> {
    Ok(axum::Json(customers::bulk(&state.db, &actor, input).await?))
}

/// Moves every record of `from_id` onto this customer and removes `from_id` (CUS-7).
#[utoipa::path(post, path = "/customers/{id}/merge", tag = "customers", request_body = MergeInput,
    responses((status = 200, body = Customer), (status = 404), (status = 409), (status = 422)))]
pub async fn merge_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<impl IntoResponse> {
    let c = customers::merge_customers(&state.db, &actor, parse_id(&id)?, input).await?;
    Ok(Tagged::of(c))
}

/// Gives the customer a new owner (needs `customers.assign`); the change is kept in the history.
#[utoipa::path(post, path = "/customers/{id}/assign", tag = "customers", request_body = AssignmentInput,
    responses((status = 200, body = Customer), (status = 403), (status = 404), (status = 422)))]
pub async fn assign_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AssignmentInput>,
) -> Result<impl IntoResponse> {
    let c = customers::assign_customer(&state.db, &actor, parse_id(&id)?, input).await?;
    Ok(Tagged::of(c))
}

#[utoipa::path(get, path = "/customers/{id}/assignments", tag = "customers",
    responses((status = 200, body = Vec<Assignment>), (status = 404)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Assignment>> {
    let id = parse_id(&id)?;
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::list_assignments(db, actor, id, &r).await };
    ListResponse::of(actor, Module::Customers, "assignments", req, format, fetch).await
}

#[utoipa::path(get, path = "/customers/{id}/shares", tag = "customers",
    responses((status = 200, body = Vec<Share>), (status = 404)))]
pub async fn list_shares(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<Share>>> {
    Ok(axum::Json(customers::list_shares(&state.db, &actor, parse_id(&id)?).await?))
}

/// Shares the customer with a user of its division, who then sees it as its owner does.
#[utoipa::path(post, path = "/customers/{id}/shares", tag = "customers", request_body = ShareInput,
    responses((status = 201, body = Share), (status = 404), (status = 422)))]
pub async fn share_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ShareInput>,
) -> Result<impl IntoResponse> {
    let share = customers::share_customer(&state.db, &actor, parse_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, axum::Json(share)))
}

#[utoipa::path(delete, path = "/customers/{id}/shares/{user_id}", tag = "customers",
    responses((status = 204), (status = 404)))]
pub async fn unshare_customer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    customers::unshare_customer(&state.db, &actor, parse_id(&id)?, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The customer's contacts; with `Accept: text/vcard`, all of them as one .vcf file.
#[utoipa::path(get, path = "/customers/{id}/contacts", tag = "contacts",
    responses((status = 200, body = Vec<Contact>), (status = 404)))]
pub async fn customer_contacts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ListQuery(mut req): ListQuery,
    format: ListFormat,
) -> Result<Response> {
    let id = parse_id(&id)?;
    if wants_vcard(&headers) {
        let (customer, cards) = customers::customer_vcards(&state.db, &actor, id).await?;
        return Ok(vcard_response(cards, Some(&format!("{}.vcf", customer.name))));
    }
    customers::get_customer(&state.db, &actor, id).await?;
    req.filters.retain(|(name, _)| name != "customer_id");
    req.filters.push(("customer_id".into(), id.to_string()));
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::list_contacts(db, actor, &r).await };
    Ok(ListResponse::of(actor, Module::Customers, "contacts", req, format, fetch).await?.into_response())
}

/// All contacts of the customer as one vCard 4.0 file (CUS-10).
#[utoipa::path(get, path = "/customers/{id}/contacts.vcf", tag = "contacts",
    responses((status = 200, content_type = "text/vcard"), (status = 404)))]
pub async fn customer_vcards(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response> {
    let (customer, cards) = customers::customer_vcards(&state.db, &actor, parse_id(&id)?).await?;
    Ok(vcard_response(cards, Some(&format!("{}.vcf", customer.name))))
}

/// The contacts as trees by `reports_to_id` (CUS-2).
#[utoipa::path(get, path = "/customers/{id}/org-chart", tag = "contacts",
    responses((status = 200, body = Vec<OrgNode>), (status = 404)))]
pub async fn org_chart(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<OrgNode>>> {
    Ok(axum::Json(customers::org_chart_of(&state.db, &actor, parse_id(&id)?).await?))
}

/// The customer 360 view (CUS-5): each section newest first, limited, with `next_cursor` and
/// `href`, the list that pages it.
#[utoipa::path(get, path = "/customers/{id}/overview", tag = "customers",
    responses((status = 200, body = Overview), (status = 404)))]
pub async fn overview(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::Json<Overview>> {
    Ok(axum::Json(customers::overview(&state.db, &actor, parse_id(&id)?).await?))
}

/// The audit trail of the customer, for whoever may see it.
#[utoipa::path(get, path = "/customers/{id}/audit-log", tag = "customers",
    responses((status = 200, body = Vec<crm_core::access::AuditEntry>), (status = 404)))]
pub async fn customer_audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<crm_core::access::AuditEntry>> {
    let id = parse_id(&id)?;
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::customer_audit(db, actor, id, &r).await };
    ListResponse::of(actor, Module::Customers, "audit-log", req, format, fetch).await
}

// ---- contacts -----------------------------------------------------------------------------

/// Filters: `customer_id`, `name`, `gender`, `title`, `phone`, `mobile`, `email`, `birthday`,
/// `reports_to_id`, `primary`, `division_id`; `q` searches names, phones and e-mails;
/// sorts: `name`, `created_at`, `updated_at`, `birthday`.
#[utoipa::path(get, path = "/contacts", tag = "contacts", responses((status = 200, body = Vec<Contact>)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Contact>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::list_contacts(db, actor, &r).await };
    ListResponse::of(actor, Module::Customers, "contacts", req, format, fetch).await
}

/// A primary contact takes the flag from the customer's previous one.
#[utoipa::path(post, path = "/contacts", tag = "contacts", request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 422)))]
pub async fn create_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<impl IntoResponse> {
    let c = customers::create_contact(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/contacts/{}", c.id), c))
}

/// With `Accept: text/vcard`, the contact as a vCard 4.0.
#[utoipa::path(get, path = "/contacts/{id}", tag = "contacts",
    responses((status = 200, body = Contact), (status = 200, content_type = "text/vcard"), (status = 404)))]
pub async fn show_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let id = parse_id(&id)?;
    if wants_vcard(&headers) {
        let (contact, card) = customers::contact_vcard(&state.db, &actor, id).await?;
        return Ok(vcard_response(card, Some(&format!("{}.vcf", contact.name))));
    }
    let c = customers::get_contact(&state.db, &actor, id).await?;
    Ok(Tagged::of(c).into_response())
}

#[utoipa::path(patch, path = "/contacts/{id}", tag = "contacts", request_body = ContactPatchInput,
    responses((status = 200, body = Contact), (status = 404), (status = 412), (status = 422)))]
pub async fn update_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ContactPatchInput>,
) -> Result<impl IntoResponse> {
    let c = customers::update_contact(&state.db, &actor, parse_id(&id)?, version, input).await?;
    Ok(Tagged::of(c))
}

#[utoipa::path(delete, path = "/contacts/{id}", tag = "contacts", responses((status = 204), (status = 404)))]
pub async fn delete_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    customers::delete_contact(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- interactions -------------------------------------------------------------------------

/// Filters: `customer_id`, `contact_id`, `kind_id`, `author_id`, `place`, `division_id`;
/// sorts: `occurred_at` (default, newest first), `created_at`, `updated_at`.
#[utoipa::path(get, path = "/interactions", tag = "interactions", responses((status = 200, body = Vec<Interaction>)))]
pub async fn list_interactions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Interaction>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::list_interactions(db, actor, &r).await };
    ListResponse::of(actor, Module::Customers, "interactions", req, format, fetch).await
}

/// The author is the caller.
#[utoipa::path(post, path = "/interactions", tag = "interactions", request_body = InteractionInput,
    responses((status = 201, body = Interaction), (status = 422)))]
pub async fn create_interaction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<InteractionInput>,
) -> Result<impl IntoResponse> {
    let i = customers::create_interaction(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/interactions/{}", i.id), i))
}

#[utoipa::path(get, path = "/interactions/{id}", tag = "interactions",
    responses((status = 200, body = Interaction), (status = 404)))]
pub async fn show_interaction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let i = customers::get_interaction(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(i))
}

#[utoipa::path(patch, path = "/interactions/{id}", tag = "interactions", request_body = InteractionPatchInput,
    responses((status = 200, body = Interaction), (status = 404), (status = 412), (status = 422)))]
pub async fn update_interaction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<InteractionPatchInput>,
) -> Result<impl IntoResponse> {
    let i = customers::update_interaction(&state.db, &actor, parse_id(&id)?, version, input).await?;
    Ok(Tagged::of(i))
}

/// Removes the interaction with its attachments.
#[utoipa::path(delete, path = "/interactions/{id}", tag = "interactions", responses((status = 204), (status = 404)))]
pub async fn delete_interaction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    customers::delete_interaction(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- attachments --------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct UploadParams {
    file_name: Option<String>,
}

/// Reads an upload's raw body up to the attachment limit and stores it.
async fn upload(
    state: &AppState,
    actor: &crm_core::access::Actor,
    to: AttachTo,
    params: std::result::Result<Query<UploadParams>, axum::extract::rejection::QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response> {
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let data = axum::body::to_bytes(body, MAX_ATTACHMENT_BYTES + 1).await.map_err(|_| {
        Error::Invalid(vec![FieldError::with_param("file", "too_large", format!("{} MiB", MAX_ATTACHMENT_BYTES >> 20))])
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let file_name = params.file_name.unwrap_or_default();
    let a = customers::attach(&state.db, actor, to, &file_name, content_type, data.to_vec()).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/attachments/{}", a.id))], axum::Json(a))
        .into_response())
}

/// Filters: `customer_id`, `interaction_id`, `content_type`; sorts: `created_at`, `file_name`, `size`.
#[utoipa::path(get, path = "/attachments", tag = "attachments", responses((status = 200, body = Vec<Attachment>)))]
pub async fn list_attachments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Attachment>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::list_attachments(db, actor, &r).await };
    ListResponse::of(actor, Module::Customers, "attachments", req, format, fetch).await
}

async fn attachments_of(
    state: &AppState,
    actor: &crm_core::access::Actor,
    filter: (&str, uuid::Uuid),
    mut req: crm_core::listing::ListRequest,
    format: ListFormat,
) -> Result<ListResponse<Attachment>> {
    req.filters.retain(|(name, _)| name != filter.0);
    req.filters.push((filter.0.to_string(), filter.1.to_string()));
    match filter.0 {
        "interaction_id" => customers::get_interaction(&state.db, actor, filter.1).await.map(|_| ())?,
        _ => customers::get_customer(&state.db, actor, filter.1).await.map(|_| ())?,
    }
    let db = &state.db;
    let fetch = |r: ListRequest| async move { customers::list_attachments(db, actor, &r).await };
    ListResponse::of(actor, Module::Customers, "attachments", req, format, fetch).await
}

#[utoipa::path(get, path = "/customers/{id}/attachments", tag = "attachments",
    responses((status = 200, body = Vec<Attachment>), (status = 404)))]
pub async fn list_customer_attachments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Attachment>> {
    attachments_of(&state, &actor, ("customer_id", parse_id(&id)?), req, format).await
}

/// The request body is the file itself (up to 10 MiB), its `Content-Type` the file's type.
#[utoipa::path(post, path = "/customers/{id}/attachments", tag = "attachments",
    params(("file_name" = String, Query, description = "the file's name")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 404), (status = 422)))]
pub async fn upload_customer_attachment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    params: std::result::Result<Query<UploadParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    upload(&state, &actor, AttachTo::Customer(parse_id(&id)?), params, &headers, body).await
}

#[utoipa::path(get, path = "/interactions/{id}/attachments", tag = "attachments",
    responses((status = 200, body = Vec<Attachment>), (status = 404)))]
pub async fn list_interaction_attachments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Attachment>> {
    attachments_of(&state, &actor, ("interaction_id", parse_id(&id)?), req, format).await
}

/// Attaches a file to an interaction (and so to its customer); the body is the file.
#[utoipa::path(post, path = "/interactions/{id}/attachments", tag = "attachments",
    params(("file_name" = String, Query, description = "the file's name")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 404), (status = 422)))]
pub async fn upload_interaction_attachment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    params: std::result::Result<Query<UploadParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    upload(&state, &actor, AttachTo::Interaction(parse_id(&id)?), params, &headers, body).await
}

#[utoipa::path(get, path = "/attachments/{id}", tag = "attachments",
    responses((status = 200, body = Attachment), (status = 404)))]
pub async fn show_attachment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::Json<Attachment>> {
    Ok(axum::Json(customers::get_attachment(&state.db, &actor, parse_id(&id)?).await?.attachment))
}

/// The file, as a download with its type; it is never rendered as a page of this site.
#[utoipa::path(get, path = "/attachments/{id}/content", tag = "attachments",
    responses((status = 200, content_type = "application/octet-stream"), (status = 404)))]
pub async fn download_attachment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response> {
    let file = customers::get_attachment(&state.db, &actor, parse_id(&id)?).await?;
    let a = &file.attachment;
    let content_type =
        HeaderValue::from_str(&a.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let mut response = (StatusCode::OK, file.data).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    Ok(response)
}

#[utoipa::path(delete, path = "/attachments/{id}", tag = "attachments", responses((status = 204), (status = 404)))]
pub async fn delete_attachment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    customers::delete_attachment(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- orders -------------------------------------------------------------------------------

/// Filters: `customer_id`, `number`, `status`, `currency`, `order_date`, `division_id`;
/// sorts: `order_date` (default, newest first), `number`, `total`, `created_at`.
#[utoipa::path(get, path = "/orders", tag = "orders", responses((status = 200, body = Vec<Order>)))]
pub async fn list_orders(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Order>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::list_orders(db, actor, &r).await };
    ListResponse::of(actor, Module::Sales, "orders", req, format, fetch).await
}

/// `total` is computed exactly from the lines; the number comes from the `order` sequence.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = OrderInput,
    responses((status = 201, body = Order), (status = 422)))]
pub async fn create_order(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<impl IntoResponse> {
    let o = customers::create_order(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/orders/{}", o.id), o))
}

#[utoipa::path(get, path = "/orders/{id}", tag = "orders", responses((status = 200, body = Order), (status = 404)))]
pub async fn show_order(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let o = customers::get_order(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(o))
}

/// `lines`, when given, replace all lines.
#[utoipa::path(patch, path = "/orders/{id}", tag = "orders", request_body = OrderPatchInput,
    responses((status = 200, body = Order), (status = 404), (status = 412), (status = 422)))]
pub async fn update_order(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<OrderPatchInput>,
) -> Result<impl IntoResponse> {
    let o = customers::update_order(&state.db, &actor, parse_id(&id)?, version, input).await?;
    Ok(Tagged::of(o))
}

#[utoipa::path(delete, path = "/orders/{id}", tag = "orders", responses((status = 204), (status = 404)))]
pub async fn delete_order(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    customers::delete_order(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- search, lookup, saved filters --------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<u32>,
}

/// Customers and contacts matching `q` (Chinese of any length, English words, numbers).
#[utoipa::path(get, path = "/search", tag = "search",
    params(("q" = String, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, body = SearchResults)))]
pub async fn search(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    params: std::result::Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<SearchResults>> {
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let q = params.q.unwrap_or_default();
    let limit = params.limit.unwrap_or(crm_core::listing::DEFAULT_LIMIT);
    Ok(axum::Json(customers::search(&state.db, &actor, &q, limit).await?))
}

/// The customers and contacts a phone number belongs to, however it is written (INT-6).
#[utoipa::path(get, path = "/lookup/phone/{number}", tag = "search",
    responses((status = 200, body = PhoneLookup), (status = 422)))]
pub async fn lookup_phone(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> Result<axum::Json<PhoneLookup>> {
    Ok(axum::Json(customers::lookup_phone(&state.db, &actor, &number).await?))
}

/// The caller's own saved customer filters.
#[utoipa::path(get, path = "/saved-filters", tag = "saved-filters", responses((status = 200, body = Vec<SavedFilter>)))]
pub async fn list_saved_filters(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<SavedFilter>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { customers::list_saved_filters(db, actor, &r).await };
    ListResponse::of(actor, Module::Customers, "saved-filters", req, format, fetch).await
}

/// `{"name", "query"}`: a name for a query string of the customer list.
#[utoipa::path(post, path = "/saved-filters", tag = "saved-filters", request_body = SavedFilterInput,
    responses((status = 201, body = SavedFilter), (status = 409), (status = 422)))]
pub async fn create_saved_filter(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<SavedFilterInput>,
) -> Result<impl IntoResponse> {
    let f = customers::create_saved_filter(&state.db, &actor, input).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/saved-filters/{}", f.id))], axum::Json(f)))
}

#[utoipa::path(delete, path = "/saved-filters/{id}", tag = "saved-filters", responses((status = 204), (status = 404)))]
pub async fn delete_saved_filter(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    customers::delete_saved_filter(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
