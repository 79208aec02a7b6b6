//! Use cases of quotes, contracts and payments, called alike from the API, the web pages and
//! the `contract-reminders` job. Each starts with the policy check (Module::Sales) and reads
//! through the actor's scope; accepting or rejecting a quote and activating or terminating a
//! contract need the `approve` right.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Contract, ContractInput, ContractPatch, ContractPatchInput, ContractStatus, ContractStep, FromQuoteInput,
    NewContract, NewPayment, NewPlanItem, NewQuote, Payment, PaymentInput, PaymentPatch, PaymentPatchInput, PlanInput,
    PlanItem, PriceLine, Quote, QuoteInput, QuotePatch, QuotePatchInput, QuoteRevision, QuoteStatus, QuoteStep,
    Receivables, ReceivablesBy, RenewInput, check_editable, check_open,
};
use crate::access::{Action, Actor, AuditStamp, Module, Scope};
use crate::customers::actions::{create_order, today};
use crate::customers::{Order, OrderInput, OrderLineInput};
use crate::error::{Error, FieldError};
use crate::listing::{ListRequest, Page};
use crate::money;
use crate::store::{Store, StoreError};

/// A record named in the input that the caller cannot see is a field error, not a 404.
fn missing(field: &'static str) -> impl FnOnce(StoreError) -> Error {
    move |e| match e {
        StoreError::NotFound => Error::invalid(field, "not_found"),
        other => other.into(),
    }
}

/// The version an update is checked against: the caller's `If-Match`, else the one just read.
fn expected(given: Option<i64>, read: i64) -> Result<i64, Error> {
    match given {
        Some(v) if v != read => Err(Error::StaleVersion),
        _ => Ok(read),
    }
}

// ---- quotes -------------------------------------------------------------------------------

pub async fn list_quotes<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Quote>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.list_quotes(&actor.scope(), req).await?)
}

pub async fn get_quote<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Quote, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.get_quote(&actor.scope(), id).await?)
}

pub async fn quote_revisions<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Vec<QuoteRevision>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.quote_revisions(&actor.scope(), id).await?)
}

/// Products named on lines must exist; a line without a description takes the product's name.
async fn resolve_products<S: Store>(store: &S, lines: &mut [PriceLine]) -> Result<(), Error> {
    let mut errors = Vec::new();
    for (i, line) in lines.iter_mut().enumerate() {
        let Some(product_id) = line.product_id else { continue };
        match store.get_product(product_id).await {
            Ok(product) => {
                if line.description.is_none() {
                    line.description = Some(product.name);
                }
            }
            Err(StoreError::NotFound) => errors.push(FieldError::new(format!("lines[{i}].product_id"), "not_found")),
            Err(other) => return Err(other.into()),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}

pub async fn create_quote<S: Store>(store: &S, actor: &Actor, input: QuoteInput) -> Result<Quote, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let mut new = NewQuote::parse(input)?;
    store.get_customer(&actor.scope(), new.customer_id).await.map_err(missing("customer_id"))?;
    resolve_products(store, &mut new.lines).await?;
    Ok(store.create_quote(&new, today(), &AuditStamp::of(actor)).await?)
}

/// Drafts and sent quotes change; changing a sent quote's prices makes a new version.
pub async fn update_quote<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: QuotePatchInput,
) -> Result<Quote, Error> {
    actor.require(Module::Sales, Action::Edit)?;
    let old = store.get_quote(&actor.scope(), id).await?;
    let expected = expected(version, old.version)?;
    check_editable(&old)?;
    let mut patch = QuotePatch::parse(input, &old.currency)?;
    if let Some((lines, _)) = patch.lines.as_mut() {
        resolve_products(store, lines).await?;
    }
    let stamp = AuditStamp::of(actor);
    let next = patch.apply(&old, stamp.at)?;
    Ok(store.save_quote(&actor.scope(), &next, expected, &stamp).await?)
}

