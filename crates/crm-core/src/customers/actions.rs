//! Use cases of the customers module, called alike from the API, the web pages and the CLI.
//! Each starts with the policy check and reads and writes through the actor's scope.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{FixedOffset, NaiveDate, Utc};
use uuid::Uuid;

use super::search::phone_digits;
use super::{
    Assignment, AssignmentInput, Attachment, AttachmentContent, BulkAction, BulkInput, BulkResult, Contact,
    ContactInput, ContactPatch, ContactPatchInput, Customer, CustomerInput, CustomerPatch, CustomerPatchInput,
    Interaction, InteractionInput, InteractionPatch, InteractionPatchInput, MergeInput, NewAttachment, NewContact,
    NewCustomer, NewInteraction, NewOrder, NewSavedFilter, Order, OrderInput, OrderPatch, OrderPatchInput, OrgNode,
    Overview, PhoneLookup, SavedFilter, SavedFilterInput, SearchResults, Section, Share, ShareInput, check_reports_to,
    org_chart, search, vcard,
};
use crate::access::{Action, Actor, AuditEntry, AuditStamp, Module, Scope};
use crate::base_data::DictionaryKind;
use crate::base_data::import::{Batch, RowChecks};
use crate::error::{Error, FieldError};
use crate::listing::{ListRequest, Page, Sort};
use crate::store::{Store, StoreError};

/// Record numbers carry the company's calendar day: China Standard Time, which has no
/// daylight saving, so a fixed offset is exact.
pub fn today() -> NaiveDate {
    let now = Utc::now();
    FixedOffset::east_opt(8 * 3600).map_or_else(|| now.date_naive(), |china| now.with_timezone(&china).date_naive())
}

/// A store refusal for a linked record named in the input: not found there is a field error.
pub(crate) fn missing(field: &str) -> impl FnOnce(StoreError) -> Error + '_ {
    move |e| match e {
        StoreError::NotFound => Error::invalid(field, "not_found"),
        other => other.into(),
    }
}

/// Checks that each given id is a dictionary entry of the expected kind.
pub(crate) async fn check_entries<S: Store>(
    store: &S,
    entries: &[(&str, Option<Uuid>, DictionaryKind)],
) -> Result<Vec<FieldError>, Error> {
    let mut errors = Vec::new();
    for (field, id, kind) in entries {
        let Some(id) = id else { continue };
        match store.get_dictionary_entry(*id).await {
            Ok(entry) if entry.kind == *kind => {}
            Ok(_) => errors.push(FieldError::with_param(*field, "wrong_kind", kind.code())),
            Err(StoreError::NotFound) => errors.push(FieldError::new(*field, "not_found")),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(errors)
}

/// An owner must be an active user of the customer's division.
pub(crate) async fn check_owner<S: Store>(
    store: &S,
    actor: &Actor,
    owner_id: Uuid,
    division_id: Uuid,
) -> Result<Option<FieldError>, Error> {
    // The actor was read with this request's session, unfrozen: no need to read them again.
    if Some(owner_id) == actor.user_id {
        return Ok((!actor.division_ids.contains(&division_id)).then(|| FieldError::new("owner_id", "not_in_division")));
    }
    match store.get_user(&Scope::everything(), owner_id).await {
        Ok(user) if user.frozen => Ok(Some(FieldError::new("owner_id", "frozen_user"))),
        Ok(user) if !user.division_ids.contains(&division_id) => {
            Ok(Some(FieldError::new("owner_id", "not_in_division")))
        }
        Ok(_) => Ok(None),
        Err(StoreError::NotFound) => Ok(Some(FieldError::new("owner_id", "not_found"))),
        Err(other) => Err(other.into()),
    }
}

pub(crate) fn finish(errors: Vec<FieldError>) -> Result<(), Error> {
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}

// ---- customers ----------------------------------------------------------------------------

pub async fn list_customers<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Customer>, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.list_customers(&actor.scope(), req).await?)
}

pub async fn get_customer<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Customer, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.get_customer(&actor.scope(), id).await?)
}

