//! The one implementation of the store traits of `crm-core`, over SQLite and PostgreSQL.
//! Queries are written once in portable SQL through `sqlx::Any`; what differs between the
//! two databases lives in `dialect`.

mod access;
mod audit;
mod base_data;
mod churn;
mod customers;
mod database;
mod dialect;
mod group_commit;
mod jobs;
mod listing;
mod notifications;
mod reports;
mod sales;
mod schedule;
mod seed;
mod service;
mod sql;

pub use database::{Backend, ConnectError, Db, DbOptions};
