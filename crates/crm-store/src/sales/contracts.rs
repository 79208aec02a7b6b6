use async_trait::async_trait;

use crm_core::sales::ContractStore;

use crate::Db;

#[async_trait]
impl ContractStore for Db {}
