//! The customer form (CUS-1): create with the duplicate warning (撞单, CUS-7) and "create
//! anyway", edit with the version it was read at, delete.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::customers::actions as customers;
use crm_core::customers::{
    CompanySize, Customer, CustomerInput, CustomerPatchInput, CustomerStatus, Duplicate, LifecycleStage,
};
use crm_core::error::Validator;
use crm_core::money::format_units;
use crm_core::patch::Patch;

use super::{Pickers, code_choices, colleagues, divisions, ratings, tags};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, deleted, see_other};
use crate::http::web::session::WebUser;

/// A customer that resembles the one being created, as the warning lists it.
pub struct Resemblance {
    pub id: uuid::Uuid,
    pub number: String,
    pub name: String,
    /// The fields that matched, named in the user's language.
    pub matched: String,
}

#[derive(Template)]
#[template(path = "customers/form.html")]
struct FormPage {
    l: Layout,
    customer: Option<Customer>,
    record_path: String,
    form: FormState,
    duplicates: Vec<Resemblance>,
    pickers: Pickers,
    statuses: Vec<Choice>,
    sizes: Vec<Choice>,
    stages: Vec<Choice>,
    ratings: Vec<Choice>,
    /// On create, for a user of several divisions.
    divisions: Vec<Choice>,
    /// On create, for a user who may give the customer to someone else.
    owners: Vec<Choice>,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        customer: Option<Customer>,
        form: FormState,
        duplicates: &[Duplicate],
    ) -> Result<Self, AppError> {
        let lang = web.lang;
        let (title, right) =
            if customer.is_some() { ("customers-edit", Action::Edit) } else { ("customers-new", Action::Create) };
        let mut pickers = Pickers::load(state, &web.actor).await?;
        if let Some(c) = &customer {
            pickers.keep(c.level.as_ref(), c.region.as_ref(), c.industry.as_ref());
        }
        let l = Layout::new(web, title).with_fields("customer");
        let duplicates = duplicates
            .iter()
            .map(|d| Resemblance {
                id: d.id,
                number: d.number.clone(),
                name: d.name.clone(),
                matched: d.matched_fields.iter().map(|f| l.label(f)).collect::<Vec<_>>().join("、"),
            })
            .collect();
        let creating = customer.is_none();
        let owners = if creating && web.actor.can(Module::Customers, Action::Assign) {
            colleagues(state, &web.actor).await?.into_iter().map(|c| c.choice).collect()
        } else {
            Vec::new()
        };
        Ok(Self {
            l,
            record_path: customer.as_ref().map_or_else(|| "/customers".to_string(), |c| format!("/customers/{}", c.id)),
            can_edit: web.actor.can(Module::Customers, right),
            can_delete: !creating && web.actor.can(Module::Customers, Action::Delete),
            divisions: if creating { divisions(state, web).await? } else { Vec::new() },
            owners,
            statuses: code_choices(lang, "customer-status", CustomerStatus::ALL.iter().map(|s| s.code())),
            sizes: code_choices(lang, "company-size", CompanySize::ALL.iter().map(|s| s.code())),
            stages: code_choices(lang, "lifecycle-stage", LifecycleStage::ALL.iter().map(|s| s.code())),
            ratings: ratings(),
            pickers,
            customer,
            form,
            duplicates,
        })
    }
}

/// The plain text fields, the same on create and edit.
const TEXT_FIELDS: [&str; 11] = [
    "phone",
    "fax",
    "website",
    "address",
    "postcode",
    "tax_number",
    "licence_number",
    "legal_representative",
    "bank",
    "bank_account",
    "notes",
];

fn values_of(c: &Customer) -> FormState {
    let id = |r: Option<uuid::Uuid>| r.map(|id| id.to_string()).unwrap_or_default();
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let mut values = vec![
        ("name".to_string(), c.name.clone()),
        ("status".to_string(), c.status.code().to_string()),
        ("level_id".to_string(), id(c.level_id)),
        ("region_id".to_string(), id(c.region_id)),
        ("industry_id".to_string(), id(c.industry_id)),
        ("size".to_string(), c.size.map(|s| s.code()).unwrap_or_default().to_string()),
        ("lifecycle_stage".to_string(), c.lifecycle_stage.map(|s| s.code()).unwrap_or_default().to_string()),
        ("satisfaction".to_string(), c.satisfaction.map(|n| n.to_string()).unwrap_or_default()),
        ("credit".to_string(), c.credit.map(|n| n.to_string()).unwrap_or_default()),
        ("registered_capital".to_string(), c.registered_capital.map(format_units).unwrap_or_default()),
        ("annual_turnover".to_string(), c.annual_turnover.map(format_units).unwrap_or_default()),
        ("tags".to_string(), c.tags.join(", ")),
        ("version".to_string(), c.version.to_string()),
    ];
    let fields = [
        &c.phone,
        &c.fax,
        &c.website,
        &c.address,
        &c.postcode,
        &c.tax_number,
        &c.licence_number,
        &c.legal_representative,
        &c.bank,
        &c.bank_account,
        &c.notes,
    ];
    values.extend(TEXT_FIELDS.iter().zip(fields).map(|(name, value)| (name.to_string(), text(value))));
    FormState::new(values)
}

/// The selects of the form: records by id, ratings by number.
struct Picked {
    level_id: Option<uuid::Uuid>,
    region_id: Option<uuid::Uuid>,
    industry_id: Option<uuid::Uuid>,
    satisfaction: Option<i64>,
    credit: Option<i64>,
}

