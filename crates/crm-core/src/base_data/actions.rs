//! Use cases of base data, called alike from the API, the web pages and the CLI. Each takes
//! the raw input, so every front end gets the same validation after the same policy check.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use uuid::Uuid;

use super::import::{Batch, RowChecks};
use super::{
    DictionaryEntry, DictionaryEntryInput, DictionaryEntryPatch, DictionaryEntryPatchInput, InventoryInput,
    InventoryItem, InventoryPatch, InventoryPatchInput, NewDictionaryEntry, NewInventoryItem, NewProduct,
    NumberSequence, NumberSequencePatch, NumberSequencePatchInput, Product, ProductInput, ProductPatch,
    ProductPatchInput,
};
use crate::access::{Action, Actor, AuditStamp, Module};
use crate::error::{Error, FieldError};
use crate::listing::{ListRequest, Page};
use crate::store::{Store, StoreError};

// ---- dictionary ------------------------------------------------------------------------

pub async fn list_dictionary_entries<S: Store>(
    store: &S,
    actor: &Actor,
    req: &ListRequest,
) -> Result<Page<DictionaryEntry>, Error> {
    actor.require(Module::Dictionary, Action::View)?;
    Ok(store.list_dictionary_entries(req).await?)
}

pub async fn get_dictionary_entry<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<DictionaryEntry, Error> {
    actor.require(Module::Dictionary, Action::View)?;
    Ok(store.get_dictionary_entry(id).await?)
}

pub async fn create_dictionary_entry<S: Store>(
    store: &S,
    actor: &Actor,
    input: DictionaryEntryInput,
) -> Result<DictionaryEntry, Error> {
    actor.require(Module::Dictionary, Action::Create)?;
    let new = NewDictionaryEntry::parse(input)?;
    if let Some(parent_id) = new.parent_id {
        let parent = store.get_dictionary_entry(parent_id).await.map_err(|e| match e {
            StoreError::NotFound => Error::invalid("parent_id", "not_found"),
            other => other.into(),
        })?;
        new.check_parent(&parent)?;
    }
    Ok(store.create_dictionary_entry(&new, &AuditStamp::of(actor)).await?)
}

