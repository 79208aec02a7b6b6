//! Tables in files (CUS-9, BAS-2, RPT-7): reading CSV and .xlsx into rows of text, writing
//! records as CSV and .xlsx, mapping a file's columns to a record kind's fields, the import
//! pipeline with its kinds, and exports of whole lists.

pub mod customers;
pub mod export;
pub mod import;
pub mod inventory;
pub mod lookup;
pub mod mapping;
pub mod products;
pub mod read;
pub mod write;

pub use read::{Row, Table, read};
pub use write::{Cell, FileFormat, Sheet, WriteError};
