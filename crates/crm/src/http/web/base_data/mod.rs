//! Pages of base data: the data dictionary, products, inventory.

pub mod dictionary;
pub mod inventory;
pub mod numbering;
pub mod products;
