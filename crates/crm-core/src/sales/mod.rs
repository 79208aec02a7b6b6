//! Sales (销售管理, SAL-1..10): opportunities with their development plans and the pipeline
//! (`opportunities`); quotes, contracts and payments (`contracts`). Orders themselves live
//! with the customers module, whose history they feed.

pub mod contracts;
pub mod opportunities;

pub use contracts::{
    Contract, ContractStatus, ContractStore, Payment, PlanItem, Quote, QuoteRevision, QuoteStatus, Receivables,
};
pub use opportunities::OpportunityStore;

/// Everything the sales actions need from storage.
pub trait SalesStore: OpportunityStore + ContractStore {}

impl<T: OpportunityStore + ContractStore> SalesStore for T {}
