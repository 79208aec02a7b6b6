//! API of quotes, contracts, orders placed under contracts, payment plans, payments and
//! receivables (SAL-7..10).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crm_core::access::Module;
use crm_core::customers::Order;
use crm_core::listing::ListRequest;
use crm_core::sales::contracts::actions::{self as sales, ContractOrderInput};
use crm_core::sales::contracts::{
    Contract, ContractInput, ContractPatchInput, ContractStep, FromQuoteInput, Payment, PaymentInput,
    PaymentPatchInput, PlanInput, PlanItem, Quote, QuoteInput, QuotePatchInput, QuoteRevision, QuoteStep, Receivables,
    ReceivablesBy, RenewInput,
};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{
    ApiActor, ApiJson, Created, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, parse_id,
};

type Result<T> = std::result::Result<T, AppError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_quotes, create_quote))
        .routes(routes!(show_quote, update_quote))
        .routes(routes!(quote_versions))
        .routes(routes!(send_quote))
        .routes(routes!(accept_quote))
        .routes(routes!(reject_quote))
        .routes(routes!(contract_from_quote))
        .routes(routes!(list_contracts, create_contract))
        .routes(routes!(show_contract, update_contract))
        .routes(routes!(activate_contract))
        .routes(routes!(terminate_contract))
        .routes(routes!(renew_contract))
        .routes(routes!(contract_order))
        .routes(routes!(payment_plan, add_to_payment_plan))
        .routes(routes!(list_payments, create_payment))
        .routes(routes!(show_payment, update_payment, delete_payment))
        .routes(routes!(receivables))
}

// ---- quotes -------------------------------------------------------------------------------

/// Filters: `customer_id`, `status`, `currency`, `number`, `division_id`; sorts: `created_at`
/// (default, newest first), `number`, `total`; `q` searches number, title and customer name.
#[utoipa::path(get, path = "/quotes", tag = "quotes", responses((status = 200, body = Vec<Quote>)))]
pub async fn list_quotes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Quote>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { sales::list_quotes(db, actor, &r).await };
    ListResponse::of(actor, Module::Sales, "quotes", req, format, fetch).await
}

/// Lines carry `quantity`, `unit_price`, `discount` and `tax_rate` (percent); each line is
/// rounded to the currency's minor unit, half away from zero, and the totals are their sums.
#[utoipa::path(post, path = "/quotes", tag = "quotes", request_body = QuoteInput,
    responses((status = 201, body = Quote), (status = 422)))]
pub async fn create_quote(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<QuoteInput>,
) -> Result<impl IntoResponse> {
    let q = sales::create_quote(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/quotes/{}", q.id), q))
}

#[utoipa::path(get, path = "/quotes/{id}", tag = "quotes", responses((status = 200, body = Quote), (status = 404)))]
pub async fn show_quote(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(sales::get_quote(&state.db, &actor, parse_id(&id)?).await?))
}

/// Changing the prices (lines or currency) of a sent quote makes a new version, a draft to
/// send again; accepted and rejected quotes are final (409).
#[utoipa::path(patch, path = "/quotes/{id}", tag = "quotes", request_body = QuotePatchInput,
    responses((status = 200, body = Quote), (status = 404), (status = 409), (status = 412), (status = 422)))]
pub async fn update_quote(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<QuotePatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(sales::update_quote(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

/// Every version of the quote's prices, oldest first.
#[utoipa::path(get, path = "/quotes/{id}/versions", tag = "quotes",
    responses((status = 200, body = Vec<QuoteRevision>), (status = 404)))]
pub async fn quote_versions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<QuoteRevision>>> {
    Ok(axum::Json(sales::quote_revisions(&state.db, &actor, parse_id(&id)?).await?))
}

async fn step_quote(
    state: &AppState,
    actor: ApiActor,
    id: &str,
    version: Option<i64>,
    step: QuoteStep,
) -> Result<Tagged<Quote>> {
    Ok(Tagged::of(sales::step_quote(&state.db, &actor.0, parse_id(id)?, version, step).await?))
}

/// draft → sent.
#[utoipa::path(post, path = "/quotes/{id}/send", tag = "quotes",
    responses((status = 200, body = Quote), (status = 404), (status = 409)))]
pub async fn send_quote(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Tagged<Quote>> {
    step_quote(&state, actor, &id, version, QuoteStep::Send).await
}

/// sent → accepted; needs the `sales.approve` right.
#[utoipa::path(post, path = "/quotes/{id}/accept", tag = "quotes",
    responses((status = 200, body = Quote), (status = 403), (status = 404), (status = 409)))]
