//! Storage of base data: dictionary, number sequences, products, inventory.

use async_trait::async_trait;
use sqlx::AnyConnection;

use crm_core::access::AuditStamp;
use crm_core::base_data::BaseDataStore;
use crm_core::store::StoreError;

use crate::Db;

#[async_trait]
impl BaseDataStore for Db {}

/// Writes the shipped dictionary entries and number sequences.
pub async fn seed(_conn: &mut AnyConnection, _stamp: &AuditStamp) -> Result<(), StoreError> {
    Ok(())
}
