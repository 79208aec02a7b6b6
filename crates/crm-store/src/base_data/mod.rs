//! Storage of base data: dictionary, number sequences, products, inventory.

mod dictionary;
mod inventory;
mod numbering;
mod products;
mod seed;

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::base_data::{
    BaseDataStore, DictionaryEntry, DictionaryEntryPatch, InventoryItem, InventoryPatch, NewDictionaryEntry,
    NewInventoryItem, NewProduct, NumberSequence, NumberSequencePatch, Product, ProductPatch,
};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::sql::store_error;

pub(crate) use numbering::{next_number, next_numbers, number_for, take_ahead};
pub use seed::{seed, seed_kind};

#[async_trait]
impl BaseDataStore for Db {
    async fn list_dictionary_entries(&self, req: &ListRequest) -> Result<Page<DictionaryEntry>, StoreError> {
        dictionary::list(self, req).await
    }
    async fn get_dictionary_entry(&self, id: Uuid) -> Result<DictionaryEntry, StoreError> {
        dictionary::get(&self.reader, id).await
    }
    async fn create_dictionary_entry(
        &self,
        new: &NewDictionaryEntry,
        stamp: &AuditStamp,
    ) -> Result<DictionaryEntry, StoreError> {
        dictionary::create(self, new, stamp).await
    }
    async fn update_dictionary_entry(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &DictionaryEntryPatch,
        stamp: &AuditStamp,
    ) -> Result<DictionaryEntry, StoreError> {
        dictionary::update(self, id, version, patch, stamp).await
    }
    async fn delete_dictionary_entry(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        dictionary::delete(self, id, stamp).await
    }

    async fn list_number_sequences(&self, req: &ListRequest) -> Result<Page<NumberSequence>, StoreError> {
        numbering::list(self, req).await
    }
    async fn get_number_sequence(&self, kind: &str) -> Result<NumberSequence, StoreError> {
        numbering::get(&self.reader, kind).await
    }
    async fn update_number_sequence(
        &self,
        kind: &str,
        version: Option<i64>,
        patch: &NumberSequencePatch,
        stamp: &AuditStamp,
    ) -> Result<NumberSequence, StoreError> {
        numbering::update(self, kind, version, patch, stamp).await
    }
    async fn next_number(&self, kind: &str, today: NaiveDate) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let number = next_number(&mut tx, kind, today).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(number)
    }

    async fn list_products(&self, req: &ListRequest) -> Result<Page<Product>, StoreError> {
        products::list(self, req).await
    }
    async fn get_product(&self, id: Uuid) -> Result<Product, StoreError> {
        products::get(&self.reader, id).await
    }
    async fn create_product(&self, new: &NewProduct, stamp: &AuditStamp) -> Result<Product, StoreError> {
        products::create(self, new, stamp).await
    }
    async fn create_products(&self, new: &[NewProduct], stamp: &AuditStamp) -> Result<Vec<Product>, StoreError> {
        products::create_many(self, new, stamp).await
    }
    async fn taken_product_keys(&self, keys: &[(String, String)]) -> Result<HashSet<(String, String)>, StoreError> {
        products::taken_keys(self, keys).await
    }
    async fn update_product(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &ProductPatch,
        stamp: &AuditStamp,
    ) -> Result<Product, StoreError> {
        products::update(self, id, version, patch, stamp).await
    }
    async fn delete_product(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        products::delete(self, id, stamp).await
    }

    async fn list_inventory(&self, scope: &Scope, req: &ListRequest) -> Result<Page<InventoryItem>, StoreError> {
        inventory::list(self, scope, req).await
    }
    async fn get_inventory_item(&self, scope: &Scope, id: Uuid) -> Result<InventoryItem, StoreError> {
        inventory::get(&self.reader, scope, id).await
    }
    async fn create_inventory_item(
        &self,
        new: &NewInventoryItem,
        stamp: &AuditStamp,
    ) -> Result<InventoryItem, StoreError> {
        inventory::create(self, new, stamp).await
    }
    async fn create_inventory_items(
        &self,
        new: &[NewInventoryItem],
        stamp: &AuditStamp,
    ) -> Result<Vec<InventoryItem>, StoreError> {
        inventory::create_many(self, new, stamp).await
    }
    async fn taken_inventory_keys(
        &self,
        keys: &[(Uuid, Uuid, String, String)],
    ) -> Result<HashSet<(Uuid, Uuid, String, String)>, StoreError> {
        inventory::taken_keys(self, keys).await
    }
    async fn update_inventory_item(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &InventoryPatch,
        stamp: &AuditStamp,
    ) -> Result<InventoryItem, StoreError> {
        inventory::update(self, scope, id, version, patch, stamp).await
    }
    async fn delete_inventory_item(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        inventory::delete(self, scope, id, stamp).await
    }
}
