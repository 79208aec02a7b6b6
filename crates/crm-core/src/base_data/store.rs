use async_trait::async_trait;

/// Storage of dictionary entries, number sequences, products and stock.
#[async_trait]
pub trait BaseDataStore {}