pub async fn accept_quote(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Tagged<Quote>> {
    step_quote(&state, actor, &id, version, QuoteStep::Accept).await
}

/// sent → rejected; needs the `sales.approve` right.
#[utoipa::path(post, path = "/quotes/{id}/reject", tag = "quotes",
    responses((status = 200, body = Quote), (status = 403), (status = 404), (status = 409)))]
pub async fn reject_quote(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Tagged<Quote>> {
    step_quote(&state, actor, &id, version, QuoteStep::Reject).await
}

/// An accepted quote becomes a draft contract with its lines and total (once: 409 after).
#[utoipa::path(post, path = "/quotes/{id}/contract", tag = "quotes", request_body = FromQuoteInput,
    responses((status = 201, body = Contract), (status = 404), (status = 409), (status = 422)))]
pub async fn contract_from_quote(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FromQuoteInput>,
) -> Result<impl IntoResponse> {
    let c = sales::contract_from_quote(&state.db, &actor, parse_id(&id)?, input).await?;
    Ok(Created::at(format!("/api/v1/contracts/{}", c.id), c))
}

// ---- contracts ----------------------------------------------------------------------------

/// Filters: `customer_id`, `status`, `currency`, `number`, `quote_id`, `renewal_of_id`,
/// `expiring` (`true`: flagged by the reminder job), `ends_on`, `division_id`; sorts:
/// `created_at` (default, newest first), `number`, `ends_on`, `amount`.
#[utoipa::path(get, path = "/contracts", tag = "contracts", responses((status = 200, body = Vec<Contract>)))]
pub async fn list_contracts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Contract>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { sales::list_contracts(db, actor, &r).await };
    ListResponse::of(actor, Module::Sales, "contracts", req, format, fetch).await
}

/// A contract typed directly: `amount`, or `lines` whose total it is.
#[utoipa::path(post, path = "/contracts", tag = "contracts", request_body = ContractInput,
    responses((status = 201, body = Contract), (status = 422)))]
pub async fn create_contract(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ContractInput>,
) -> Result<impl IntoResponse> {
    let c = sales::create_contract(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/contracts/{}", c.id), c))
}

#[utoipa::path(get, path = "/contracts/{id}", tag = "contracts",
    responses((status = 200, body = Contract), (status = 404)))]
pub async fn show_contract(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(sales::get_contract(&state.db, &actor, parse_id(&id)?).await?))
}

/// Expired and terminated contracts are final (409).
#[utoipa::path(patch, path = "/contracts/{id}", tag = "contracts", request_body = ContractPatchInput,
    responses((status = 200, body = Contract), (status = 404), (status = 409), (status = 412), (status = 422)))]
pub async fn update_contract(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<ContractPatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(sales::update_contract(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

async fn step_contract(
    state: &AppState,
    actor: ApiActor,
    id: &str,
    version: Option<i64>,
    step: ContractStep,
) -> Result<Tagged<Contract>> {
    Ok(Tagged::of(sales::step_contract(&state.db, &actor.0, parse_id(id)?, version, step).await?))
}

/// draft → active (signed today unless `signed_on` is set); needs `sales.approve`.
#[utoipa::path(post, path = "/contracts/{id}/activate", tag = "contracts",
    responses((status = 200, body = Contract), (status = 403), (status = 404), (status = 409)))]
pub async fn activate_contract(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Tagged<Contract>> {
    step_contract(&state, actor, &id, version, ContractStep::Activate).await
}

/// active → terminated; needs `sales.approve`.
#[utoipa::path(post, path = "/contracts/{id}/terminate", tag = "contracts",
    responses((status = 200, body = Contract), (status = 403), (status = 404), (status = 409)))]
pub async fn terminate_contract(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Tagged<Contract>> {
    step_contract(&state, actor, &id, version, ContractStep::Terminate).await
}

/// A draft successor of an active or expired contract, linked by `renewal_of_id`; by default
/// as long again from the day after it ends. One renewal per contract (409 after).
#[utoipa::path(post, path = "/contracts/{id}/renew", tag = "contracts", request_body = RenewInput,
    responses((status = 201, body = Contract), (status = 404), (status = 409), (status = 422)))]
pub async fn renew_contract(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RenewInput>,
) -> Result<impl IntoResponse> {
    let c = sales::renew_contract(&state.db, &actor, parse_id(&id)?, input).await?;
    Ok(Created::at(format!("/api/v1/contracts/{}", c.id), c))
}

