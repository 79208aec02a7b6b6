//! Domain types, rules and use cases of the CRM. Free of web and database frameworks:
//! the HTTP layer, the CLI and jobs call the actions here, and `crm-store` implements the
//! store traits declared here.

pub mod access;
pub mod base_data;
// `code_enum!` of the customers module names the sales module's states too.
#[macro_use]
pub mod customers;
// After `customers`, whose `code_enum!` it uses.
pub mod churn;
pub mod error;
pub mod jobs;
pub mod listing;
pub mod money;
pub mod notifications;
pub mod patch;
pub mod reports;
pub mod sales;
pub mod schedule;
pub mod service;
pub mod store;

pub use error::{Error, FieldError};