/// Creates a customer (CUS-1). One that resembles a visible customer is refused with
/// `Error::Duplicates` unless `confirm_duplicate` says to create it anyway (CUS-7).
pub async fn create_customer<S: Store>(
    store: &S,
    actor: &Actor,
    input: CustomerInput,
    confirm_duplicate: bool,
) -> Result<Customer, Error> {
    actor.require(Module::Customers, Action::Create)?;
    let new = NewCustomer::parse(input, only_division(actor), actor.user_id)?;
    let mut errors = check_entries(
        store,
        &[
            ("level_id", new.level_id, DictionaryKind::CustomerLevel),
            ("region_id", new.region_id, DictionaryKind::Region),
            ("industry_id", new.industry_id, DictionaryKind::Industry),
        ],
    )
    .await?;
    let division_known = division_in_scope(store, actor, new.division_id).await?;
    if !division_known {
        errors.push(FieldError::with_param("division_id", "unknown_division", new.division_id));
    }
    if let Some(owner_id) = new.owner_id {
        if Some(owner_id) != actor.user_id {
            actor.require(Module::Customers, Action::Assign)?;
        }
        if division_known {
            errors.extend(check_owner(store, actor, owner_id, new.division_id).await?);
        }
    }
    finish(errors)?;
    if !confirm_duplicate {
        let duplicates = store.find_duplicates(&actor.scope(), &new.probe(), None).await?;
        if !duplicates.is_empty() {
            return Err(Error::Duplicates(duplicates));
        }
    }
    Ok(store.create_customer(&new, today(), &AuditStamp::of(actor)).await?)
}

