use async_trait::async_trait;

use crm_core::sales::OpportunityStore;

use crate::Db;

#[async_trait]
impl OpportunityStore for Db {}