pub async fn update_dictionary_entry<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: DictionaryEntryPatchInput,
) -> Result<DictionaryEntry, Error> {
    actor.require(Module::Dictionary, Action::Edit)?;
    let patch = DictionaryEntryPatch::parse(input)?;
    Ok(store.update_dictionary_entry(id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_dictionary_entry<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Dictionary, Action::Delete)?;
    Ok(store.delete_dictionary_entry(id, &AuditStamp::of(actor)).await?)
}

// ---- number sequences ------------------------------------------------------------------

pub async fn list_number_sequences<S: Store>(
    store: &S,
    actor: &Actor,
    req: &ListRequest,
) -> Result<Page<NumberSequence>, Error> {
    actor.require(Module::Dictionary, Action::View)?;
    Ok(store.list_number_sequences(req).await?)
}

pub async fn get_number_sequence<S: Store>(store: &S, actor: &Actor, kind: &str) -> Result<NumberSequence, Error> {
    actor.require(Module::Dictionary, Action::View)?;
    Ok(store.get_number_sequence(kind).await?)
}

/// Numbering rules are settings of the dictionary administrator (BAS-3).
pub async fn update_number_sequence<S: Store>(
    store: &S,
    actor: &Actor,
    kind: &str,
    version: Option<i64>,
    input: NumberSequencePatchInput,
) -> Result<NumberSequence, Error> {
    actor.require(Module::Dictionary, Action::Edit)?;
    let patch = NumberSequencePatch::parse(input)?;
    Ok(store.update_number_sequence(kind, version, &patch, &AuditStamp::of(actor)).await?)
}

// ---- products --------------------------------------------------------------------------

pub async fn list_products<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Product>, Error> {
    actor.require(Module::Products, Action::View)?;
    Ok(store.list_products(req).await?)
}

pub async fn get_product<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Product, Error> {
    actor.require(Module::Products, Action::View)?;
    Ok(store.get_product(id).await?)
}

pub async fn create_product<S: Store>(store: &S, actor: &Actor, input: ProductInput) -> Result<Product, Error> {
    actor.require(Module::Products, Action::Create)?;
    let new = NewProduct::parse(input)?;
    Ok(store.create_product(&new, &AuditStamp::of(actor)).await?)
}

/// Creates many products at once (BAS-2 import). Each row is parsed like a single create;
/// a (name, model) that an earlier row or a stored product has is a bad row. With any bad
/// row, or with `dry_run`, nothing is written; otherwise all rows in one transaction.
pub async fn import_products<S: Store>(
    store: &S,
    actor: &Actor,
    rows: Vec<(usize, ProductInput)>,
    dry_run: bool,
) -> Result<Batch<Product>, Error> {
    actor.require(Module::Products, Action::Create)?;
    let mut checks = RowChecks::default();
    let mut parsed = Vec::with_capacity(rows.len());
    for (row, input) in rows {
        if let Some(new) = checks.parse(row, NewProduct::parse(input))? {
            parsed.push((row, new));
        }
    }
    checks.repeated("name", parsed.iter().map(|(row, p)| (*row, p.key())));
    let keys: Vec<(String, String)> = parsed.iter().map(|(_, p)| p.key()).collect();
    let taken = store.taken_product_keys(&keys).await?;
    for (row, p) in &parsed {
        if taken.contains(&p.key()) {
            checks.push(*row, FieldError::new("name", "already_exists"));
        }
    }
    if !checks.is_empty() {
        return Ok(Batch::Rejected(checks.into_errors()));
    }
    if dry_run {
        return Ok(Batch::Checked(parsed.len()));
    }
    let new: Vec<NewProduct> = parsed.into_iter().map(|(_, p)| p).collect();
    Ok(Batch::Created(store.create_products(&new, &AuditStamp::of(actor)).await?))
}

pub async fn update_product<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: ProductPatchInput,
) -> Result<Product, Error> {
    actor.require(Module::Products, Action::Edit)?;
    let patch = ProductPatch::parse(input)?;
    Ok(store.update_product(id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_product<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Products, Action::Delete)?;
    Ok(store.delete_product(id, &AuditStamp::of(actor)).await?)
}

// ---- inventory -------------------------------------------------------------------------

pub async fn list_inventory<S: Store>(
    store: &S,
    actor: &Actor,
    req: &ListRequest,
) -> Result<Page<InventoryItem>, Error> {
    actor.require(Module::Inventory, Action::View)?;
    Ok(store.list_inventory(&actor.division_scope(), req).await?)
}

pub async fn get_inventory_item<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<InventoryItem, Error> {
    actor.require(Module::Inventory, Action::View)?;
    Ok(store.get_inventory_item(&actor.division_scope(), id).await?)
}

/// The actor's division when they have exactly one: where their records go by default.
fn only_division(actor: &Actor) -> Option<Uuid> {
    match actor.division_ids.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

/// Field errors for a product that does not exist and a division outside the actor's scope.
async fn check_refs<S: Store>(
    store: &S,
    actor: &Actor,
    product_id: Uuid,
    division_id: Uuid,
) -> Result<Vec<FieldError>, Error> {
    let mut errors = Vec::new();
    match store.get_product(product_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => errors.push(FieldError::new("product_id", "not_found")),
        Err(other) => return Err(other.into()),
    }
    match store.get_division(&actor.division_scope(), division_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            errors.push(FieldError::with_param("division_id", "unknown_division", division_id))
        }
        Err(other) => return Err(other.into()),
    }
    Ok(errors)
}

/// Records stock of a product in one of the actor's divisions (their only one by default).
pub async fn create_inventory_item<S: Store>(
    store: &S,
    actor: &Actor,
    input: InventoryInput,
) -> Result<InventoryItem, Error> {
    actor.require(Module::Inventory, Action::Create)?;
    let new = NewInventoryItem::parse(input, only_division(actor))?;
    let errors = check_refs(store, actor, new.product_id, new.division_id).await?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(store.create_inventory_item(&new, &AuditStamp::of(actor)).await?)
}

/// Records many stock rows at once (BAS-2 import), each checked like a single create; a
/// (division, product, warehouse, location) that an earlier row or stored stock has is a bad
/// row. With any bad row, or with `dry_run`, nothing is written; otherwise all rows at once.
pub async fn import_inventory<S: Store>(
    store: &S,
    actor: &Actor,
    rows: Vec<(usize, InventoryInput)>,
    dry_run: bool,
) -> Result<Batch<InventoryItem>, Error> {
    actor.require(Module::Inventory, Action::Create)?;
    let mut checks = RowChecks::default();
    let mut parsed = Vec::with_capacity(rows.len());
    let mut refs: HashMap<(Uuid, Uuid), Vec<FieldError>> = HashMap::new();
    for (row, input) in rows {
        let Some(new) = checks.parse(row, NewInventoryItem::parse(input, only_division(actor)))? else { continue };
        let pair = (new.product_id, new.division_id);
        if let Entry::Vacant(slot) = refs.entry(pair) {
            slot.insert(check_refs(store, actor, pair.0, pair.1).await?);
        }
        match refs.get(&pair).filter(|errors| !errors.is_empty()) {
            Some(errors) => errors.iter().for_each(|e| checks.push(row, e.clone())),
            None => parsed.push((row, new)),
        }
    }
    checks.repeated("location", parsed.iter().map(|(row, i)| (*row, i.key())));
    let keys: Vec<_> = parsed.iter().map(|(_, i)| i.key()).collect();
    let taken = store.taken_inventory_keys(&keys).await?;
    for (row, item) in &parsed {
        if taken.contains(&item.key()) {
            checks.push(*row, FieldError::new("location", "already_exists"));
        }
    }
    if !checks.is_empty() {
        return Ok(Batch::Rejected(checks.into_errors()));
    }
    if dry_run {
        return Ok(Batch::Checked(parsed.len()));
    }
    let new: Vec<NewInventoryItem> = parsed.into_iter().map(|(_, i)| i).collect();
    Ok(Batch::Created(store.create_inventory_items(&new, &AuditStamp::of(actor)).await?))
}

pub async fn update_inventory_item<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: InventoryPatchInput,
) -> Result<InventoryItem, Error> {
    actor.require(Module::Inventory, Action::Edit)?;
    let patch = InventoryPatch::parse(input)?;
    Ok(store.update_inventory_item(&actor.division_scope(), id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_inventory_item<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Inventory, Action::Delete)?;
    Ok(store.delete_inventory_item(&actor.division_scope(), id, &AuditStamp::of(actor)).await?)
}