/// The actor's division when they have exactly one: where their customers go by default.
pub(crate) fn only_division(actor: &Actor) -> Option<Uuid> {
    match actor.division_ids.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

/// Whether the actor may put customers in this division, which must exist.
pub(crate) async fn division_in_scope<S: Store>(store: &S, actor: &Actor, division_id: Uuid) -> Result<bool, Error> {
    if !actor.scope().allows_division(division_id) {
        return Ok(false);
    }
    match store.get_division(&actor.division_scope(), division_id).await {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// Creates the customers of an import file (CUS-9) in `division` (the actor's only one by
/// default) for `owner` (the actor by default). Every row is checked like a single create;
/// a row repeating an earlier row's name, phone, tax number or licence number, and a row
/// resembling a visible customer (the CUS-7 matching, which an import cannot confirm away),
/// are bad rows. With any bad row, or with `dry_run`, nothing is written; otherwise all rows
/// in one transaction.
pub async fn import_customers<S: Store>(
    store: &S,
    actor: &Actor,
    rows: Vec<(usize, CustomerInput)>,
    division: Option<Uuid>,
    owner: Option<Uuid>,
    dry_run: bool,
) -> Result<Batch<Customer>, Error> {
    actor.require(Module::Customers, Action::Create)?;
    let division_id = division.or(only_division(actor)).ok_or_else(|| Error::invalid("division", "required"))?;
    if !division_in_scope(store, actor, division_id).await? {
        return Err(Error::Invalid(vec![FieldError::with_param("division", "unknown_division", division_id)]));
    }
    let owner_id = owner.or(actor.user_id);
    if let Some(owner_id) = owner_id {
        if Some(owner_id) != actor.user_id {
            actor.require(Module::Customers, Action::Assign)?;
        }
        if let Some(e) = check_owner(store, actor, owner_id, division_id).await? {
            return Err(Error::Invalid(vec![FieldError { field: "owner".into(), ..e }]));
        }
    }
    let mut checks = RowChecks::default();
    let mut parsed = Vec::with_capacity(rows.len());
    // A file names few distinct dictionary entries: each is checked once.
    let mut entries: HashMap<Uuid, Vec<FieldError>> = HashMap::new();
    for (row, input) in rows {
        let input = CustomerInput { division_id: Some(division_id), owner_id, ..input };
        let Some(new) = checks.parse(row, NewCustomer::parse(input, None, None))? else { continue };
        let mut bad = false;
        for entry in [
            ("level_id", new.level_id, DictionaryKind::CustomerLevel),
            ("region_id", new.region_id, DictionaryKind::Region),
            ("industry_id", new.industry_id, DictionaryKind::Industry),
        ] {
            let Some(id) = entry.1 else { continue };
            if let Entry::Vacant(slot) = entries.entry(id) {
                slot.insert(check_entries(store, &[entry]).await?);
            }
            for e in entries.get(&id).into_iter().flatten() {
                checks.push(row, e.clone());
                bad = true;
            }
        }
        if !bad {
            parsed.push((row, new));
        }
    }
    let keyed = |key: fn(&NewCustomer) -> Option<String>| {
        parsed.iter().filter_map(move |(row, c)| key(c).map(|k| (*row, k))).collect::<Vec<_>>()
    };
    checks.repeated("name", keyed(|c| Some(c.name.to_lowercase())));
    checks.repeated("phone", keyed(|c| c.phone.as_deref().and_then(phone_digits)));
    checks.repeated("tax_number", keyed(|c| c.tax_number.clone()));
    checks.repeated("licence_number", keyed(|c| c.licence_number.clone()));
    let scope = actor.scope();
    for (row, c) in &parsed {
        if let Some(d) = store.find_duplicates(&scope, &c.probe(), None).await?.first() {
            checks.push(*row, FieldError::with_param(&d.matched_on, "duplicate", &d.number));
        }
    }
    if !checks.is_empty() {
        return Ok(Batch::Rejected(checks.into_errors()));
    }
    if dry_run {
        return Ok(Batch::Checked(parsed.len()));
    }
    let new: Vec<NewCustomer> = parsed.into_iter().map(|(_, c)| c).collect();
    Ok(Batch::Created(store.create_customers(&new, today(), &AuditStamp::of(actor)).await?))
}

pub async fn update_customer<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: CustomerPatchInput,
) -> Result<Customer, Error> {
    actor.require(Module::Customers, Action::Edit)?;
    let patch = CustomerPatch::parse(input)?;
    let set = |p: &crate::patch::Patch<Uuid>| match p {
        crate::patch::Patch::Set(id) => Some(*id),
        _ => None,
    };
    let errors = check_entries(
        store,
        &[
            ("level_id", set(&patch.level_id), DictionaryKind::CustomerLevel),
            ("region_id", set(&patch.region_id), DictionaryKind::Region),
            ("industry_id", set(&patch.industry_id), DictionaryKind::Industry),
        ],
    )
    .await?;
    finish(errors)?;
    Ok(store.update_customer(&actor.scope(), id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_customer<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Customers, Action::Delete)?;
    Ok(store.delete_customer(&actor.scope(), id, &AuditStamp::of(actor)).await?)
}

/// Merges `from_id` into `id` (CUS-7): both must be visible; merging a customer into itself
/// is a conflict.
pub async fn merge_customers<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    input: MergeInput,
) -> Result<Customer, Error> {
    actor.require(Module::Customers, Action::Edit)?;
    actor.require(Module::Customers, Action::Delete)?;
    let from = input.from_id.ok_or_else(|| Error::invalid("from_id", "required"))?;
    if from == id {
        return Err(Error::Conflict { code: "merge_into_itself".into(), field: Some("from_id".into()) });
    }
    let scope = actor.scope();
    store.get_customer(&scope, id).await?;
    store.get_customer(&scope, from).await?;
    Ok(store.merge_customers(&scope, id, from, &AuditStamp::of(actor)).await?)
}

/// Gives a customer a new owner (CUS-8); the history keeps every change.
pub async fn assign_customer<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    input: AssignmentInput,
) -> Result<Customer, Error> {
    actor.require(Module::Customers, Action::Assign)?;
    let (owner_id, note) = input.parse()?;
    let customer = store.get_customer(&actor.scope(), id).await?;
    finish(check_owner(store, actor, owner_id, customer.division_id).await?.into_iter().collect())?;
    let scope = actor.scope();
    store.assign_customers(&scope, &[id], owner_id, note.as_deref(), &AuditStamp::of(actor)).await?;
    // The new owner may be someone else: an own-scope assigner reads the result as the system would.
    Ok(store.get_customer(&Scope { owner_id: None, ..scope }, id).await?)
}

/// Assigns or tags a selection of customers (CUS-6); every id must be in the actor's scope.
pub async fn bulk<S: Store>(store: &S, actor: &Actor, input: BulkInput) -> Result<BulkResult, Error> {
    let (action, ids) = input.parse()?;
    let scope = actor.scope();
    let stamp = AuditStamp::of(actor);
    let result = match action {
        BulkAction::Assign { owner_id, note } => {
            actor.require(Module::Customers, Action::Assign)?;
            let mut divisions: Vec<Uuid> = Vec::new();
            for id in &ids {
                let customer = store.get_customer(&scope, *id).await.map_err(missing("ids"))?;
                if !divisions.contains(&customer.division_id) {
                    divisions.push(customer.division_id);
                }
            }
            for division_id in divisions {
                finish(check_owner(store, actor, owner_id, division_id).await?.into_iter().collect())?;
            }
            store.assign_customers(&scope, &ids, owner_id, note.as_deref(), &stamp).await
        }
        BulkAction::AddTag(tag) => {
            actor.require(Module::Customers, Action::Edit)?;
            store.tag_customers(&scope, &ids, &tag, true, &stamp).await
        }
        BulkAction::RemoveTag(tag) => {
            actor.require(Module::Customers, Action::Edit)?;
            store.tag_customers(&scope, &ids, &tag, false, &stamp).await
        }
    };
    match result {
        Ok(updated) => Ok(BulkResult { updated }),
        Err(StoreError::NotFound) => Err(Error::invalid("ids", "not_found")),
        Err(other) => Err(other.into()),
    }
}

pub async fn list_assignments<S: Store>(
    store: &S,
    actor: &Actor,
    customer_id: Uuid,
    req: &ListRequest,
) -> Result<Page<Assignment>, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.list_assignments(&actor.scope(), customer_id, req).await?)
}

