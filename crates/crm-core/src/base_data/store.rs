use std::collections::HashSet;

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    DictionaryEntry, DictionaryEntryPatch, InventoryItem, InventoryPatch, NewDictionaryEntry, NewInventoryItem,
    NewProduct, NumberSequence, NumberSequencePatch, Product, ProductPatch,
};
use crate::access::{AuditStamp, Scope};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// Storage of dictionary entries, number sequences, products and stock. Dictionary, numbering
/// and products are company-wide; stock belongs to a division and its reads take a `Scope`.
#[async_trait]
pub trait BaseDataStore {
    async fn list_dictionary_entries(&self, req: &ListRequest) -> Result<Page<DictionaryEntry>, StoreError>;
    async fn get_dictionary_entry(&self, id: Uuid) -> Result<DictionaryEntry, StoreError>;
    /// Without a position, the entry goes after the last one of its kind and parent.
    async fn create_dictionary_entry(
        &self,
        new: &NewDictionaryEntry,
        stamp: &AuditStamp,
    ) -> Result<DictionaryEntry, StoreError>;
    /// Refused with `Conflict { constraint: "entry_not_editable" }` when the patch changes a
    /// fixed field of a locked entry.
    async fn update_dictionary_entry(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &DictionaryEntryPatch,
        stamp: &AuditStamp,
    ) -> Result<DictionaryEntry, StoreError>;
    /// Refused with `Conflict { constraint: "entry_not_editable" }` for locked entries and
    /// `"dictionary_entry_in_use"` while child entries or records refer to it.
    async fn delete_dictionary_entry(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    async fn list_number_sequences(&self, req: &ListRequest) -> Result<Page<NumberSequence>, StoreError>;
    async fn get_number_sequence(&self, kind: &str) -> Result<NumberSequence, StoreError>;
    async fn update_number_sequence(
        &self,
        kind: &str,
        version: Option<i64>,
        patch: &NumberSequencePatch,
        stamp: &AuditStamp,
    ) -> Result<NumberSequence, StoreError>;
    /// Takes the next number of a sequence in a transaction of its own. Modules that number
    /// their records take it inside their own write transaction instead, so that a failed
    /// write does not use up a number.
    async fn next_number(&self, kind: &str, today: NaiveDate) -> Result<String, StoreError>;

    async fn list_products(&self, req: &ListRequest) -> Result<Page<Product>, StoreError>;
    async fn get_product(&self, id: Uuid) -> Result<Product, StoreError>;
    async fn create_product(&self, new: &NewProduct, stamp: &AuditStamp) -> Result<Product, StoreError>;
    /// Creates every product in one transaction, with an audit row each: all or none.
    async fn create_products(&self, new: &[NewProduct], stamp: &AuditStamp) -> Result<Vec<Product>, StoreError>;
    /// Which of these (name, model) keys stored products already have (see `NewProduct::key`).
    async fn taken_product_keys(&self, keys: &[(String, String)]) -> Result<HashSet<(String, String)>, StoreError>;
    async fn update_product(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &ProductPatch,
        stamp: &AuditStamp,
    ) -> Result<Product, StoreError>;
    /// Refused with `Conflict { constraint: "product_in_use" }` while stock or orders refer to it.
    async fn delete_product(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    async fn list_inventory(&self, scope: &Scope, req: &ListRequest) -> Result<Page<InventoryItem>, StoreError>;
    async fn get_inventory_item(&self, scope: &Scope, id: Uuid) -> Result<InventoryItem, StoreError>;
    async fn create_inventory_item(
        &self,
        new: &NewInventoryItem,
        stamp: &AuditStamp,
    ) -> Result<InventoryItem, StoreError>;
    /// Creates every stock row in one transaction, with an audit row each: all or none.
    async fn create_inventory_items(
        &self,
        new: &[NewInventoryItem],
        stamp: &AuditStamp,
    ) -> Result<Vec<InventoryItem>, StoreError>;
    /// Which of these keys stored stock rows already have (see `NewInventoryItem::key`).
    async fn taken_inventory_keys(
        &self,
        keys: &[(Uuid, Uuid, String, String)],
    ) -> Result<HashSet<(Uuid, Uuid, String, String)>, StoreError>;
    async fn update_inventory_item(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &InventoryPatch,
        stamp: &AuditStamp,
    ) -> Result<InventoryItem, StoreError>;
    async fn delete_inventory_item(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;
}