impl Picked {
    fn of(form: &FormData) -> Result<Self, Error> {
        let mut v = Validator::default();
        let picked = Self {
            level_id: v.check(form.id("level_id")).flatten(),
            region_id: v.check(form.id("region_id")).flatten(),
            industry_id: v.check(form.id("industry_id")).flatten(),
            satisfaction: v.check(form.number("satisfaction")).flatten(),
            credit: v.check(form.number("credit")).flatten(),
        };
        v.finish()?;
        Ok(picked)
    }
}

fn text(form: &FormData, name: &str) -> Option<String> {
    Some(form.get(name).to_string())
}

fn input_of(form: &FormData) -> Result<CustomerInput, Error> {
    let picked = Picked::of(form)?;
    let mut v = Validator::default();
    let division_id = v.check(form.id("division_id")).flatten();
    let owner_id = v.check(form.id("owner_id")).flatten();
    v.finish()?;
    Ok(CustomerInput {
        name: form.get("name").to_string(),
        division_id,
        owner_id,
        status: Some(form.get("status").to_string()).filter(|s| !s.is_empty()),
        level_id: picked.level_id,
        region_id: picked.region_id,
        industry_id: picked.industry_id,
        size: text(form, "size"),
        lifecycle_stage: text(form, "lifecycle_stage"),
        satisfaction: picked.satisfaction,
        credit: picked.credit,
        phone: text(form, "phone"),
        fax: text(form, "fax"),
        website: text(form, "website"),
        address: text(form, "address"),
        postcode: text(form, "postcode"),
        tax_number: text(form, "tax_number"),
        licence_number: text(form, "licence_number"),
        legal_representative: text(form, "legal_representative"),
        registered_capital: text(form, "registered_capital"),
        annual_turnover: text(form, "annual_turnover"),
        bank: text(form, "bank"),
        bank_account: text(form, "bank_account"),
        tags: tags(form.get("tags")),
        notes: text(form, "notes"),
    })
}

/// An edit sets every field of the form; a blank one clears it.
fn patch_of(form: &FormData) -> Result<CustomerPatchInput, Error> {
    let picked = Picked::of(form)?;
    let set = |name: &str| Patch::Set(form.get(name).to_string());
    let chosen = |value: Option<uuid::Uuid>| value.map_or(Patch::Clear, Patch::Set);
    let number = |value: Option<i64>| value.map_or(Patch::Clear, Patch::Set);
    Ok(CustomerPatchInput {
        name: Some(form.get("name").to_string()),
        status: Some(form.get("status").to_string()),
        level_id: chosen(picked.level_id),
        region_id: chosen(picked.region_id),
        industry_id: chosen(picked.industry_id),
        size: set("size"),
        lifecycle_stage: set("lifecycle_stage"),
        satisfaction: number(picked.satisfaction),
        credit: number(picked.credit),
        phone: set("phone"),
        fax: set("fax"),
        website: set("website"),
        address: set("address"),
        postcode: set("postcode"),
        tax_number: set("tax_number"),
        licence_number: set("licence_number"),
        legal_representative: set("legal_representative"),
        registered_capital: set("registered_capital"),
        annual_turnover: set("annual_turnover"),
        bank: set("bank"),
        bank_account: set("bank_account"),
        tags: Some(tags(form.get("tags"))),
        notes: set("notes"),
    })
}

pub async fn new(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    let form = FormState::new(vec![("status".into(), CustomerStatus::Prospect.code().into())]);
    layout::ok(&FormPage::new(&state, &web, None, form, &[]).await?)
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let confirmed = form.get("confirm_duplicate") == "true";
    let result = match input_of(&form) {
        Ok(input) => customers::create_customer(&state.db, &web.actor, input, confirmed).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/customers/{}", c.id), "created")),
        Err(Error::Duplicates(found)) => {
            let page = FormPage::new(&state, &web, None, FormState::from_form(&form), &found).await?;
            layout::render(StatusCode::CONFLICT, &page)
        }
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, None, refused, &[]).await?)
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = values_of(&customer);
    layout::ok(&FormPage::new(&state, &web, Some(customer), form, &[]).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match patch_of(&form) {
        Ok(patch) => customers::update_customer(&state.db, &web.actor, id, form.version(), patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/customers/{}", c.id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let customer = customers::get_customer(&state.db, &web.actor, id).await?;
            layout::invalid(&FormPage::new(&state, &web, Some(customer), refused, &[]).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let record = format!("/customers/{id}");
    deleted(customers::delete_customer(&state.db, &web.actor, id).await, "/customers", &record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_mangled_choice_is_a_message_on_its_field_not_a_failure() {
        let Err(Error::Invalid(errors)) = input_of(&form(&[("name", "华为"), ("level_id", "x"), ("credit", "five")]))
        else {
            panic!("invalid")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["level_id", "credit"]);
    }

    #[test]
    fn an_edit_clears_what_was_left_blank() {
        let patch =
            patch_of(&form(&[("name", "华为"), ("status", "active"), ("phone", ""), ("tags", "VIP，重点")])).unwrap();
        assert_eq!(patch.level_id, Patch::Clear);
        assert_eq!(patch.phone, Patch::Set(String::new()));
        assert_eq!(patch.tags, Some(vec!["VIP".to_string(), "重点".to_string()]));
    }
}