pub async fn list_shares<S: Store>(store: &S, actor: &Actor, customer_id: Uuid) -> Result<Vec<Share>, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.list_shares(&actor.scope(), customer_id).await?)
}

/// Shares a customer with a colleague of its division, who then sees it as its owner does.
pub async fn share_customer<S: Store>(
    store: &S,
    actor: &Actor,
    customer_id: Uuid,
    input: ShareInput,
) -> Result<Share, Error> {
    actor.require(Module::Customers, Action::Edit)?;
    let user_id = input.user_id.ok_or_else(|| Error::invalid("user_id", "required"))?;
    let customer = store.get_customer(&actor.scope(), customer_id).await?;
    if let Some(mut e) = check_owner(store, actor, user_id, customer.division_id).await? {
        e.field = "user_id".into();
        return Err(Error::Invalid(vec![e]));
    }
    Ok(store.share_customer(&actor.scope(), customer_id, user_id, &AuditStamp::of(actor)).await?)
}

pub async fn unshare_customer<S: Store>(
    store: &S,
    actor: &Actor,
    customer_id: Uuid,
    user_id: Uuid,
) -> Result<(), Error> {
    actor.require(Module::Customers, Action::Edit)?;
    Ok(store.unshare_customer(&actor.scope(), customer_id, user_id, &AuditStamp::of(actor)).await?)
}

/// `GET /search`: customers and contacts matching the query, in the actor's scope.
pub async fn search<S: Store>(store: &S, actor: &Actor, q: &str, limit: u32) -> Result<SearchResults, Error> {
    actor.require(Module::Customers, Action::View)?;
    if search::query_tokens(q).is_empty() {
        return Ok(SearchResults { customers: Vec::new(), contacts: Vec::new() });
    }
    Ok(store.search(&actor.scope(), q, limit.clamp(1, crate::listing::MAX_LIMIT)).await?)
}

/// The customers and contacts a caller's number belongs to (INT-6).
pub async fn lookup_phone<S: Store>(store: &S, actor: &Actor, number: &str) -> Result<PhoneLookup, Error> {
    actor.require(Module::Customers, Action::View)?;
    let digits = search::phone_digits(number).ok_or_else(|| Error::invalid("number", "invalid_phone"))?;
    Ok(store.lookup_phone(&actor.scope(), &digits).await?)
}

