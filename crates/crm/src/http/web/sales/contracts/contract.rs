//! Contract pages (合同, SAL-8, SAL-9): the list with its expiring filter, and a contract with
//! its lines, workflow, orders placed under it, payment plan and receipts.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::customers::Order;
use crm_core::customers::actions as customers;
use crm_core::sales::contracts::actions::{self as sales, ContractOrderInput};
use crm_core::sales::contracts::{
    Contract, ContractStatus, ContractStep, Payment, PaymentInput, PlanInput, PlanItem, PlanItemInput, RenewInput,
};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::customers::code_choices;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, everything, list_request, see_other};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "sales/contracts/contracts.html")]
struct ListPage {
    l: Layout,
    contracts: Vec<Contract>,
    q: String,
    status: String,
    expiring: bool,
    statuses: Vec<Choice>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, status, cursor) = (query.get("q"), query.get("status"), query.get("cursor"));
    let expiring = if query.get("expiring") == "true" { "true" } else { "" };
    let filters = [("status", status), ("expiring", expiring), ("customer_id", query.get("customer_id"))];
    let page = sales::list_contracts(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    layout::ok(&ListPage {
        l: Layout::new(&web, "contracts-title"),
        pager: Pager::new(
            "/contracts",
            &[("q", q), filters[0], filters[1], filters[2]],
            cursor,
            page.next_cursor.as_deref(),
        ),
        contracts: page.items,
        q: q.to_string(),
        status: status.to_string(),
        expiring: !expiring.is_empty(),
        statuses: code_choices(web.lang, "contract-status", ContractStatus::ALL.iter().map(|s| s.code())),
    })
}

#[derive(Template)]
#[template(path = "sales/contracts/contract.html")]
struct ShowPage {
    l: Layout,
    contract: Contract,
    plan: Vec<PlanItem>,
    payments: Vec<Payment>,
    orders: Vec<Order>,
    plan_form: FormState,
    payment_form: FormState,
    can_create: bool,
    can_approve: bool,
}

impl ShowPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        contract: Contract,
        plan_form: FormState,
        payment_form: FormState,
    ) -> Result<Self, AppError> {
        let (db, actor) = (&state.db, &web.actor);
        let plan = sales::plan_items(db, actor, contract.id).await?;
        let mut by_contract = everything();
        by_contract.filters.push(("contract_id".into(), contract.id.to_string()));
        let payments = sales::list_payments(db, actor, &by_contract).await?.items;
        let orders = customers::list_orders(db, actor, &by_contract).await?.items;
        Ok(Self {
            l: Layout::new(web, "contracts-show").with_fields("contract"),
            can_create: actor.can(Module::Sales, Action::Create),
            can_approve: actor.can(Module::Sales, Action::Approve),
            contract,
            plan,
            payments,
            orders,
            plan_form,
            payment_form,
        })
    }

    fn status_is(&self, code: &str) -> bool {
        self.contract.status.code() == code
    }

    /// The plan items a receipt may be applied to, for the select of the receipt form.
    fn plan_choices(&self) -> Vec<Choice> {
        self.plan
            .iter()
            .map(|i| Choice::new(i.id.to_string(), format!("{} · {}", i.due_on, self.l.amount(&i.amount, &i.currency))))
            .collect()
    }
}

pub async fn show(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let contract = sales::get_contract(&state.db, &web.actor, parse_id(&id)?).await?;
    layout::ok(&ShowPage::new(&state, &web, contract, FormState::default(), FormState::default()).await?)
}

async fn step(state: &AppState, web: &WebUser, id: &str, step: ContractStep) -> Result<Response, AppError> {
    let c = sales::step_contract(&state.db, &web.actor, parse_id(id)?, None, step).await?;
    Ok(see_other(&format!("/contracts/{}", c.id), "saved"))
}

pub async fn activate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    step(&state, &web, &id, ContractStep::Activate).await
}

pub async fn terminate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    step(&state, &web, &id, ContractStep::Terminate).await
}

pub async fn renew(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let next = sales::renew_contract(&state.db, &web.actor, parse_id(&id)?, RenewInput::default()).await?;
    Ok(see_other(&format!("/contracts/{}", next.id), "created"))
}

/// An order of every line of the contract, dated today; it joins the customer's orders.
pub async fn order(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let order =
        sales::order_from_contract(&state.db, &web.actor, parse_id(&id)?, ContractOrderInput::default()).await?;
    Ok(see_other(&format!("/orders/{}", order.id), "created"))
}

/// Shows the contract again with the refused form's messages, or passes the refusal on.
async fn refused(
    state: &AppState,
    web: &WebUser,
    contract_id: uuid::Uuid,
    form: &FormData,
    error: Error,
    plan: bool,
) -> Result<Response, AppError> {
    let contract = sales::get_contract(&state.db, &web.actor, contract_id).await?;
    let refused = FormState::from_form(form).refused(web.lang, error)?;
    let (plan_form, payment_form) =
        if plan { (refused, FormState::default()) } else { (FormState::default(), refused) };
    layout::invalid(&ShowPage::new(state, web, contract, plan_form, payment_form).await?)
}

pub async fn add_plan_item(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let input = PlanInput {
        items: vec![PlanItemInput {
            due_on: form.get("due_on").to_string(),
            amount: form.get("amount").to_string(),
            note: Some(form.get("note").to_string()),
        }],
    };
    match sales::add_plan_items(&state.db, &web.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("/contracts/{id}#plan"), "saved")),
        // The one item of the form is `items[0]`; its messages go beside the form's fields.
        Err(Error::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|mut e| {
                    e.field = e.field.trim_start_matches("items[0].").to_string();
                    e
                })
                .collect();
            refused(&state, &web, id, &form, Error::Invalid(errors), true).await
        }
        Err(e) => refused(&state, &web, id, &form, e, true).await,
    }
}

pub async fn record_payment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let plan_item_id = match form.id("plan_item_id") {
        Ok(item) => item,
        Err(e) => return refused(&state, &web, id, &form, Error::Invalid(vec![e]), false).await,
    };
    let input = PaymentInput {
        contract_id: Some(id),
        received_on: form.get("received_on").to_string(),
        amount: form.get("amount").to_string(),
        currency: None,
        method: Some(form.get("method").to_string()),
        note: Some(form.get("note").to_string()),
        plan_item_id,
    };
    match sales::create_payment(&state.db, &web.actor, input).await {
        Ok(_) => Ok(see_other(&format!("/contracts/{id}#payments"), "saved")),
        Err(e) => refused(&state, &web, id, &form, e, false).await,
    }
}
