//! Quotes, contracts and payments (SAL-7..10).

use async_trait::async_trait;

#[async_trait]
pub trait ContractStore {}