/// An order of an active contract's lines (all, or `lines: [{"line": 1, "quantity": "2"}]`),
/// at each line's unit price less its discount; it joins the customer's order history.
#[utoipa::path(post, path = "/contracts/{id}/orders", tag = "contracts", request_body = ContractOrderInput,
    responses((status = 201, body = Order), (status = 404), (status = 409), (status = 422)))]
pub async fn contract_order(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ContractOrderInput>,
) -> Result<impl IntoResponse> {
    let o = sales::order_from_contract(&state.db, &actor, parse_id(&id)?, input).await?;
    Ok(Created::at(format!("/api/v1/orders/{}", o.id), o))
}

// ---- payments -----------------------------------------------------------------------------

/// The plan by due date, each item with what was received against it and whether it is overdue.
#[utoipa::path(get, path = "/contracts/{id}/payment-plan", tag = "payments",
    responses((status = 200, body = Vec<PlanItem>), (status = 404)))]
pub async fn payment_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<PlanItem>>> {
    Ok(axum::Json(sales::plan_items(&state.db, &actor, parse_id(&id)?).await?))
}

/// Adds `items: [{"due_on", "amount", "note"}]` to the plan; answers the whole plan.
#[utoipa::path(post, path = "/contracts/{id}/payment-plan", tag = "payments", request_body = PlanInput,
    responses((status = 201, body = Vec<PlanItem>), (status = 404), (status = 409), (status = 422)))]
pub async fn add_to_payment_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<(StatusCode, axum::Json<Vec<PlanItem>>)> {
    let plan = sales::add_plan_items(&state.db, &actor, parse_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, axum::Json(plan)))
}

/// Filters: `contract_id`, `customer_id`, `plan_item_id`, `currency`, `received_on`,
/// `division_id`; sorts: `received_on` (default, newest first), `amount`, `created_at`.
#[utoipa::path(get, path = "/payments", tag = "payments", responses((status = 200, body = Vec<Payment>)))]
pub async fn list_payments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Payment>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { sales::list_payments(db, actor, &r).await };
    ListResponse::of(actor, Module::Sales, "payments", req, format, fetch).await
}

/// A receipt under an active or expired contract, in its currency, optionally applied to a
/// plan item of it.
#[utoipa::path(post, path = "/payments", tag = "payments", request_body = PaymentInput,
    responses((status = 201, body = Payment), (status = 409), (status = 422)))]
pub async fn create_payment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PaymentInput>,
) -> Result<impl IntoResponse> {
    let p = sales::create_payment(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/payments/{}", p.id), p))
}

#[utoipa::path(get, path = "/payments/{id}", tag = "payments",
    responses((status = 200, body = Payment), (status = 404)))]
pub async fn show_payment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(sales::get_payment(&state.db, &actor, parse_id(&id)?).await?))
}

/// Corrects `received_on`, `amount`, `method` or `note`.
#[utoipa::path(patch, path = "/payments/{id}", tag = "payments", request_body = PaymentPatchInput,
    responses((status = 200, body = Payment), (status = 404), (status = 412), (status = 422)))]
pub async fn update_payment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<PaymentPatchInput>,
) -> Result<impl IntoResponse> {
    Ok(Tagged::of(sales::update_payment(&state.db, &actor, parse_id(&id)?, version, input).await?))
}

#[utoipa::path(delete, path = "/payments/{id}", tag = "payments", responses((status = 204), (status = 404)))]
pub async fn delete_payment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    sales::delete_payment(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct ReceivablesQuery {
    by: Option<String>,
}

/// Planned, received, outstanding (planned − received) and overdue amounts of active and
/// expired contracts, `by=customer` (default) or `by=owner`, one row per currency, with one
/// total per currency: amounts of different currencies are never added together.
#[utoipa::path(get, path = "/receivables", tag = "payments", params(("by" = Option<String>, Query)),
    responses((status = 200, body = Receivables), (status = 422)))]
pub async fn receivables(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(query): Query<ReceivablesQuery>,
) -> Result<axum::Json<Receivables>> {
    let by = ReceivablesBy::parse_optional("by", query.by.as_deref().unwrap_or(""))
        .map_err(|e| crm_core::Error::Invalid(vec![e]))?
        .unwrap_or(ReceivablesBy::Customer);
    Ok(axum::Json(sales::receivables(&state.db, &actor, by).await?))
}