/// The audit trail of one customer, for whoever may see the customer.
pub async fn customer_audit<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    req: &ListRequest,
) -> Result<Page<AuditEntry>, Error> {
    actor.require(Module::Customers, Action::View)?;
    store.get_customer(&actor.scope(), id).await?;
    let mut req = req.clone();
    req.filters = vec![("entity".into(), "customers".into()), ("entity_id".into(), id.to_string())];
    Ok(store.list_audit(&Scope::everything(), &req).await?)
}

const OVERVIEW_LIMIT: u32 = 10;

fn newest(sort: &str, customer_id: Uuid) -> ListRequest {
    ListRequest {
        sort: Some(Sort { field: sort.into(), descending: true }),
        filters: vec![("customer_id".into(), customer_id.to_string())],
        ..ListRequest::first(sort, OVERVIEW_LIMIT)
    }
}

fn section<T>(page: Page<T>, href: String) -> Section<T> {
    Section { items: page.items, next_cursor: page.next_cursor, href }
}

/// The customer 360 view (CUS-5): every section newest first, limited, with the list that pages it.
pub async fn overview<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Overview, Error> {
    actor.require(Module::Customers, Action::View)?;
    let scope = actor.scope();
    let customer = store.get_customer(&scope, id).await?;
    let contacts = store.list_contacts(&scope, &newest("created_at", id)).await?;
    let interactions = store.list_interactions(&scope, &newest("occurred_at", id)).await?;
    let orders = if actor.can(Module::Sales, Action::View) {
        store.list_orders(&scope, &newest("order_date", id)).await?
    } else {
        Page { items: Vec::new(), next_cursor: None, total: None }
    };
    let attachments = store.list_attachments(&scope, &newest("created_at", id)).await?;
    let assignments = store.list_assignments(&scope, id, &newest("assigned_at", id)).await?;
    let audit_req = ListRequest { filters: Vec::new(), ..newest("at", id) };
    let audit = customer_audit(store, actor, id, &audit_req).await?;
    let list = |things: &str, sort: &str| format!("/api/v1/{things}?customer_id={id}&sort=-{sort}");
    Ok(Overview {
        customer,
        contacts: section(contacts, list("contacts", "created_at")),
        interactions: section(interactions, list("interactions", "occurred_at")),
        orders: section(orders, list("orders", "order_date")),
        attachments: section(attachments, list("attachments", "created_at")),
        assignments: section(assignments, format!("/api/v1/customers/{id}/assignments?sort=-assigned_at")),
        audit: section(audit, format!("/api/v1/customers/{id}/audit-log")),
    })
}

// ---- saved filters ------------------------------------------------------------------------

fn own_id(actor: &Actor) -> Result<Uuid, Error> {
    actor.user_id.ok_or(Error::Unauthenticated)
}

pub async fn list_saved_filters<S: Store>(
    store: &S,
    actor: &Actor,
    req: &ListRequest,
) -> Result<Page<SavedFilter>, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.list_saved_filters(own_id(actor)?, req).await?)
}

pub async fn create_saved_filter<S: Store>(
    store: &S,
    actor: &Actor,
    input: SavedFilterInput,
) -> Result<SavedFilter, Error> {
    actor.require(Module::Customers, Action::View)?;
    let new = NewSavedFilter::parse(input, own_id(actor)?)?;
    Ok(store.create_saved_filter(&new, &AuditStamp::of(actor)).await?)
}

pub async fn delete_saved_filter<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.delete_saved_filter(own_id(actor)?, id).await?)
}

// ---- contacts -----------------------------------------------------------------------------

pub async fn list_contacts<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Contact>, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.list_contacts(&actor.scope(), req).await?)
}

pub async fn get_contact<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Contact, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.get_contact(&actor.scope(), id).await?)
}