/// Sending needs the `edit` right; accepting and rejecting record the customer's answer and
/// need `approve`.
pub async fn step_quote<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    step: QuoteStep,
) -> Result<Quote, Error> {
    let right = if step == QuoteStep::Send { Action::Edit } else { Action::Approve };
    actor.require(Module::Sales, right)?;
    let old = store.get_quote(&actor.scope(), id).await?;
    let expected = expected(version, old.version)?;
    let status = step.next(old.status)?;
    let stamp = AuditStamp::of(actor);
    let next = Quote { status, updated_at: stamp.at, version: old.version + 1, ..old };
    Ok(store.save_quote(&actor.scope(), &next, expected, &stamp).await?)
}

/// An accepted quote becomes a contract with its lines, once (SAL-7).
pub async fn contract_from_quote<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    input: FromQuoteInput,
) -> Result<Contract, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let quote = store.get_quote(&actor.scope(), id).await?;
    if quote.status != QuoteStatus::Accepted {
        return Err(Error::InvalidState { state: quote.status.code().to_string() });
    }
    if quote.contract_id.is_some() {
        return Err(Error::Conflict { code: "quote_has_contract".into(), field: None });
    }
    let new = NewContract::from_quote(&quote, input)?;
    Ok(store.create_contract(&new, today(), &AuditStamp::of(actor)).await?)
}

// ---- contracts ----------------------------------------------------------------------------

pub async fn list_contracts<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Contract>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.list_contracts(&actor.scope(), req).await?)
}

pub async fn get_contract<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Contract, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.get_contract(&actor.scope(), id).await?)
}

pub async fn create_contract<S: Store>(store: &S, actor: &Actor, input: ContractInput) -> Result<Contract, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let mut new = NewContract::parse(input)?;
    store.get_customer(&actor.scope(), new.customer_id).await.map_err(missing("customer_id"))?;
    resolve_products(store, &mut new.lines).await?;
    Ok(store.create_contract(&new, today(), &AuditStamp::of(actor)).await?)
}

pub async fn update_contract<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: ContractPatchInput,
) -> Result<Contract, Error> {
    actor.require(Module::Sales, Action::Edit)?;
    let old = store.get_contract(&actor.scope(), id).await?;
    let expected = expected(version, old.version)?;
    check_open(&old)?;
    let patch = ContractPatch::parse(input)?;
    let stamp = AuditStamp::of(actor);
    let next = patch.apply(&old, stamp.at)?;
    Ok(store.save_contract(&actor.scope(), &next, expected, &stamp).await?)
}

/// Activating (signing) and terminating need `approve`; an activated contract without a
/// signing date is signed today.
pub async fn step_contract<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    step: ContractStep,
) -> Result<Contract, Error> {
    actor.require(Module::Sales, Action::Approve)?;
    let old = store.get_contract(&actor.scope(), id).await?;
    let expected = expected(version, old.version)?;
    let status = step.next(old.status)?;
    let stamp = AuditStamp::of(actor);
    let signed_on = match step {
        ContractStep::Activate => old.signed_on.or(Some(today())),
        _ => old.signed_on,
    };
    let next = Contract { status, signed_on, updated_at: stamp.at, version: old.version + 1, ..old };
    Ok(store.save_contract(&actor.scope(), &next, expected, &stamp).await?)
}

/// A successor of an active or expired contract, as a draft linked to it (one per contract).
pub async fn renew_contract<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    input: RenewInput,
) -> Result<Contract, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let old = store.get_contract(&actor.scope(), id).await?;
    ContractStep::Renew.next(old.status)?;
    let new = NewContract::renewal_of(&old, input)?;
    Ok(store.create_contract(&new, today(), &AuditStamp::of(actor)).await?)
}

/// What the `contract-reminders` job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderRun {
    pub flagged: u64,
    pub expired: u64,
}

