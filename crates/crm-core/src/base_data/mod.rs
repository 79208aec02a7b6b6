//! Base data (基础数据): the data dictionary (BAS-1), number sequences (BAS-3),
//! products and inventory (SAL-6).

mod store;

pub use store::BaseDataStore;