pub async fn create_contact<S: Store>(store: &S, actor: &Actor, input: ContactInput) -> Result<Contact, Error> {
    actor.require(Module::Customers, Action::Create)?;
    let new = NewContact::parse(input)?;
    let scope = actor.scope();
    store.get_customer(&scope, new.customer_id).await.map_err(missing("customer_id"))?;
    if let Some(manager) = new.reports_to_id {
        let colleagues = store.contacts_of(&scope, new.customer_id).await?;
        check_reports_to(&colleagues, None, manager).map_err(|e| Error::Invalid(vec![e]))?;
    }
    Ok(store.create_contact(&new, &AuditStamp::of(actor)).await?)
}

pub async fn update_contact<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: ContactPatchInput,
) -> Result<Contact, Error> {
    actor.require(Module::Customers, Action::Edit)?;
    let patch = ContactPatch::parse(input)?;
    let scope = actor.scope();
    if let crate::patch::Patch::Set(manager) = patch.reports_to_id {
        let contact = store.get_contact(&scope, id).await?;
        let colleagues = store.contacts_of(&scope, contact.customer_id).await?;
        check_reports_to(&colleagues, Some(id), manager).map_err(|e| Error::Invalid(vec![e]))?;
    }
    Ok(store.update_contact(&scope, id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_contact<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Customers, Action::Delete)?;
    Ok(store.delete_contact(&actor.scope(), id, &AuditStamp::of(actor)).await?)
}

/// The customer's contacts as an organisation chart (CUS-2).
pub async fn org_chart_of<S: Store>(store: &S, actor: &Actor, customer_id: Uuid) -> Result<Vec<OrgNode>, Error> {
    actor.require(Module::Customers, Action::View)?;
    let scope = actor.scope();
    store.get_customer(&scope, customer_id).await?;
    Ok(org_chart(store.contacts_of(&scope, customer_id).await?))
}

/// One contact as a vCard 4.0 (CUS-10).
pub async fn contact_vcard<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(Contact, String), Error> {
    let contact = get_contact(store, actor, id).await?;
    let card = vcard::contact(&contact);
    Ok((contact, card))
}

/// Every contact of a customer as one .vcf file.
pub async fn customer_vcards<S: Store>(
    store: &S,
    actor: &Actor,
    customer_id: Uuid,
) -> Result<(Customer, String), Error> {
    let customer = get_customer(store, actor, customer_id).await?;
    let contacts = store.contacts_of(&actor.scope(), customer_id).await?;
    Ok((customer, contacts.iter().map(vcard::contact).collect()))
}

// ---- interactions and attachments ---------------------------------------------------------

pub async fn list_interactions<S: Store>(
    store: &S,
    actor: &Actor,
    req: &ListRequest,
) -> Result<Page<Interaction>, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.list_interactions(&actor.scope(), req).await?)
}

pub async fn get_interaction<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Interaction, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.get_interaction(&actor.scope(), id).await?)
}

/// The kind must be an interaction kind, the contact one of the customer's.
async fn check_interaction_links<S: Store>(
    store: &S,
    scope: &Scope,
    customer_id: Uuid,
    kind_id: Option<Uuid>,
    contact_id: Option<Uuid>,
) -> Result<(), Error> {
    let mut errors = check_entries(store, &[("kind_id", kind_id, DictionaryKind::InteractionKind)]).await?;
    if let Some(contact_id) = contact_id {
        match store.get_contact(scope, contact_id).await {
            Ok(c) if c.customer_id == customer_id => {}
            Ok(_) => errors.push(FieldError::new("contact_id", "other_customer")),
            Err(StoreError::NotFound) => errors.push(FieldError::new("contact_id", "not_found")),
            Err(other) => return Err(other.into()),
        }
    }
    finish(errors)
}

pub async fn create_interaction<S: Store>(
    store: &S,
    actor: &Actor,
    input: InteractionInput,
) -> Result<Interaction, Error> {
    actor.require(Module::Customers, Action::Create)?;
    let new = NewInteraction::parse(input)?;
    let scope = actor.scope();
    store.get_customer(&scope, new.customer_id).await.map_err(missing("customer_id"))?;
    check_interaction_links(store, &scope, new.customer_id, new.kind_id, new.contact_id).await?;
    Ok(store.create_interaction(&new, &AuditStamp::of(actor)).await?)
}

