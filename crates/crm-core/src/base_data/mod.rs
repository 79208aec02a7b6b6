//! Base data (基础数据): the data dictionary (BAS-1), number sequences (BAS-3),
//! products and inventory (SAL-6).

pub mod actions;
mod dictionary;
pub mod import;
mod inventory;
mod numbering;
mod products;
mod store;

pub use dictionary::{
    DefaultEntries, DictionaryEntry, DictionaryEntryInput, DictionaryEntryPatch, DictionaryEntryPatchInput,
    DictionaryKind, NewDictionaryEntry, default_entries,
};
pub use inventory::{InventoryInput, InventoryItem, InventoryPatch, InventoryPatchInput, NewInventoryItem};
pub use numbering::{
    DEFAULT_DATE_FORMAT, DEFAULT_PREFIXES, DEFAULT_WIDTH, NumberSequence, NumberSequencePatch, NumberSequencePatchInput,
};
pub use products::{DEFAULT_CURRENCY, NewProduct, Product, ProductInput, ProductPatch, ProductPatchInput};
pub use store::BaseDataStore;