/// Flags active contracts ending within their reminder days and marks those past their end
/// as expired, as of the company's today. A contract changed meanwhile by someone else (or by
/// another instance of the job) is left for the next run.
pub async fn run_contract_reminders<S: Store>(store: &S) -> Result<ReminderRun, Error> {
    let today = today();
    let actor = Actor::system();
    let stamp = AuditStamp::of(&actor);
    let scope = Scope::everything();
    let mut run = ReminderRun::default();
    let mut req = ListRequest::first("number", crate::listing::MAX_LIMIT);
    req.filters.push(("status".into(), ContractStatus::Active.code().into()));
    loop {
        let page = store.list_contracts(&scope, &req).await?;
        for c in page.items {
            let (status, expiring) =
                if c.is_past_end(today) { (ContractStatus::Expired, false) } else { (c.status, c.is_expiring(today)) };
            if (status, expiring) == (c.status, c.expiring) {
                continue;
            }
            let next = Contract { status, expiring, updated_at: stamp.at, version: c.version + 1, ..c.clone() };
            match store.save_contract(&scope, &next, c.version, &stamp).await {
                Ok(_) if status == ContractStatus::Expired => run.expired += 1,
                Ok(_) => run.flagged += u64::from(expiring),
                Err(StoreError::Stale | StoreError::NotFound) => {}
                Err(other) => return Err(other.into()),
            }
        }
        if !req.advance(page.next_cursor.as_deref())? {
            return Ok(run);
        }
    }
}

// ---- orders from contracts ----------------------------------------------------------------

/// One contract line to order: its number (from 1) and, if less, the quantity.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractOrderLine {
    pub line: usize,
    #[serde(default, deserialize_with = "crate::customers::decimal_text")]
    #[schema(value_type = String)]
    pub quantity: String,
}

/// `POST /contracts/{id}/orders`: every line of the contract unless some are named.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractOrderInput {
    /// `YYYY-MM-DD`; defaults to today.
    pub order_date: Option<String>,
    pub lines: Option<Vec<ContractOrderLine>>,
    pub notes: Option<String>,
}

/// The price an order line carries for a contract line: its unit price less the line's
/// discount, to 4 decimals half away from zero. Tax is not part of an order's amounts.
fn net_unit_price(line: &PriceLine) -> Option<String> {
    let price = money::from_units(line.unit_price);
    let factor = Decimal::ONE - money::from_units(line.discount) / Decimal::ONE_HUNDRED;
    let net = price.checked_mul(factor)?.round_dp_with_strategy(money::SCALE, RoundingStrategy::MidpointAwayFromZero);
    money::to_units(net).map(money::format_units)
}

/// An order of an active contract's lines (or some of them), through the order rules of the
/// customers module, so that they join the customer's order history (SAL-8).
pub async fn order_from_contract<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    input: ContractOrderInput,
) -> Result<Order, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let contract = store.get_contract(&actor.scope(), id).await?;
    if contract.status != ContractStatus::Active {
        return Err(Error::InvalidState { state: contract.status.code().to_string() });
    }
    if contract.lines.is_empty() {
        return Err(Error::invalid("lines", "contract_without_lines"));
    }
    let picked: Vec<(usize, String)> = match input.lines {
        None => (1..=contract.lines.len()).map(|n| (n, String::new())).collect(),
        Some(lines) => lines.into_iter().map(|l| (l.line, l.quantity)).collect(),
    };
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (i, (number, quantity)) in picked.into_iter().enumerate() {
        let Some(line) = number.checked_sub(1).and_then(|n| contract.lines.get(n)) else {
            errors.push(FieldError::new(format!("lines[{i}].line"), "not_found"));
            continue;
        };
        let Some(unit_price) = net_unit_price(line) else {
            errors.push(FieldError::new(format!("lines[{i}].line"), "out_of_range"));
            continue;
        };
        let quantity = if quantity.trim().is_empty() { money::format_units(line.quantity) } else { quantity };
        lines.push(OrderLineInput {
            product_id: line.product_id,
            description: line.description.clone(),
            quantity,
            unit_price,
        });
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let order = OrderInput {
        customer_id: Some(contract.customer_id),
        contract_id: Some(contract.id),
        order_date: input.order_date.unwrap_or_else(|| today().to_string()),
        currency: Some(contract.currency.clone()),
        status: None,
        lines,
        notes: input.notes,
    };
    create_order(store, actor, order).await
}