pub async fn update_interaction<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: InteractionPatchInput,
) -> Result<Interaction, Error> {
    actor.require(Module::Customers, Action::Edit)?;
    let patch = InteractionPatch::parse(input)?;
    let scope = actor.scope();
    let current = store.get_interaction(&scope, id).await?;
    let set = |p: &crate::patch::Patch<Uuid>| match p {
        crate::patch::Patch::Set(id) => Some(*id),
        _ => None,
    };
    check_interaction_links(store, &scope, current.customer_id, set(&patch.kind_id), set(&patch.contact_id)).await?;
    Ok(store.update_interaction(&scope, id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_interaction<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Customers, Action::Delete)?;
    Ok(store.delete_interaction(&actor.scope(), id, &AuditStamp::of(actor)).await?)
}

pub async fn list_attachments<S: Store>(
    store: &S,
    actor: &Actor,
    req: &ListRequest,
) -> Result<Page<Attachment>, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.list_attachments(&actor.scope(), req).await?)
}

/// A file and its bytes, for download.
pub async fn get_attachment<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<AttachmentContent, Error> {
    actor.require(Module::Customers, Action::View)?;
    Ok(store.get_attachment(&actor.scope(), id).await?)
}

/// Where an uploaded file belongs: a customer, or an interaction (and through it its customer).
#[derive(Debug, Clone, Copy)]
pub enum AttachTo {
    Customer(Uuid),
    Interaction(Uuid),
}

pub async fn attach<S: Store>(
    store: &S,
    actor: &Actor,
    to: AttachTo,
    file_name: &str,
    content_type: Option<&str>,
    data: Vec<u8>,
) -> Result<Attachment, Error> {
    actor.require(Module::Customers, Action::Create)?;
    let scope = actor.scope();
    let (customer_id, interaction_id) = match to {
        AttachTo::Customer(id) => (store.get_customer(&scope, id).await?.id, None),
        AttachTo::Interaction(id) => {
            let interaction = store.get_interaction(&scope, id).await?;
            (interaction.customer_id, Some(id))
        }
    };
    let new = NewAttachment::parse(customer_id, interaction_id, file_name, content_type, data)?;
    Ok(store.create_attachment(&new, &AuditStamp::of(actor)).await?)
}

pub async fn delete_attachment<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Customers, Action::Delete)?;
    Ok(store.delete_attachment(&actor.scope(), id, &AuditStamp::of(actor)).await?)
}

// ---- orders -------------------------------------------------------------------------------

pub async fn list_orders<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Order>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.list_orders(&actor.scope(), req).await?)
}

pub async fn get_order<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Order, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.get_order(&actor.scope(), id).await?)
}

/// Products named on lines must exist; a line without a description takes the product's name.
async fn resolve_products<S: Store>(store: &S, lines: &mut [super::NewOrderLine]) -> Result<(), Error> {
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
    finish(errors)
}

pub async fn create_order<S: Store>(store: &S, actor: &Actor, input: OrderInput) -> Result<Order, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let mut new = NewOrder::parse(input)?;
    store.get_customer(&actor.scope(), new.customer_id).await.map_err(missing("customer_id"))?;
    if let Some(contract_id) = new.contract_id {
        let contract = store.get_contract(&actor.scope(), contract_id).await.map_err(missing("contract_id"))?;
        if contract.customer_id != new.customer_id {
            return Err(Error::invalid("contract_id", "other_customer"));
        }
    }
    resolve_products(store, &mut new.lines).await?;
    Ok(store.create_order(&new, today(), &AuditStamp::of(actor)).await?)
}

pub async fn update_order<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: OrderPatchInput,
) -> Result<Order, Error> {
    actor.require(Module::Sales, Action::Edit)?;
    let mut patch = OrderPatch::parse(input)?;
    if let Some((lines, _)) = patch.lines.as_mut() {
        resolve_products(store, lines).await?;
    }
    Ok(store.update_order(&actor.scope(), id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_order<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Sales, Action::Delete)?;
    Ok(store.delete_order(&actor.scope(), id, &AuditStamp::of(actor)).await?)
}
