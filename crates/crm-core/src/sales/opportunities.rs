//! Sales opportunities (SAL-1..5): assignment, development plans, the pipeline and its board.

use async_trait::async_trait;

#[async_trait]
pub trait OpportunityStore {}