// ---- payments -----------------------------------------------------------------------------

pub async fn plan_items<S: Store>(store: &S, actor: &Actor, contract_id: Uuid) -> Result<Vec<PlanItem>, Error> {
    actor.require(Module::Sales, Action::View)?;
    let scope = actor.scope();
    store.get_contract(&scope, contract_id).await?;
    Ok(store.plan_items(&scope, contract_id, today()).await?)
}

/// Adds instalments to the plan of a draft or active contract; answers the whole plan.
pub async fn add_plan_items<S: Store>(
    store: &S,
    actor: &Actor,
    contract_id: Uuid,
    input: PlanInput,
) -> Result<Vec<PlanItem>, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let scope = actor.scope();
    let contract = store.get_contract(&scope, contract_id).await?;
    check_open(&contract)?;
    let items = NewPlanItem::parse_all(input)?;
    store.add_plan_items(&scope, contract_id, &items, &AuditStamp::of(actor)).await?;
    Ok(store.plan_items(&scope, contract_id, today()).await?)
}

pub async fn list_payments<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Payment>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.list_payments(&actor.scope(), req).await?)
}

pub async fn get_payment<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Payment, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.get_payment(&actor.scope(), id).await?)
}

/// A receipt in the contract's currency, optionally applied to one of its plan items.
pub async fn create_payment<S: Store>(store: &S, actor: &Actor, input: PaymentInput) -> Result<Payment, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let mut new = NewPayment::parse(input)?;
    let scope = actor.scope();
    let contract = store.get_contract(&scope, new.contract_id).await.map_err(missing("contract_id"))?;
    if contract.status == ContractStatus::Draft {
        return Err(Error::InvalidState { state: contract.status.code().to_string() });
    }
    match &new.currency {
        Some(c) if *c != contract.currency => {
            return Err(Error::Invalid(vec![FieldError::with_param(
                "currency",
                "currency_mismatch",
                &contract.currency,
            )]));
        }
        _ => new.currency = Some(contract.currency.clone()),
    }
    if let Some(item) = new.plan_item_id {
        let items = store.plan_items(&scope, contract.id, today()).await?;
        if !items.iter().any(|i| i.id == item) {
            return Err(Error::invalid("plan_item_id", "not_found"));
        }
    }
    Ok(store.create_payment(&new, &AuditStamp::of(actor)).await?)
}

/// Corrects a receipt's date, amount, method or note.
pub async fn update_payment<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: PaymentPatchInput,
) -> Result<Payment, Error> {
    actor.require(Module::Sales, Action::Edit)?;
    let old = store.get_payment(&actor.scope(), id).await?;
    let expected = expected(version, old.version)?;
    let patch = PaymentPatch::parse(input)?;
    let stamp = AuditStamp::of(actor);
    let next = patch.apply(&old, stamp.at);
    Ok(store.save_payment(&actor.scope(), &next, expected, &stamp).await?)
}

pub async fn delete_payment<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Sales, Action::Delete)?;
    Ok(store.delete_payment(&actor.scope(), id, &AuditStamp::of(actor)).await?)
}

/// Receivables of the caller's scope, per customer or owner and currency (SAL-9, SAL-10).
pub async fn receivables<S: Store>(store: &S, actor: &Actor, by: ReceivablesBy) -> Result<Receivables, Error> {
    actor.require(Module::Sales, Action::View)?;
    let items = store.receivables(&actor.scope(), by, today()).await?;
    Ok(Receivables::of(by, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_line_carries_the_discounted_unit_price() {
        let line = PriceLine::compute(None, None, 30_000, 1_000_000, 333_333, 130_000, 2).unwrap();
        // 100.00 less 33.3333% = 66.66670
        assert_eq!(net_unit_price(&line).unwrap(), "66.6667");
    }
}
